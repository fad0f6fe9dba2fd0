from bot.feedback.outcomes import ReviewedHead, map_lines, track
from bot.feedback.types import Fate, TrackedLine


def test_map_lines_moves_kept_lines_past_an_insertion():
    line_map = map_lines("a\nb\nc\n", "a\nnew\nb\nc\n")
    assert dict(line_map.moved) == {1: 1, 2: 3, 3: 4}
    assert not line_map.edited and not line_map.deleted


def test_map_lines_tells_edited_from_deleted():
    line_map = map_lines("a\nb\nc\nd\n", "a\nB\nd\n")
    assert 1 in line_map.moved and 4 in line_map.moved
    assert line_map.edited | line_map.deleted == {2, 3}
    assert line_map.edited  # b -> B is a replacement


def test_whitespace_only_change_is_not_an_edit():
    line_map = map_lines("if x:\n    y = 1\n", "if x:\n        y  =  1\n")
    assert dict(line_map.moved) == {1: 1, 2: 2}


def test_file_removed_deletes_every_line():
    assert map_lines("a\nb\n", None).deleted == {1, 2}


def test_line_edited_in_a_later_commit_is_edited_and_others_are_kept():
    head1 = ReviewedHead(
        "s1",
        {"f.py": "x = 1\ny = 2\nz = 3\n"},
        (TrackedLine(1, "f.py", 1), TrackedLine(2, "f.py", 2), TrackedLine(3, "f.py", 3)),
    )
    final = {"f.py": "x = 1\ny = 20\nz = 3\n"}
    assert track([head1], final) == {1: Fate.KEPT, 2: Fate.EDITED, 3: Fate.KEPT}


def test_deleted_line_is_deleted():
    head1 = ReviewedHead("s1", {"f.py": "a\nb\nc\n"}, (TrackedLine(1, "f.py", 2),))
    assert track([head1], {"f.py": "a\nc\n"}) == {1: Fate.DELETED}


def test_line_rescored_by_a_later_review_is_tracked_from_its_first_review_only():
    head1 = ReviewedHead("s1", {"f.py": "a\nb\n"}, (TrackedLine(1, "f.py", 1), TrackedLine(2, "f.py", 2)))
    # Second AI commit inserts a line on top: old lines shift down and are scored again (ids 3, 4), plus a
    # new one (5).
    head2 = ReviewedHead(
        "s2",
        {"f.py": "new\na\nb\n"},
        (TrackedLine(3, "f.py", 2), TrackedLine(4, "f.py", 3), TrackedLine(5, "f.py", 1)),
    )
    final = {"f.py": "NEW\na\nb\n"}
    assert track([head1, head2], final) == {1: Fate.KEPT, 2: Fate.KEPT, 5: Fate.EDITED}


def test_edit_between_reviews_counts_even_when_reverted_later():
    head1 = ReviewedHead("s1", {"f.py": "a\nb\n"}, (TrackedLine(1, "f.py", 2),))
    head2 = ReviewedHead("s2", {"f.py": "a\nB\n"}, ())
    assert track([head1, head2], {"f.py": "a\nb\n"}) == {1: Fate.EDITED}


def test_file_gone_at_final_head_deletes_its_lines():
    head1 = ReviewedHead("s1", {"f.py": "a\n"}, (TrackedLine(1, "f.py", 1),))
    assert track([head1], {}) == {1: Fate.DELETED}
