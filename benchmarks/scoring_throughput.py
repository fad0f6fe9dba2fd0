"""Scoring throughput of the shipped supervisor probe on this machine, everything in one run so figures
compare.

Prints, for the same text read in the same windows (with an intent prefix, as a review reads it):
fp32 GEMM GFLOP/s (the roofline); a plain transformers forward of the full supervisor with the LM head and
all hidden states (the baseline); redline's feature pass for the probe's configuration (default: what
scoring/probes/default reads, layers 15 and 22 plus the LM head's surprisal and entropy, plus static
features), its FLOP rate as a share of the roofline and its ratio to the baseline; the cost of each
feature family in ms per 1,000 lines (layer 15 alone, up to layer 22, the LM head with the layers it
needs, the static features); and the share of the tokens run that are re-read context (intent prefix,
window overlap) rather than scored code.

    python benchmarks/scoring_throughput.py [--tokens 8192] [--probe DIR]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = (ROOT / "examples" / "score" / "median.py").read_text()
INTENT = (
    "Add running totals to the report builder\n\nThe weekly report needs cumulative figures per module. This "
    "adds a helper per module that returns running totals, stopping at a limit, and uses it in the report. "
    "Co-authored-by: Claude"
)


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def timed(fn, repeat: int = 2) -> float:  # type: ignore[no-untyped-def]
    """Best of `repeat` wall times: the least disturbed by other work on a shared machine."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def gemm_gflops(size: int = 1024) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    seconds = timed(lambda: [torch.mm(a, b) for _ in range(8)], repeat=3)
    return 8 * 2 * size**3 / seconds / 1e9


def text_of(tokenizer, n_tokens: int) -> str:  # type: ignore[no-untyped-def]
    text = SAMPLE
    while len(tokenizer(text, add_special_tokens=False)["input_ids"]) < n_tokens:
        text += SAMPLE
    return text


