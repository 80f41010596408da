"""JSON text through orjson, one way for the whole app: several times faster than the json module for a route
answer (tens of KB), the same JSON (compact, UTF-8, not ASCII-escaped). numpy numbers (shapely's and pyproj's
results) are written as the numbers they are."""

from __future__ import annotations

from typing import Any

import orjson

OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY
loads = orjson.loads


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=OPTIONS)


def copy(doc: Any) -> Any:
    """A deep copy of a JSON document (~10× faster than copy.deepcopy for a route answer)."""
    return orjson.loads(orjson.dumps(doc, option=OPTIONS))
