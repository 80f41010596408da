"""The City's own address parser, ``passyunk`` (PyPI), made safe to use offline, and the street-name tables that
ship inside it (centerline names and codes, landmarks, suffixes).

passyunk asks GitHub for its newest version when ``passyunk.parser`` is imported (``requests.get`` with no
timeout, at module level) and logs warnings for private files we do not have. ``parser()`` imports it once with
that request refused at once, so geocoding never leaves the machine and never hangs on a firewall."""

from __future__ import annotations

import bisect
import csv
import io
import logging
import re
import threading
import warnings
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from app.city.streets import display_name

# requests (passyunk's dependency) silences urllib3's "no SOCKS support" notice itself, but with a filter a
# catch_warnings() in another thread can undo while the index builds in the background: the notice then reached
# export-site's output. A narrow filter set at import, before any thread, survives those swaps.
warnings.filterwarnings("ignore", message="SOCKS support in urllib3")

_import_lock = threading.Lock()
_parse_lock = threading.Lock()  # passyunk keeps module-level state while it parses

_PUNCT = re.compile(r"[^\w&/ ]+")
_SPACES = re.compile(r"\s+")


def simplify(text: str) -> str:
    """Upper case, punctuation out, one space: the key every name table here is indexed by."""
    return _SPACES.sub(" ", _PUNCT.sub(" ", text.upper().replace("'", ""))).strip()


class _NoVersionCheck:
    """Stands in for ``requests.get`` while passyunk is imported: its version check fails at once, offline."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("filmtour: passyunk's online version check is skipped (offline by design)")


@cache
def parser():
    """passyunk's ``PassyunkParser``, imported once per process (about 1 s and 50 MB)."""
    with _import_lock:
        import requests

        real_get = requests.get
        root = logging.getLogger()
        level = root.level
        requests.get = _NoVersionCheck()
        root.setLevel(logging.ERROR)  # "USPS file not found" and the refused check are expected here
        try:
            with warnings.catch_warnings():
                warnings.simplefilter(
                    "ignore"
                )  # its regexes' invalid escapes (SyntaxWarning on first compile)
                from passyunk.parser import PassyunkParser
        finally:
            requests.get = real_get
            root.setLevel(level)
        return PassyunkParser()


def parse(text: str) -> dict[str, Any] | None:
    """passyunk's parse of ``text`` (a dict: ``type``, ``components`` with ``street``, ``street_2``, ...), or
    None for text it cannot read (it raises ValueError, among others, on some: "5 #", say)."""
    p = parser()
    with _parse_lock:
        try:
            return p.parse(text)
        except Exception:  # noqa: BLE001 (a third-party parser's failure on odd text means "not an address")
            return None


def _pdata(name: str) -> io.TextIOWrapper:
    # Traversable.open() takes no newline=, which the csv module wants as ""
    raw = resources.files("passyunk").joinpath("pdata", name).open("rb")
    return io.TextIOWrapper(raw, encoding="utf-8", newline="")


@dataclass(frozen=True)
class StreetName:
    """One street name of the City's centerline (``pre_dir st_name st_type post_dir``) and its street code."""

    code: int
    pre_dir: str
    st_name: str
    st_type: str
    post_dir: str

    @property
    def key(self) -> str:
        return " ".join(p for p in (self.pre_dir, self.st_name, self.st_type, self.post_dir) if p)

    @property
    def label(self) -> str:
        """As people write it: "S 21st St", "John F Kennedy Blvd"."""
        return display_name(self.pre_dir, self.st_name, self.st_type, self.post_dir)


class StreetNames:
    """Street names → City street codes, from the centerline table inside passyunk: by the bare name ("BROAD"),
    the name with its type ("BROAD ST") and the full name ("S BROAD ST")."""

    def __init__(self) -> None:
        self.by_key: dict[str, set[int]] = defaultdict(set)
        self.names: dict[int, StreetName] = {}
        self.by_segment: dict[int, StreetName] = {}
        seen: dict[tuple[str, ...], StreetName] = {}
        suffixes: dict[str, str] = {}
        with _pdata("suffix.csv") as fh:
            for row in csv.reader(fh):
                if len(row) >= 3:
                    suffixes[row[1]] = row[2]
        self.suffixes = suffixes
        with _pdata("centerline.csv") as fh:
            for rec in csv.DictReader(fh):
                try:
                    code = int(rec["ST_CODE"])
                except ValueError:
                    continue
                parts = (rec["PRE_DIR"], rec["ST_NAME"], rec["ST_TYPE"], rec["POST_DIR"])
                if parts in seen:
                    if rec["SEG_ID"].isdigit():
                        self.by_segment[int(rec["SEG_ID"])] = seen[parts]
                    continue
                name = StreetName(code, *(p.strip() for p in parts))
                seen[parts] = name
                if rec["SEG_ID"].isdigit():
                    self.by_segment[int(rec["SEG_ID"])] = name
                self.names.setdefault(code, name)
                for key in {name.st_name, f"{name.st_name} {name.st_type}".strip(), name.key}:
                    self.by_key[key].add(code)

        self._sorted_keys = sorted(self.by_key)

    def codes(self, text: str) -> set[int]:
        """Street codes a typed street name can mean ("9th", "Christian Street", "S Broad St")."""
        key = simplify(text)
        words = key.split()
        if len(words) > 1 and words[-1] in self.suffixes:  # "STREETS", "AVENUE" -> "ST", "AVE"
            std = " ".join([*words[:-1], self.suffixes[words[-1]]])
            if std in self.by_key:
                return self.by_key[std]
        return self.by_key.get(key, set())

    def prefixed(self, text: str, limit: int = 12) -> set[int]:
        """Street codes of names that start with the typed text ("christ" while "Christian" is typed)."""
        key = simplify(text)
        if len(key) < 2:
            return set()
        found: set[int] = set()
        i = bisect.bisect_left(self._sorted_keys, key)
        while i < len(self._sorted_keys) and self._sorted_keys[i].startswith(key) and len(found) < limit:
            found |= self.by_key[self._sorted_keys[i]]
            i += 1
        return found

    def label(self, code: int) -> str:
        name = self.names.get(code)
        return name.label if name else str(code)

    def segment_label(self, seg_id: int, code: int) -> str:
        """The name of one segment ("S Lambert St": the direction is the segment's own), else the street's."""
        name = self.by_segment.get(seg_id)
        return name.label if name else self.label(code)


class Landmarks:
    """The City's landmark names → a street address (or another landmark's name), from passyunk's table."""

    def __init__(self) -> None:
        self.target: dict[str, str] = {}
        with _pdata("landmarks.csv") as fh:
            for row in csv.reader(fh):
                if len(row) >= 2 and row[0].strip():
                    self.target[simplify(row[0])] = row[1].strip()
        self.sorted_names = sorted(self.target)

    def address_of(self, name: str) -> str | None:
        """The street address of a landmark's exact (simplified) name, following aliases; None if not one."""
        key, hops = simplify(name), 0
        while key in self.target and hops < 4:
            nxt = self.target[key]
            if not nxt[:1].isdigit() and simplify(nxt) in self.target and simplify(nxt) != key:
                key, hops = simplify(nxt), hops + 1
                continue
            return nxt if nxt[:1].isdigit() else None
        return None


@cache
def street_names() -> StreetNames:
    return StreetNames()


@cache
def landmarks() -> Landmarks:
    return Landmarks()
