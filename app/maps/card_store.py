"""Share cards kept on disk (``<data dir>/cards/``), so a card is drawn once per content and not once per
process: a restart, another worker and ``filmtour export-site`` run again (a rebuild, another ``--base-url``)
read it back (~0.1 ms) instead of drawing it (~25 ms each; ~220 cards are ~6 s of an export's CPU).

A card's file is named by a digest of everything it is drawn from: what it shows (``Card``: title, subtitle,
lines, points, colours), the basemap archive's version and the drawing code itself (the source of
app.maps.cards and app.maps.card_content, and Pillow's version). Any change gives another name, so a stale card
is never read; drawing code of another version keeps its cards in a directory of its own, removed by the next
start of this one. Only the dataset's cards (tours, films, places, the locations map) are kept here: a saved
route can be deleted, and its picture then must not outlive it.

A cache must never fail a request: a file that cannot be read or written is a miss (logged), the card is drawn."""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from dataclasses import astuple
from functools import cache
from importlib.metadata import version
from pathlib import Path

from app.maps.card_content import Card

log = logging.getLogger(__name__)
MAX_FILES = 2000  # ~60 KB each: ~120 MB at most; the dataset has ~220 cards, so room for many revisions


@cache
def drawing_version() -> str:
    """A digest of the code that draws a card: another version draws other pixels."""
    digest = hashlib.sha256(version("pillow").encode())
    here = Path(__file__).parent
    for name in ("cards.py", "card_content.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


def card_digest(card: Card, archive_version: str) -> str:
    """The name of ``card`` drawn over the basemap of ``archive_version`` (``-``: none)."""
    return hashlib.sha256(repr((archive_version, astuple(card))).encode()).hexdigest()[:32]


class CardStore:
    """PNG files under ``directory/<drawing version>/``, named by ``card_digest``."""

    def __init__(self, directory: Path) -> None:
        self.root = directory
        self.directory = directory / drawing_version()
        self._tidy()

    def get(self, digest: str) -> bytes | None:
        try:
            return (self.directory / f"{digest}.png").read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("card cache: cannot read %s: %s", digest, exc)
            return None

    def put(self, digest: str, png: bytes) -> None:
        """Written whole or not at all (a temporary file renamed), so another process never reads half."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".part")
            with os.fdopen(fd, "wb") as f:
                f.write(png)
            os.replace(tmp, self.directory / f"{digest}.png")
        except OSError as exc:
            log.warning("card cache: cannot write %s: %s", digest, exc)

    def _tidy(self) -> None:
        """Remove other drawing versions' cards and, past ``MAX_FILES``, the oldest of this version's."""
        try:
            if self.root.is_dir():
                for other in self.root.iterdir():
                    if other != self.directory:
                        shutil.rmtree(other, ignore_errors=True)
            if self.directory.is_dir():
                files = sorted(self.directory.iterdir(), key=lambda p: p.stat().st_mtime)
                for old in files[: max(0, len(files) - MAX_FILES)]:
                    old.unlink(missing_ok=True)
        except OSError as exc:  # another process tidying at the same time
            log.warning("card cache: cannot tidy %s: %s", self.root, exc)
