"""The one table from domain exceptions to problem types and status codes (app.core.errors)."""

from __future__ import annotations

import pytest

from app.core import exceptions as ex
from app.core.errors import DEFAULT_STATUS_CODES, TYPE_BASE, problem_for, status_for


@pytest.mark.parametrize(
    ("exc", "status", "slug"),
    [
        (ex.InvalidParameter("bad", field="x"), 422, "invalid-parameter"),
        (ex.Unroutable("river", field="stops[1]"), 422, "unroutable"),
        (ex.NotFound("gone"), 404, "not-found"),
        (ex.Forbidden("token"), 403, "forbidden"),
        (ex.PayloadTooLarge("big", field="body"), 413, "payload-too-large"),
        (ex.TooManyRequests("slow down", retry_after_s=7), 429, "rate-limited"),
        (ex.ServiceUnavailable("down"), 503, "service-unavailable"),
    ],
)
def test_each_domain_exception_has_its_status_and_type(exc, status, slug):
    problem = problem_for(exc)
    body = problem.body("/somewhere")
    assert (problem.status, body["status"], body["type"]) == (status, status, TYPE_BASE + slug)
    assert body["detail"] == exc.detail and body["instance"] == "/somewhere"
    if exc.field:
        assert body["field"] == exc.field and body["errors"] == [{"field": exc.field, "message": exc.detail}]


def test_retry_later_errors_carry_retry_after():
    assert problem_for(ex.TooManyRequests("x", retry_after_s=7)).headers == {"Retry-After": "7"}
    assert problem_for(ex.ServiceUnavailable("x")).headers == {"Retry-After": "30"}
    assert problem_for(ex.NotFound("x")).headers == {}


def test_an_unlisted_subclass_takes_its_base_entry_and_extra_members_go_into_the_body():
    class TileGap(ex.Unroutable):
        pass

    assert status_for(TileGap("x")) == DEFAULT_STATUS_CODES[ex.Unroutable]
    body = problem_for(ex.InvalidParameter("x", field="stops", skipped=[{"id": "a"}])).body()
    assert body["skipped"] == [{"id": "a"}]
