"""One parser for the q-value lists of Accept, Accept-Language and Accept-Encoding (RFC 9110 §12.4.2, §12.5).

Each caller matches the items against what it can send; this module only splits the header, reads each item's
``q`` (invalid q: the item is ignored; missing q: 1) and orders the items most wanted first, keeping the
header's order among equals. Headers are capped (``MAX_HEADER``) before parsing: a client that sends a
megabyte of Accept-Language gets the first 1,024 characters read, not a megabyte of work on the event loop."""

from __future__ import annotations

import re
from functools import lru_cache

MAX_HEADER = 1024
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")


def parse_qlist(header: str | None) -> tuple[tuple[str, float], ...]:
    """The header's items (lower case, parameters other than q dropped) with their q, most wanted first.

    Items with q=0 are kept (q=0 means "not acceptable", which callers may need); an item named twice keeps
    its lowest q (a refusal wins)."""
    return _parse(header[:MAX_HEADER]) if header else ()


@lru_cache(maxsize=256)  # clients send few distinct headers; the key is capped first
def _parse(header: str) -> tuple[tuple[str, float], ...]:
    found: dict[str, tuple[float, int]] = {}
    for i, item in enumerate(header.split(",")):
        value, *params = (part.strip(" \t") for part in item.split(";"))
        if not value:
            continue
        q = 1.0
        for param in params:
            name, _, raw = param.partition("=")
            if name.strip(" \t").lower() == "q":
                raw = raw.strip(" \t")
                q = float(raw) if _QVALUE.fullmatch(raw) else -1.0
        if q < 0:
            continue
        value = value.lower()
        if value in found:
            found[value] = (min(q, found[value][0]), found[value][1])
        else:
            found[value] = (q, i)
    ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[1][1]))
    return tuple((value, q) for value, (q, _) in ranked)


def acceptable(header: str | None) -> list[str]:
    """The items a client accepts (q > 0), most wanted first."""
    return [value for value, q in parse_qlist(header) if q > 0]
