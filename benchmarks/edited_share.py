"""How much of each failing program a built dataset labels edited, and how two builds compare.

    python benchmarks/edited_share.py ~/.cache/redline/datasets/miap4 \
        [--against ~/.cache/redline/datasets/miap3]

Per benchmark, over failing labelled programs: the median edited share (minimal and paper-style), the
median number of edited generated lines and the share with at most one, the median number of
generated lines and the share with at most two, and the median share among programs with at least
five generated lines. With `--against`, the median of both builds over the programs that fail in both
(same text, same id). Generated lines: non-blank lines not copied from the prompt, as in the dataset
card. Reads the datasets only.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from training.data.dataset import ProgramRow, load_dataset
from training.data.labels import generated_lines


def summary(rows: list[ProgramRow]) -> str:
    generated = [generated_lines(r.code, r.copied_from_prompt) for r in rows]
    sizes = [len(lines) for lines in generated]
    edited = [sum(r.line_labels[i] for i in lines) for r, lines in zip(rows, generated, strict=True)]
    longer = [r.edited_share for r, n in zip(rows, sizes, strict=True) if n >= 5]
    return (
        f"{len(rows)} failing: edited share {statistics.median(r.edited_share for r in rows):.3f} "
        f"(paper-style {statistics.median(r.paper_edited_share for r in rows):.3f}); "
        f"edited generated lines median {statistics.median(edited):g}, "
        f"<= 1 {statistics.fmean(e <= 1 for e in edited):.3f}; "
        f"generated lines median {statistics.median(sizes):g}, "
        f"<= 2 lines {statistics.fmean(n <= 2 for n in sizes):.3f}; "
        f"edited share with >= 5 generated lines {statistics.median(longer) if longer else float('nan'):.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="a built dataset directory")
    parser.add_argument("--against", type=Path, help="an earlier build to compare on common failing programs")
    args = parser.parse_args()
    failing = [r for r in load_dataset(args.dataset.expanduser()) if r.labelled and not r.passes]
    for benchmark in sorted({r.benchmark for r in failing}):
        print(f"{benchmark}: {summary([r for r in failing if r.benchmark == benchmark])}")
    print(f"all: {summary(failing)}")
    if args.against:
        earlier = {r.id: r for r in load_dataset(args.against.expanduser()) if r.labelled and not r.passes}
        both = [r for r in failing if r.id in earlier]
        for benchmark in [*sorted({r.benchmark for r in both}), None]:
            chosen = [r for r in both if benchmark in (None, r.benchmark)]
            before = statistics.median(earlier[r.id].edited_share for r in chosen)
            after = statistics.median(r.edited_share for r in chosen)
            smaller = sum(r.edited_share < earlier[r.id].edited_share for r in chosen)
            larger = sum(r.edited_share > earlier[r.id].edited_share for r in chosen)
            print(
                f"failing in both, {benchmark or 'all'}: {len(chosen)} programs, edited share "
                f"{before:.3f} -> {after:.3f}; {smaller} smaller, {larger} larger"
            )


if __name__ == "__main__":
    main()