def flops_per_token(config, layers: int, context: float, lm_head: bool) -> float:  # type: ignore[no-untyped-def]
    """2 x multiply-adds of the linear layers, attention scores and values at the mean context, LM head."""
    d, ff = config.hidden_size, config.intermediate_size
    kv = d * config.num_key_value_heads // config.num_attention_heads
    per_layer = 2 * (d * d * 2 + d * kv * 2 + 3 * d * ff) + 2 * 2 * d * context
    return layers * per_layer + (2 * d * config.vocab_size if lm_head else 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=8192, help="tokens of code to score")
    parser.add_argument("--probe", help="probe directory (default: the shipped probe)")
    args = parser.parse_args()

    from scoring.card import ProbeConfig
    from scoring.probe.features import (
        STATISTICS,
        WindowConfig,
        WorkReport,
        needs_lm_head,
        plan_jobs,
        token_features,
    )
    from scoring.probe.span_probe import DEFAULT_PROBE_DIR, load_probe
    from scoring.probe.supervisor import load_supervisor, set_threads
    from scoring.static import STATIC_FEATURES
    from scoring.windows import tokenize

    _, card = load_probe(Path(args.probe) if args.probe else DEFAULT_PROBE_DIR)
    shipped = card.probe_config
    window = WindowConfig(**card.window)
    threads = set_threads()
    print(
        f"{os.cpu_count()} CPUs, {threads} torch threads (affinity); probe {card.version}: layers "
        f"{list(shipped.layers)}, LM head {needs_lm_head(shipped)}, "
        f"extras {len(shipped.extra_features)}; {load()}"
    )
    gflops = gemm_gflops()
    print(f"fp32 GEMM: {gflops:.0f} GFLOP/s ({threads} threads)  [{load()}]")

    supervisor = load_supervisor(card.supervisor.get("model"), lm_head=True)
    config = supervisor.model.config
    text = tokenize(supervisor.tokenizer, text_of(supervisor.tokenizer, args.tokens))
    lines = text.n_lines
    report = WorkReport()
    jobs = plan_jobs(supervisor, [text], [INTENT], window, report=report)
    length = max(len(j.input_ids) for j in jobs)
    ids = torch.zeros((len(jobs), length), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, job in enumerate(jobs):
        ids[row, : len(job.input_ids)] = torch.tensor(job.input_ids)
        mask[row, : len(job.input_ids)] = 1
    run_tokens = int(mask.sum())
    prefix = sum(j.prefix for j in jobs)
    context = float(np.mean([len(j.input_ids) for j in jobs])) / 2
    print(
        f"text: {text.n_tokens} tokens, {lines} lines, in {len(jobs)} windows of <= {window.size} tokens; "
        f"tokens run {run_tokens}: intent prefix {prefix} ({prefix / run_tokens:.1%}), overlap "
        f"{sum(j.window.own_start - j.window.start for j in jobs)} "
        f"({sum(j.window.own_start - j.window.start for j in jobs) / run_tokens:.1%}) re-read context"
    )

    def plain() -> None:
        with torch.inference_mode():
            for i in range(0, len(jobs), 4):
                supervisor.model(
                    input_ids=ids[i : i + 4], attention_mask=mask[i : i + 4], output_hidden_states=True
                )

    base_s = timed(plain)
    base_flops = run_tokens * flops_per_token(config, config.num_hidden_layers, context, lm_head=True)
    print(
        f"baseline: transformers, {config.num_hidden_layers} layers + LM head, hidden states: "
        f"{text.n_tokens / base_s:.0f} scored tokens/s, {base_flops / base_s / 1e9:.0f} GFLOP/s = "
        f"{base_flops / base_s / 1e9 / gflops:.0%} of roofline  [{load()}]"
    )

    def features(probe_config: ProbeConfig) -> float:
        return timed(lambda: token_features(supervisor, [text], [INTENT], probe_config, window, batch_size=8))

    ours_s = features(shipped)
    deepest = config.num_hidden_layers if needs_lm_head(shipped) else max(shipped.layers)
    ours_flops = run_tokens * flops_per_token(config, deepest, context, lm_head=needs_lm_head(shipped))
    print(
        f"redline, shipped probe ({deepest} layers{' + LM head' if needs_lm_head(shipped) else ''} + "
        f"static): {text.n_tokens / ours_s:.0f} scored tokens/s, {ours_flops / ours_s / 1e9:.0f} GFLOP/s = "
        f"{ours_flops / ours_s / 1e9 / gflops:.0%} of roofline; baseline / redline = {base_s / ours_s:.2f}x  "
        f"[{load()}]"
    )

    per_k = 1000 / lines * 1000  # seconds over this text -> ms per 1,000 lines
    families = {
        "layer 15 only (paper probe)": ProbeConfig(layers=(15,)),
        f"layers up to {max(shipped.layers)} ({'+'.join(map(str, shipped.layers))})": ProbeConfig(
            layers=shipped.layers
        ),
        "layers + LM head (surprisal, entropy: all 30 layers + head)": ProbeConfig(
            layers=shipped.layers, extra_features=("surprisal", "entropy")
        ),
    }
    print("feature family costs, ms per 1,000 lines of this code:")
    for name, probe_config in families.items():
        seconds = features(probe_config)
        print(f"  {name}: {seconds * per_k:.0f} ms  [{load()}]")
    static = [n for n in shipped.extra_features if n in STATIC_FEATURES]
    static_s = timed(lambda: [STATIC_FEATURES[n](text) for n in static])
    print(f"  static features ({len(static)}: {', '.join(static[:4])}, ...): {static_s * per_k:.0f} ms")
    head_only = timed(
        lambda: supervisor._token_statistics(torch.randn(1, 1024, config.hidden_size), ids[:1, :1024])
    )
    print(
        f"  LM head alone (1,024 positions, chunks of 256): {head_only * 1000:.0f} ms "
        f"= {head_only / 1024 * text.n_tokens * per_k:.0f} ms per 1,000 lines  [{load()}]"
    )
    print(f"statistics computed: {STATISTICS}")


if __name__ == "__main__":
    main()
