"""Supervisor throughput for probe feature extraction: code tokens per second on in-the-wild windows.

    python benchmarks/probe_extraction.py --windows 16 --threads 1

Compares, in one run on the same windows, a pass that stops at the paper's layer 15 with the full pass
(layers 15 and 22 + LM head for surprisal/entropy) that `redline train` extracts. No cache is used.
"""

from __future__ import annotations

import argparse
import time

import torch

from scoring.card import ProbeConfig
from scoring.probe.features import token_features
from scoring.probe.supervisor import load_supervisor
from scoring.windows import tokenize
from training.probe.features import ALL_EXTRAS, EXTRACT_LAYERS
from training.wild.reader import load_wild


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--windows", type=int, default=16, help="in-the-wild windows to read")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    supervisor = load_supervisor(lm_head=True)
    examples = load_wild()[: args.windows]
    texts = [tokenize(supervisor.tokenizer, e.text) for e in examples]
    intents = [e.intent for e in examples]
    tokens = sum(t.n_tokens for t in texts)
    for name, config in (
        ("layer 15 only", ProbeConfig(layers=(15,))),
        ("layers 15+22 + LM statistics", ProbeConfig(layers=EXTRACT_LAYERS, extra_features=ALL_EXTRAS)),
    ):
        started = time.perf_counter()
        token_features(supervisor, texts, intents, config)
        seconds = time.perf_counter() - started
        print(
            f"{name:32s} {tokens} code tokens in {seconds:6.1f} s = {tokens / seconds:6.0f} tokens/s "
            f"({args.threads} thread(s), {args.windows} windows)"
        )


if __name__ == "__main__":
    main()
