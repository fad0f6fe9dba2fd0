"""Why the PR model gave a line its probability, in words a reviewer understands.

The PR model is linear in standardised features, so each feature's share of a line's log-odds against the
average training line is exact: coef × z. The features that raised the line's log-odds most, turned into
the phrase for the side of the average the line is on ("long for this file", "a condition"), are the
reasons a comment names. Pure: a model and one row of features in, phrases out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scoring.linear import LinearModel

REASONS = 3  # a comment names at most this many
MIN_SHARE = 0.05  # log-odds: a smaller push than this is no reason

# feature -> (phrase when the line is above the training average, phrase when below); None: say nothing
# (a flag that is *not* set, or a feature whose low side reads as no reason at all).
PHRASES: dict[str, tuple[str | None, str | None]] = {
    "length": ("a long line", "a short line"),
    "tokens": ("many tokens", "few tokens"),
    "indent": ("deeply indented", "shallow indentation"),
    "blank": ("a blank line", None),
    "kind_def": ("a function definition", None),
    "kind_class": ("a class definition", None),
    "kind_import": ("an import", None),
    "kind_return": ("a return statement", None),
    "kind_condition": ("a condition", None),
    "kind_loop": ("a loop", None),
    "kind_exception": ("exception handling", None),
    "kind_with": ("a with block", None),
    "kind_decorator": ("a decorator", None),
    "kind_comment": ("a comment", None),
    "kind_string": ("a string or docstring", None),
    "kind_assert": ("an assertion", None),
    "kind_closing": ("a closing bracket", None),
    "kind_assignment": ("an assignment", None),
    "kind_logging": ("logging or printing", None),
    "run_length": ("in a long run of added lines", "in a short run of added lines"),
    "run_position": ("late in its block of added lines", "early in its block of added lines"),
    "hunk_added": ("in a large hunk", "in a small hunk"),
    "hunk_removed": ("in a hunk that replaces code", "in a hunk that only adds"),
    "hunk_index": ("far down the file's diff", None),
    "hunks": ("in a file with many hunks", "in a file with few hunks"),
    "file_added": ("in a file with many added lines", "in a file with few added lines"),
    "file_lines": ("in a large file", "in a small file"),
    "share_added": ("in a file this change mostly wrote", "in a file this change barely touched"),
    "position_in_file": ("near the end of the file", "near the start of the file"),
    "new_file": ("in a new file", "in an existing file"),
    "renamed": ("in a renamed file", None),
    "test_file": ("in a test file", "not in a test file"),
    "docs_file": ("in docs or examples", None),
    "config_file": ("in a settings or config file", None),
    "package_init": ("in a package's entry module (__init__.py, index.ts)", None),
    "parsed": (None, "in a file its language's parser could not read"),
    "typescript": ("in a TypeScript file", None),
    "change_files": ("in a change across many files", "in a change to few files"),
    "change_added": ("in a large change", "in a small change"),
    "file_commits_90d": ("in a file changed often lately", "in a file rarely changed lately"),
    "file_commits_365d": ("in a file changed often this year", "in a file rarely changed this year"),
    "file_authors_365d": ("in a file many people touch", "in a file few people touch"),
    "file_age_days": ("in an old file", "in a young file"),
    "line_age_above_days": ("next to old code above", "next to fresh code above"),
    "line_age_below_days": ("next to old code below", "next to fresh code below"),
    "neighbour_changes_365d": ("among lines that changed often", "among lines that rarely changed"),
    "no_line_above": ("at the start of the file", None),
    "no_line_below": ("appended at the end of the file", None),
    "static_parses": (None, "in a file that does not parse"),
    "static_ast_depth": ("deeply nested", "at shallow nesting"),
    "static_ast_kind_condition": ("a condition", None),
    "static_ast_kind_return": ("a return statement", None),
    "static_ast_kind_assign": ("an assignment", None),
    "static_ast_kind_loop": ("a loop", None),
    "static_ast_kind_call": ("a call statement", None),
    "static_ast_kind_def": ("a definition", None),
    "static_ast_kind_import": ("an import", None),
    "static_has_compare": ("a comparison", None),
    "static_has_numeric_literal": ("a number literal", None),
    "static_has_subscript": ("an index or key lookup", None),
    "static_undefined_name": ("a name defined nowhere in the file", None),
    "static_unused_assignment": ("an assignment never read", None),
    "struct_parses": (None, "in a file that does not parse"),
    "struct_control": ("control flow", None),
    "struct_calls": ("several calls", None),
    "struct_writes": ("writes variables", None),
    "struct_depth": ("deeply nested", "at shallow nesting"),
    "struct_tokens": ("dense code", "little code"),
    "struct_name_mean": ("long names", "short names"),
    "struct_name_max": ("a long name", None),
    "struct_volume": ("much logic on one line", "little logic"),
    "struct_in_function": ("inside a function", "at module level"),
    "struct_function_branches": ("in a function with many branches", "in a function with few branches"),
    "struct_function_lines": ("in a long function", "in a short function"),
    "struct_function_depth": ("in a deeply nested function", None),
    "struct_function_params": ("in a function with many parameters", None),
    "struct_function_added": ("in a function this PR adds", "in a function that existed before"),
    "rel_length_file": ("long for this file", "short for this file"),
    "rel_tokens_file": ("dense for this file", "sparse for this file"),
    "rel_indent_file": ("deeper than this file's usual code", "shallower than this file's usual code"),
    "rel_length_added": ("long for this change", "short for this change"),
    "rel_tokens_added": ("dense for this change", "sparse for this change"),
    "rel_indent_added": ("deeper than the rest of this change", "shallower than the rest of this change"),
    "rel_length_rank": (
        "among the longest lines this change adds",
        "among the shortest lines this change adds",
    ),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One feature's push on a line's log-odds, and how to say it."""

    feature: str
    phrase: str
    contribution: float


def reasons(model: LinearModel, row: np.ndarray, limit: int = REASONS) -> tuple[Reason, ...]:
    """The features that raised this row's log-odds most (coef × z against the training average, z = 0),
    strongest first, each phrase said once."""
    names = model.names
    z = model.standardised(row)[0]
    pushes = model.coef * z
    out: list[Reason] = []
    for k in np.argsort(-pushes, kind="stable"):
        if pushes[k] < MIN_SHARE or len(out) == limit:
            break
        high, low = PHRASES.get(names[k], (None, None))
        phrase = high if z[k] > 0 else low
        if phrase and phrase not in {r.phrase for r in out}:
            out.append(Reason(names[k], phrase, float(pushes[k])))
    return tuple(out)
