"""FastAPI asks of every parameter and response type whether it is a pydantic v1 model, and imports
``pydantic.v1`` to answer (~20 ms of a restart's CPU, docs/performance.md). No v1 model can exist before
``pydantic.v1`` is imported, so until something imports it the answer is "no" without importing it; after, the
check is FastAPI's own."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from fastapi import encoders
from fastapi._compat import shared

V1 = "pydantic.v1"


def _unless_never_imported(check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def checked(obj: Any) -> bool:
        return V1 in sys.modules and check(obj)

    checked.__wrapped__ = check  # type: ignore[attr-defined]
    return checked


def answer_without_importing_v1() -> None:
    """Idempotent; a FastAPI without these internals is left as it is."""
    for module, name in (
        (shared, "is_pydantic_v1_model_class"),  # route building (fastapi.utils, via the shared module)
        (shared, "is_pydantic_v1_model_instance"),
        (encoders, "is_pydantic_v1_model_instance"),  # jsonable_encoder (bound at its import)
    ):
        check = getattr(module, name, None)
        if callable(check) and not hasattr(check, "__wrapped__"):
            setattr(module, name, _unless_never_imported(check))
