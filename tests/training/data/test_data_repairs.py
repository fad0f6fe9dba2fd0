"""Repair search: closest passing candidate, ddmin, one-line search, with a literal oracle."""

from __future__ import annotations

from training.data.minimize import Budget, Edit, EditKind, apply_edits
from training.data.repairs import Candidate, RepairMethod, block_patches, find_repair, mutations

GENERATED = "def is_adult(age):\n    if age > 18:\n        return True\n    return False\n"


def correct(code: str) -> bool:
    """A stand-in oracle: the function must treat 18 as adult and 17 as not."""
    namespace: dict = {}
    try:
        exec(code, namespace)  # literal test programs only
        return namespace["is_adult"](18) is True and namespace["is_adult"](17) is False
    except Exception:
        return False


def test_mutations_flip_operators_and_nudge_constants():
    found = mutations("    if age > 18:")
    assert "    if age >= 18:" in found and "    if age > 17:" in found and "    if age < 18:" in found
    assert all(m != "    if age > 18:" for m in found)


def test_a_rewrite_in_the_pool_is_shrunk_to_the_one_line_that_matters():
    rewrite = (
        "def is_adult(age):\n    # adults are 18+\n    if age >= 18:\n        return True\n"
        "    else:\n        return False\n"
    )
    report = find_repair(
        GENERATED, [Candidate(rewrite, "gpt")], set(), correct, Budget(checks=40, seconds=20)
    )
    assert report.found
    assert len(report.paper) > 1
    assert len(report.best) == 1 and report.best[0].at == 1
    assert correct(apply_edits(GENERATED, report.best))


def test_one_line_search_beats_a_far_candidate():
    far = (
        "def is_adult(age):\n    result = False\n    if not age < 18:\n        result = True\n"
        "    return result\n"
    )
    report = find_repair(
        GENERATED, [Candidate(far, "reference")], set(), correct, Budget(checks=60, seconds=20)
    )
    # The far candidate rewrites three lines; one mutated line of the program itself already passes.
    assert report.method is RepairMethod.ONE_LINE
    assert report.best == (Edit(at=1, order=0, kind=EditKind.REPLACE, text="    if age > 17:"),)
    assert correct(apply_edits(GENERATED, report.best))


def test_known_passing_candidates_cost_no_oracle_call():
    fixed = GENERATED.replace("> 18", ">= 18")
    calls = []

    def oracle(code: str) -> bool:
        calls.append(code)
        return correct(code)

    report = find_repair(GENERATED, [Candidate(fixed, "gpt")], {fixed}, oracle, Budget(checks=10, seconds=10))
    assert report.method is RepairMethod.CLOSEST and len(report.best) == 1
    assert calls == []


def test_no_passing_candidate_within_budget_means_no_repair():
    report = find_repair(
        GENERATED,
        [Candidate("def is_adult(age):\n    return None\n", "x")],
        set(),
        correct,
        Budget(checks=5, seconds=10),
    )
    assert report.method is RepairMethod.NONE and report.best == ()


def test_verified_failing_candidates_are_skipped_without_a_check():
    broken = "def is_adult(age):\n    return age > 18\n"
    fixed = GENERATED.replace("> 18", ">= 18")
    calls = []

    def oracle(code: str) -> bool:
        calls.append(code)
        return correct(code)

    pool = [Candidate(broken, "a"), Candidate(fixed, "b")]
    report = find_repair(
        GENERATED, pool, {fixed}, oracle, Budget(checks=10, seconds=10), frozenset({broken, fixed})
    )
    assert report.closest_origin == "b" and broken not in calls


def test_an_early_return_hiding_the_old_code_is_not_taken_as_a_one_line_repair():
    generated = "def is_adult(age):\n    limit = 19\n    adult = age >= limit\n    return adult\n"
    hiding = (
        "def is_adult(age):\n    return age >= 18\n    limit = 19\n    adult = age >= limit\n"
        "    return adult\n"
    )
    report = find_repair(
        generated, [Candidate(hiding, "x")], {hiding}, correct, Budget(checks=80, seconds=20)
    )
    assert report.found and len(report.best) == 1
    assert report.best[0].kind is EditKind.REPLACE and report.best[0].at == 1  # limit = 18


def test_one_block_of_a_far_program_is_taken_on_its_own():
    # The donor renames the result and fixes the comparison: only the comparison block is needed.
    donor = (
        "def is_adult(age):\n    if age >= 18:\n        return True\n    answer = False\n    return answer\n"
    )
    report = find_repair(GENERATED, [Candidate(donor, "gpt")], {donor}, correct, Budget(checks=3, seconds=10))
    assert report.method is RepairMethod.BLOCK
    assert [(e.at, e.text) for e in report.best] == [(1, "    if age >= 18:")]
    assert len(report.paper) == 3


def test_block_patches_come_smallest_first_and_shared_blocks_first():
    one = "def is_adult(age):\n    if age >= 18:\n        return True\n    return 0\n"
    two = "def is_adult(age):\n    if age >= 18:\n        return 1\n    return False\n"
    blocks = block_patches(GENERATED, [one, two])
    assert [len(b) for b in blocks] == sorted(len(b) for b in blocks)
    assert blocks[0] == (Edit(1, 0, EditKind.REPLACE, "    if age >= 18:"),)


def test_a_candidate_with_another_docstring_and_comments_labels_only_code():
    generated = 'def is_adult(age):\n    """Is age adult?"""\n    # check\n    return age > 18\n'
    candidate = "def is_adult(age):\n    # 18 counts\n    return age >= 18\n"
    report = find_repair(generated, [Candidate(candidate, "gpt")], {candidate}, correct, Budget(10, 10))
    assert [e.at for e in report.best] == [3] and [e.at for e in report.paper] == [3]
    assert correct(apply_edits(generated, report.best))


def test_a_candidate_with_other_names_patches_only_the_wrong_line():
    generated = "def total(xs):\n    s = 1\n    for x in xs:\n        s += x\n    return s\n"
    reference = "def total(values):\n    acc = 0\n    for v in values:\n        acc += v\n    return acc\n"

    def sums(code: str) -> bool:
        namespace: dict = {}
        try:
            exec(code, namespace)  # literal test programs only
            return namespace["total"]([1, 2]) == 3 and namespace["total"]([]) == 0
        except Exception:
            return False

    report = find_repair(
        generated, [Candidate(reference, "reference")], {reference}, sums, Budget(checks=40, seconds=20)
    )
    assert len(report.paper) == 5  # unrenamed, every line differs
    assert report.best == (Edit(1, 0, EditKind.REPLACE, "    s = 0"),)
    assert sums(apply_edits(generated, report.best))
