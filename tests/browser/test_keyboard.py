"""The planner with the keyboard alone (Tab, Space, Enter) in Chromium, accessible names on markers and
controls, and colour never the only signal of a place's kind."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FOCUSED = "() => { const e = document.activeElement; return e ? (e.id || e.name || e.tagName) : null; }"


def tab_to(page, predicate: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches the JS predicate (given the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const e = document.activeElement; return !!e && ({predicate})(e); }}"):
            return
    raise AssertionError(f"Tab never reached {predicate}; last focus {page.evaluate(FOCUSED)}")


def test_plan_a_route_with_the_keyboard_alone(live_server, page_and_watch):
    page, watch = page_and_watch
    page.goto(f"{live_server}/")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    # The first Tab reaches the skip link; Enter jumps past the map's markers to the planner.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "ft-skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "ft-planner"
    # First steps come first; then the places: Space unticks the first montage place and ticks it again.
    tab_to(page, "e => e.tagName === 'SELECT'")
    assert page.evaluate("() => document.activeElement.form.id") == "ft-first-form"
    tab_to(page, "e => e.name === 'stop'")
    first = page.evaluate("() => document.activeElement.value")
    checked = page.evaluate("() => document.activeElement.checked")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked") is (not checked)
    page.keyboard.press("Space")
    assert page.evaluate("() => document.activeElement.checked") is checked and first
    # The activity by the keyboard (a select: arrow keys), then on to the Plan button, Enter.
    # Every place is a checkbox and a Tab stop (a group of checkboxes is not one composite widget), so the
    # bound is the list's length: 156 places made the old fixed 80 too few, not the order wrong.
    stops = page.locator("#ft-stop-list input[name=stop]").count()
    tab_to(page, "e => e.name === 'activity'", limit=stops + 10)
    page.keyboard.press("ArrowDown")
    assert page.input_value("#ft-plan-form select[name=activity]") == "walk"
    tab_to(page, "e => e.id === 'ft-plan-button'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#ft-result:not([hidden])", timeout=30_000)
    # Focus lands on the result, and the next Tab is its first link.
    expect(page.locator("#ft-result-title")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "ft-gpx"
    expect(page.locator("#ft-summary")).to_contain_text("Walk of")
    # The route's markers can be reached and opened from the keyboard too.
    stop = page.locator(".leaflet-marker-icon.ft-stop").nth(1)
    stop.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup-content")).to_contain_text("ETA")
    watch.assert_clean()


def accessible_names(page) -> list[str]:
    """Controls and markers without a name (title, aria-label or text)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
              '.leaflet-marker-icon, .leaflet-control a, button, select, input, textarea')]
            .filter(e => e.offsetParent !== null || e.closest('.leaflet-marker-pane'))
            .filter(e => !(e.getAttribute('aria-label') || e.title || e.textContent.trim()
                           || (e.id && document.querySelector(`label[for="${e.id}"]`)) || e.closest('label')))
            .map(e => e.outerHTML.slice(0, 120))"""
    )


@pytest.mark.parametrize("path", ["/", "/map", "/tours/rocky-1976-montage/map?workout=rocky"])
def test_markers_and_controls_have_names(live_server, page_and_watch, path):
    page, watch = page_and_watch
    page.goto(live_server + path)
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    assert page.locator(".leaflet-marker-icon").count() > 0
    assert accessible_names(page) == []
    watch.assert_clean()


def test_colour_is_never_the_only_signal(live_server, page_and_watch):
    page, watch = page_and_watch
    page.goto(f"{live_server}/map")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    look = """cls => { const e = document.querySelector('.ft-legend-row .ft-swatch.' + cls);
                       const s = getComputedStyle(e); return [s.borderRadius, s.borderTopStyle]; }"""
    shapes = {c: tuple(page.evaluate(look, c)) for c in ("ft-public", "ft-view_from_street", "ft-gone")}
    assert len(set(shapes.values())) == 3, shapes  # three kinds, three shapes, not only three colours
    # on the map the markers have the legend's shapes, and their names say the kind in words
    marker = page.locator(".leaflet-marker-icon.ft-view_from_street").first
    assert (
        page.evaluate("e => getComputedStyle(e).borderRadius", marker.element_handle())
        == shapes["ft-view_from_street"][0]
    )
    assert marker.get_attribute("title").endswith("(View from the street (private property))")
    cluster = page.locator(".marker-cluster").first
    # a cluster shows its count and is named "N places" (the words hidden from sight, not from screen readers)
    assert cluster.text_content().split()[1:] == ["places"] and cluster.text_content().split()[0].isdigit()
    assert cluster.locator(".ft-sr").bounding_box()["width"] <= 1
    watch.assert_clean()
