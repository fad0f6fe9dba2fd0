"""Benchmark: reviewing a local PR with N AI-added lines (default 1,000 in 10 files), both shipped scorers.

    python benchmarks/review_pr.py [--lines 1000] [--scorer pr|probe|both] [--language python|typescript]
        [--probe DIR] [--threads N]

Builds a real git repository whose one AI-authored commit (Co-authored-by: Claude) adds N lines of
Python across 10 files, then runs the whole review (snapshot, attribution, history, scoring, decisions,
plan) in a fresh child process per scorer, so each peak RSS is that review's alone:

- pr: the default PR review, the PR model (scoring/pr_scorer.py: diff, change and git-history features,
  no language model).
- probe: the supervisor probe (`model.pr_model: probe`, and `redline score`): the real SmolLM2 and the
  shipped probe (layers 15 and 22, LM head), or with --probe another one. Then one line of one file is
  changed and the PR reviewed again in the same process (the window cache of a long-lived App worker):
  first by amending the AI commit (force-push, same message), then by a new AI commit (whose message
  joins the intent of the one file it touches), and finally the forward passes of the first review are
  re-run as a plain transformers forward (all 30 layers, LM head, output_hidden_states) for the ratio, in
  the same process.

Cold start: a fresh process per scorer, from spawn to the first probability of one line (one score call).
Every figure prints with the load average next to it: on a shared machine only ratios from one run compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import git

FUNCTION = '''
def {name}(values, limit={k}):
    """Return the running totals of values, stopping at limit."""
    totals = []
    running = 0
    for index, value in enumerate(values):
        if index >= limit:
            break
        running += value * {k}
        totals.append(running)
    return totals
'''
TS_FUNCTION = """
/** Return the running totals of values, stopping at limit. */
export function {name}(values: number[], limit = {k}): number[] {{
  const totals: number[] = [];
  let running = 0;
  for (const [index, value] of values.entries()) {{
    if (index >= limit) {{
      break;
    }}
    running += value * {k};
    totals.push(running);
  }}
  return totals;
}}
"""
# language -> (function template, file suffix): the same code in each language the PR model parses
TEMPLATES = {"python": (FUNCTION, ".py"), "typescript": (TS_FUNCTION, ".ts")}


def build_repo(root: Path, n_lines: int, files: int = 10, language: str = "python") -> None:
    template, suffix = TEMPLATES[language]
    lines_per_function = template.count("\n")
    repo = git.Repo.init(root, initial_branch="main")
    actor = git.Actor("Ada", "ada@example.com")
    (root / "README.md").write_text("bench\n")
    repo.index.add(["README.md"])
    repo.index.commit("base", author=actor, committer=actor)
    repo.create_head("feature").checkout()
    per_file = n_lines // files
    names = []
    for f in range(files):
        body = "".join(
            template.format(name=f"total_{f}_{k}", k=k + 1) for k in range(per_file // lines_per_function + 1)
        )
        text = "\n".join(body.splitlines()[:per_file]) + "\n"
        (root / f"module_{f}{suffix}").write_text(text)
        names.append(f"module_{f}{suffix}")
    repo.index.add(names)
    message = "Add running totals\n\nCo-authored-by: Claude <noreply@anthropic.com>"
    repo.index.commit(message, author=actor, committer=actor)


def load_scorer(probe: str | None):  # type: ignore[no-untyped-def]
    from scoring.errors import ProbeError
    from scoring.probe.scorer import Scorer

    try:
        return Scorer.load(probe=probe), "trained probe"
    except ProbeError:
        if probe is not None:
            raise
    from dataclasses import asdict

    import torch

    from scoring.calibration import PlattCalibrator
    from scoring.card import ProbeCard, ProbeConfig
    from scoring.probe.features import WindowConfig
    from scoring.probe.span_probe import SpanProbe
    from scoring.probe.supervisor import load_supervisor, tokenizer_hash

    config = ProbeConfig(layers=(15,))
    supervisor = load_supervisor(None, max_layer=15)
    torch.manual_seed(0)
    hidden = int(supervisor.model.config.hidden_size)
    probe = SpanProbe(config, hidden * len(config.layers))
    card = ProbeCard(
        version="untrained-benchmark",
        supervisor={"fingerprint": supervisor.fingerprint, "model": supervisor.name},
        tokenizer_hash=tokenizer_hash(supervisor.tokenizer),
        config=config.to_dict(),
        input_size=hidden * len(config.layers),
        window=asdict(WindowConfig()),
        calibration={"pr": PlattCalibrator().to_dict()},
    )
    return Scorer(supervisor, probe, card), "UNTRAINED probe (timing only; probabilities meaningless)"


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def push_one_line(root: Path, amend: bool, text: str) -> None:
    """Change one line in the middle of one file: amend the AI commit (a force-push, same message) or add a
    new AI commit (its message joins the intent the supervisor reads, bot.review.intents)."""
    repo = git.Repo(root)
    actor = git.Actor("Ada", "ada@example.com")
    path = root / "module_4.py"
    rows = path.read_text().splitlines(keepends=True)
    rows[len(rows) // 2] = text
    path.write_text("".join(rows))
    repo.index.add(["module_4.py"])
    if amend:
        message = repo.head.commit.message
        repo.git.commit(
            "--amend",
            "-m",
            message,
            "--no-verify",
            env={
                "GIT_AUTHOR_NAME": "Ada",
                "GIT_AUTHOR_EMAIL": "ada@example.com",
                "GIT_COMMITTER_NAME": "Ada",
                "GIT_COMMITTER_EMAIL": "ada@example.com",
            },
        )
    else:
        repo.index.commit(
            "Restart the total\n\nCo-authored-by: Claude <noreply@anthropic.com>",
            author=actor,
            committer=actor,
        )


def child_review(scorer_kind: str, root: Path, probe: str | None, threads: int | None) -> dict[str, object]:
    """One review in this (fresh) process; for the probe also the re-review and the plain-forward baseline."""
    from bot.config import load_settings
    from bot.review import review
    from bot.snapshot import local_snapshot

    started, cpu_started = time.perf_counter(), time.process_time()
    if scorer_kind == "pr":
        from scoring.pr_scorer import PRScorer

        scorer, kind = PRScorer.load(None), "PR model (no language model)"
    else:
        scorer, kind = load_scorer(probe)
        if threads:
            import torch

            torch.set_num_threads(threads)
    loaded = time.perf_counter()
    settings = load_settings(None, env={})
    snapshot = local_snapshot(root, "main", "feature")
    snapped = time.perf_counter()
    recorded: list[tuple[object, object]] = []
    if scorer_kind == "probe":
        from scoring.probe.features import WorkReport

        scorer.report = WorkReport()
        forward = scorer.supervisor.forward

        def recording(ids, mask, *args, **kwargs):  # type: ignore[no-untyped-def]
            recorded.append((ids, mask))
            return forward(ids, mask, *args, **kwargs)

        scorer.supervisor.forward = recording
    outcome = review(snapshot, lambda: scorer, settings)
    done, cpu_done = time.perf_counter(), time.process_time()
    out: dict[str, object] = {
        "scorer": kind,
        "coverage": outcome.coverage.line(),
        "load_s": loaded - started,
        "snapshot_s": snapped - loaded,
        "review_s": done - snapped,
        "review_timings_s": outcome.timings_s,
        "cpu_s": cpu_done - cpu_started,
        "scored_lines": outcome.coverage.scored_lines,
        "peak_rss_mb": peak_rss_mb(),
        "load": load(),
    }
    if scorer_kind != "probe":
        return out
    first = scorer.report
    out["first_tokens_forwarded"] = first.forwarded
    out["reread_share"] = first.reread_share
    out["work"] = {
        k: getattr(first, k)
        for k in ("windows", "skipped", "cached", "forwarded", "prefix", "overlap", "needed")
    }
    scorer.supervisor.forward = forward
    for name, amend, line in (
        ("amended", True, "    running = 0  # restart\n"),
        ("new_commit", False, "    running = 1  # restart\n"),
    ):
        push_one_line(root, amend, line)
        snapshot = local_snapshot(root, "main", "feature")
        scorer.report = WorkReport()
        again = time.perf_counter()
        review(snapshot, lambda: scorer, settings)
        out[f"re_review_{name}_s"] = time.perf_counter() - again
        out[f"re_review_{name}_tokens_forwarded"] = scorer.report.forwarded
        out[f"re_review_{name}_windows_cached"] = scorer.report.cached
        out[f"load_after_re_review_{name}"] = load()
    out["peak_rss_mb_after_re_reviews"] = peak_rss_mb()
    # The same forward passes as a plain transformers forward of the full model with hidden states.
    import torch
    from transformers import AutoModelForCausalLM

    full = AutoModelForCausalLM.from_pretrained(
        scorer.supervisor.model.name_or_path, dtype=torch.float32
    ).eval()
    plain = time.perf_counter()
    with torch.inference_mode():
        for ids, mask in recorded:
            rows = max(1, 4096 // int(ids.shape[1]))  # type: ignore[attr-defined]
            for i in range(0, int(ids.shape[0]), rows):  # type: ignore[attr-defined]
                full(
                    input_ids=ids[i : i + rows], attention_mask=mask[i : i + rows], output_hidden_states=True
                )  # type: ignore[index]
    out["plain_forward_s"] = time.perf_counter() - plain
    out["load_after_plain"] = load()
    return out


COLD = {
    "pr": "from scoring.pr_scorer import PRScorer as S; s=S.load(None)",
    "probe": "from scoring.probe.scorer import Scorer as S; s=S.load()",
}


def cold_start(kind: str) -> dict[str, object]:
    """Spawn to the first probability of one line, in a fresh interpreter (the converted model on disk)."""
    code = (
        "import time, json, sys; " + COLD[kind] + "; from scoring.types import Span; "
        "p = s.score(open('examples/score/median.py').read(), [Span.lines(3)])[0].probability; "
        "first = time.time(); print(json.dumps({'first': first, 'p': p, 'torch': 'torch' in sys.modules, "
        "'rss': int([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]) / 1024}))"
    )
    spawned = time.time()
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {
        "first_score_s": data["first"] - spawned,
        "torch_imported": data["torch"],
        "peak_rss_mb": data["rss"],
        "load": load(),
    }


ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000, help="AI-added lines in the PR")
    parser.add_argument("--scorer", choices=("pr", "probe", "both"), default="both")
    parser.add_argument(
        "--language",
        choices=tuple(TEMPLATES),
        default="python",
        help="the PR's code (typescript: --scorer pr)",
    )
    parser.add_argument("--probe", help="probe directory (default: the shipped probe, else an untrained one)")
    parser.add_argument(
        "--threads", type=int, help="torch CPU threads (default: the cores this process may use)"
    )
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start processes")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--repo", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_review(args.child, Path(args.repo), args.probe, args.threads)))
        return
    kinds = ["pr", "probe"] if args.scorer == "both" else [args.scorer]
    print(
        f"python {sys.version.split()[0]}; {os.cpu_count()} "
        f"CPUs, affinity {len(os.sched_getaffinity(0))}; {load()}"
    )
    for kind in [] if args.no_cold else kinds:
        print(f"cold start, {kind}: {json.dumps(cold_start(kind))}", flush=True)
    for kind in kinds:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "repo"
            build_repo(root, args.lines, language=args.language)
            command = [sys.executable, __file__, "--child", kind, "--repo", str(root)]
            command += ["--probe", args.probe] if args.probe else []
            command += ["--threads", str(args.threads)] if args.threads else []
            result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            if result.returncode:
                print(result.stderr[-3000:])
                raise SystemExit(result.returncode)
            figures = json.loads(result.stdout.strip().splitlines()[-1])
        print(f"review, {kind}: {json.dumps(figures, indent=1)}", flush=True)
        if kind == "probe":
            for name in ("amended", "new_commit"):
                tokens = figures[f"re_review_{name}_tokens_forwarded"] / figures["first_tokens_forwarded"]
                print(
                    f"  re-review after a one-line push ({name}) / first review: "
                    f"{tokens:.1%} of "
                    f"the tokens, {figures[f're_review_{name}_s'] / figures['review_s']:.1%} of the wall"
                )
            print(
                f"  plain transformers forward of the same windows / redline's review: "
                f"{figures['plain_forward_s'] / figures['review_s']:.2f}x"
            )


if __name__ == "__main__":
    main()
