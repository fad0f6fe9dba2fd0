"""`redline learn`: fit the repository's own PR model from its AI commits and their lines' fates.

Wiring only, and where bot/ and training/ meet (both imported when it runs): bot.feedback.learn_data mines
the lines and their fates, training.wild.learn fits, and the arrays pass here. The model goes to
<git common dir>/redline/pr_model.json (bot.feedback.learn_data.repository_model_path), where
`redline review` picks it up through scoring.registry.with_repository_model. `repository_learner` is the same
fit for the App's weekly report (bot.app.reporting), which stores the model per repository.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from bot.feedback.learn_data import Learner, MinedLines, RepositoryModel


def fit(
    mined: MinedLines, name: str, min_positives: int | None = None, digest: bool = False
) -> RepositoryModel:
    """The repository model of `mined` (None where the shipped model stays), its version
    `<shipped>+repo.<name>`, with `.<hash of its weights>` after it when `digest` (the App: a new weekly model
    gets a new version, an unchanged one keeps it)."""
    from bot.feedback.learn_data import RepositoryModel
    from scoring.pr_model import load_pr_model
    from training.wild.learn import MIN_POSITIVES, RepoLines
    from training.wild.learn import learn as fit_repository

    shipped = load_pr_model()
    lines = RepoLines(shipped.columns(mined.features), mined.target, mined.commit, mined.time)
    learned = fit_repository(shipped, lines, min_positives=min_positives or MIN_POSITIVES)
    if learned.kept_shipped:
        return RepositoryModel(None, learned.reason, len(lines), learned.positives)
    version = f"{shipped.version}+repo.{name}"
    if digest:
        version += "." + learned.model.digest()
    card = {
        **learned.model.card,
        "version": version,
        "repository_model": {
            "repository": name,
            "branch": mined.branch,
            "base_model": shipped.version,
            "learned_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **learned.card,
        },
    }
    return RepositoryModel(
        dataclasses.replace(learned.model, card=card), learned.reason, len(lines), learned.positives
    )


def repository_learner() -> Learner:
    """The App's learner (bot.app.reporting): `fit` under the repository's full name, versions with a
    digest."""
    return lambda mined, repo: fit(mined, repo, digest=True)


@click.command("learn")
@click.option(
    "--repo",
    "repo_path",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Local git repository whose default branch's AI commits to learn from.",
)
@click.option(
    "--min-positives",
    type=click.IntRange(min=1),
    default=None,
    help="Target lines a repository needs before its model moves (default: training.wild.learn's 50).",
)
def learn(repo_path: str, min_positives: int | None) -> None:
    """Fit the repository's own PR model: the shipped weights moved toward its AI lines' fates only as far as
    its later commits support; written to <git dir>/redline/pr_model.json, which `redline review` then uses.

    Wiring only: bot.feedback.learn_data mines the lines and their fates, training.wild.learn fits.
    """
    from bot.feedback.learn_data import learn_progress, mine, repository_model_path
    from bot.history import file_history
    from scoring.pr_model import load_pr_model

    started = time.perf_counter()
    shipped = load_pr_model()
    with learn_progress(sys.stderr.isatty()) as progress:
        mined = mine(repo_path, shipped.families, progress=progress, history=file_history)
    learned = fit(mined, mined.name, min_positives)
    click.echo(
        f"{mined.name} ({mined.branch}): {mined.ai_commits} AI commits of {mined.commits}, "
        f"{learned.lines} lines with a known fate ({learned.positives} target), {mined.pending} pending, "
        f"{mined.unread} unread."
    )
    click.echo(learned.reason)
    path = repository_model_path(repo_path)
    if learned.model is None:
        click.echo(
            f"Nothing written; reviews use the shipped model {shipped.version}."
            + (f" ({path} from an earlier learn is still there.)" if path.is_file() else "")
        )
        return
    learned.model.save(path)
    click.echo(
        f"Wrote the repository model {learned.model.version} to {path} "
        f"({time.perf_counter() - started:.1f} s); `redline review` in this repository uses it."
    )
