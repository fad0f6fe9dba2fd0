"""The registry of raw data files (training/data/sources.toml) and checked access to them.

Every file is declared once with its origin, commit, checksum, licence and reader; nothing here parses
a file's content (training.data.problems and training.data.generations do). Reads only; never writes data.
"""

from __future__ import annotations

import enum
import gzip
import hashlib
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from scoring.errors import DataSourceError

REGISTRY_PATH = Path(__file__).with_name("sources.toml")
DATA_DIR_ENV = "REDLINE_DATA_DIR"
REPO_ROOT = Path(__file__).resolve().parents[2]
NO_LICENCE_MARK = "none found"


class SourceState(enum.StrEnum):
    OK = "ok"
    MISSING = "missing"
    ALTERED = "altered"


@dataclass(frozen=True, slots=True)
class Source:
    """One raw file: `file` is relative to <data dir>/raw; `reader` is "" when no reader exists yet."""

    file: str
    repo: str
    commit: str
    origin_path: str
    sha256: str
    licence: str
    reader: str
    generator: str
    method: str

    @property
    def origin_url(self) -> str:
        return f"{self.repo}/blob/{self.commit}/{self.origin_path}"

    @property
    def redistributable(self) -> bool:
        """False for files with no licence in their snapshot: local research runs only."""
        return NO_LICENCE_MARK not in self.licence.lower()

    @property
    def key(self) -> str:
        """A short stable name for the file, used as the `source` of generations read from it."""
        return self.file.removesuffix(".gz").removesuffix(".jsonl").removesuffix(".json")


def data_dir() -> Path:
    """The data directory: $REDLINE_DATA_DIR, else ../shared/data next to the repository root."""
    configured = os.environ.get(DATA_DIR_ENV)
    return Path(configured).expanduser().resolve() if configured else (REPO_ROOT.parent / "shared" / "data")


def raw_dir(root: Path | None = None) -> Path:
    return (root or data_dir()) / "raw"


@cache
def registry() -> tuple[Source, ...]:
    with REGISTRY_PATH.open("rb") as handle:
        table = tomllib.load(handle)
    return tuple(Source(**entry) for entry in table["source"])


def with_reader(*readers: str) -> list[Source]:
    return [source for source in registry() if source.reader in readers]


def state(source: Source, root: Path | None = None) -> SourceState:
    path = raw_dir(root) / source.file
    if not path.is_file():
        return SourceState.MISSING
    return SourceState.OK if _sha256(path) == source.sha256 else SourceState.ALTERED


def read_text(source: Source, root: Path | None = None) -> str:
    """The decoded text of a source file, after checking it exists and matches its checksum."""
    path = raw_dir(root) / source.file
    found = state(source, root)
    if found is not SourceState.OK:
        raise DataSourceError(
            f"data file {source.file} is {found} under {raw_dir(root)}; fetch it from {source.origin_url} "
            f"(sha256 {source.sha256[:12]}…) or set {DATA_DIR_ENV}"
        )
    data = path.read_bytes()
    return (gzip.decompress(data) if path.suffix == ".gz" else data).decode("utf-8")


def json_lines(text: str) -> Iterator[str]:
    """Lines of a jsonl file; split on "\\n" only because some files hold U+2028 inside strings."""
    return (line for line in text.split("\n") if line.strip())


@cache
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _sha256(path: Path) -> str:
    stat = path.stat()
    return _sha256_cached(str(path), stat.st_size, stat.st_mtime_ns)
