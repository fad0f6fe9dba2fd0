"""A real Scorer on a tiny randomly initialised Llama, for fast tests of every layer above the model.

Everything is real (tokenizer with offsets, decoder layers, probe, calibration); only the size is tiny.
The probe is trained on a planted signal: lines containing the word `bug` are "edited".
"""

from __future__ import annotations

import functools
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from scoring.calibration import PlattCalibrator
from scoring.card import ProbeCard, ProbeConfig
from scoring.probe.features import WindowConfig, needs_lm_head, token_features
from scoring.probe.scorer import Scorer
from scoring.probe.span_probe import SpanIndex, SpanProbe
from scoring.probe.supervisor import Supervisor, tokenizer_hash
from scoring.types import Span
from scoring.windows import span_mask, tokenize

PLANTED_WORD = "bug"
CORPUS = [
    "value = total + 1  # bug\nreturn items\nif count > index:\n    left.append(node)\n",
    "def add(a, b):\n    return a + b\n",
    "def bug(x):\n    return x - 1  # bug\n",
    "for i in range(10):\n\tprint(i)\n",
    "class Thing:\n    def __init__(self):\n        self.value = None\n",
    "if x is None:\n    raise ValueError('no value')\n",
    "values = [v * 2 for v in items if v]  # é ü 漢字\r\n",
]


@functools.cache
def tiny_tokenizer():  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        show_progress=False,
        special_tokens=["<s>", "</s>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    backend.train_from_iterator(CORPUS * 20, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>")


def tiny_supervisor(lm_head: bool = False, layers: int = 4) -> Supervisor:
    from transformers import LlamaConfig, LlamaForCausalLM, LlamaModel

    tokenizer = tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    torch.manual_seed(0)
    model = (LlamaForCausalLM if lm_head else LlamaModel)(config)
    return Supervisor(
        model, tokenizer, fingerprint="tiny-random-llama:seed0:float32", name="tiny-random-llama"
    )


NAMES = ["value", "items", "total", "count", "result", "index", "name", "data", "node", "left"]
TEMPLATES = [
    "{a} = {b} + 1",
    "return {a}",
    "if {a} > {b}:",
    "for {a} in {b}:",
    "{a}.append({b})",
    "print({a}, {b})",
    "{a} = [{b}]",
    "while {a}:",
    "del {a}",
    "{a} += {b}",
]


def planted_examples(n: int, seed: int = 0) -> list[tuple[str, list[int]]]:
    """Random little programs; a line is labelled edited (1) iff it contains the planted word."""
    rng = np.random.default_rng(seed)
    examples = []
    for _ in range(n):
        lines, labels = [], []
        for _ in range(int(rng.integers(3, 9))):
            a, b = rng.choice(NAMES, size=2)
            line = "    " * int(rng.integers(0, 3)) + str(rng.choice(TEMPLATES)).format(a=a, b=b)
            planted = bool(rng.random() < 0.3)
            lines.append(line + (f"  # {PLANTED_WORD}" if planted else "") + "\n")
            labels.append(int(planted))
        examples.append(("".join(lines), labels))
    return examples


def tiny_scorer(
    config: ProbeConfig | None = None,
    window: WindowConfig | None = None,
    steps: int = 150,
    supervisor: Supervisor | None = None,
) -> Scorer:
    """A Scorer whose probe has learnt the planted signal on the tiny supervisor (a few seconds on CPU)."""
    config = config or ProbeConfig(layers=(1, 2), hidden=16, dropout=0.0)
    window = window or WindowConfig(size=128, overlap=16, max_intent_tokens=32)
    if supervisor is None:
        supervisor = tiny_supervisor(lm_head=needs_lm_head(config))
    examples = planted_examples(48)
    texts = [tokenize(supervisor.tokenizer, text) for text, _ in examples]
    features = [
        torch.from_numpy(f) for f in token_features(supervisor, texts, [None] * len(texts), config, window)
    ]
    masks = [span_mask(t, [Span.lines(i + 1) for i in range(t.n_lines)]) for t in texts]
    labels = [torch.tensor(y, dtype=torch.float32) for _, y in examples]
    probe = SpanProbe(config, features[0].shape[1])
    everything = torch.cat(features)
    index = SpanIndex.concat([SpanIndex.from_mask(m) for m in masks], [len(f) for f in features])
    targets = torch.cat(labels)
    probe.fit_normalizer(everything)
    optimiser = torch.optim.Adam(probe.parameters(), lr=3e-2)
    torch.manual_seed(0)
    for _ in range(steps):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(probe(everything, index), targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    probe.eval()
    with torch.no_grad():
        logits = probe(everything, index).numpy()
    platt = PlattCalibrator.fit(logits, targets.numpy()).to_dict()
    card = ProbeCard(
        version="tiny-test",
        supervisor={"fingerprint": supervisor.fingerprint, "model": supervisor.name},
        tokenizer_hash=tokenizer_hash(supervisor.tokenizer),
        config=config.to_dict(),
        input_size=features[0].shape[1],
        window=asdict(window),
        calibration={"pr": platt, "benchmark": platt},
        training_data={"description": f"{len(examples)} synthetic programs, planted word {PLANTED_WORD!r}"},
    )
    return Scorer(supervisor, probe, card)


def save_tiny_install(root: Path) -> tuple[Path, Path]:
    """The tiny supervisor saved as a local model directory and a probe trained on exactly that directory:
    what `redline score/review --model DIR --probe DIR` load, so CLI tests run the real loading path."""
    from scoring.probe.span_probe import save_probe
    from scoring.probe.supervisor import load_supervisor

    model = tiny_supervisor()
    model.model.save_pretrained(root / "model")
    model.tokenizer.save_pretrained(root / "model")
    scorer = tiny_scorer(supervisor=load_supervisor(str(root / "model"), max_layer=2))
    save_probe(root / "probe", scorer.probe, scorer.card)
    return root / "model", root / "probe"
