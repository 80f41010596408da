"""Accept-Encoding negotiation (app.core.encoding) by RFC 9110 §12.5.3: q-values, *, identity, q=0 refuses."""

from __future__ import annotations

import pytest

from app.core.encoding import accepts_gzip, qualities


@pytest.mark.parametrize(
    ("header", "gzip"),
    [
        (None, False),  # no header: identity
        ("", False),
        ("identity", False),
        ("gzip", True),
        ("GZip", True),  # codings are case-insensitive
        ("x-gzip", True),  # §8.4.1.3: the same as gzip
        ("gzip, deflate, br, zstd", True),  # what browsers send
        ("gzip;q=0.5", True),  # identity not named: acceptable, but not preferred
        ("gzip ; q=0.5", True),  # optional whitespace
        ("gzip;q=0", False),
        ("gzip;q=0.000", False),
        ("identity, gzip;q=0", False),
        ("gzip;q=0, *", False),  # the named coding beats *
        ("*", True),
        ("*;q=0", False),
        ("*;q=0, identity", False),
        ("*;q=0, gzip", True),
        ("br;q=1, *;q=0.1", True),
        ("identity;q=1, gzip;q=0.5", False),  # the client prefers identity
        ("gzip;q=0.5, *;q=0.8", False),  # * ranks identity above gzip
        ("gzip;q=0.5, identity;q=0.5", True),  # a tie: the smaller answer
        ("identity;q=0, gzip;q=0.1", True),
        ("gzip;q=1.5", False),  # invalid q: the item is ignored
        ("gzip;q=abc", False),
        ("gzip;q=0.1234", False),  # at most three decimals
        ("gzip, gzip;q=0", False),  # named twice: the refusal wins
        ("deflate, br", False),
        (" , ,gzip", True),  # empty list elements are allowed (§5.6.1)
    ],
)
def test_accepts_gzip(header, gzip):
    assert accepts_gzip(header) is gzip


def test_qualities_parses_each_coding_once():
    assert qualities("GZIP;q=0.8, identity;level=1;q=0.2, *;q=0") == {"gzip": 0.8, "identity": 0.2, "*": 0.0}
