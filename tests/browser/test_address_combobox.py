"""The planner's start address in Chromium: suggestions found offline as you type, an ARIA 1.2 combobox run by
the keyboard alone (Down, Enter, Escape), its state told to screen readers (aria-expanded,
aria-activedescendant, aria-selected, a polite status), hostile text shown as text, no request off this
machine, and a first-steps route from the picked suggestion. axe-core checks the open list."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AXE_OPTIONS

pytestmark = pytest.mark.browser


def open_planner(page, live_server):
    page.goto(f"{live_server}/")
    page.wait_for_selector(".leaflet-container[data-ft-ready='1']", timeout=20_000)
    return page.locator("#ft-address")


def test_pick_a_suggestion_with_the_keyboard_and_start_there(live_server, page_and_watch):
    page, watch = page_and_watch
    box = open_planner(page, live_server)
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.focus()
    page.keyboard.type("9th and Christ", delay=30)
    options = page.locator("#ft-address-options [role=option]")
    expect(options.first).to_be_visible(timeout=10_000)
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#ft-address-status")).to_contain_text("suggestions")
    assert page.evaluate("() => document.activeElement.id") == "ft-address"  # focus stays in the field
    page.keyboard.press("ArrowDown")
    first_id = options.first.get_attribute("id")
    expect(box).to_have_attribute("aria-activedescendant", first_id)
    expect(options.first).to_have_attribute("aria-selected", "true")
    label = options.first.locator("span").first.inner_text()
    page.keyboard.press("Enter")  # picks the option; the form is not sent yet
    expect(box).to_have_value(label)
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#ft-address-options")).to_be_hidden()
    assert page.locator("#ft-result").is_hidden()
    assert "Christian" in label
    page.keyboard.press("Enter")  # now the first-steps form goes
    page.wait_for_selector("#ft-result:not([hidden])", timeout=30_000)
    expect(page.locator("#ft-summary")).to_contain_text("km")
    assert any("/api/v1/geocode?" in url for url in watch.requests)
    watch.assert_clean()


def test_escape_closes_then_clears(live_server, page_and_watch):
    page, watch = page_and_watch
    box = open_planner(page, live_server)
    box.focus()
    page.keyboard.type("valley gr", delay=30)
    expect(page.locator("#ft-address-options [role=option]").first).to_be_visible(timeout=10_000)
    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("valley gr")
    page.keyboard.press("Escape")
    expect(box).to_have_value("")
    watch.assert_clean()


def test_hostile_text_stays_text(live_server, page_and_watch):
    page, watch = page_and_watch
    box = open_planner(page, live_server)
    box.focus()
    page.keyboard.type('<img src=x onerror="alert(1)">', delay=10)
    page.wait_for_timeout(800)  # past the debounce and the answer
    assert page.locator("#ft-address-options img").count() == 0
    assert watch.dialogs == []
    watch.assert_clean()


def test_the_open_list_passes_axe(live_server, browser, axe_script):
    context = browser.new_context(viewport={"width": 1200, "height": 800}, bypass_csp=True)
    try:
        page = context.new_page()
        box = open_planner(page, live_server)
        box.focus()
        page.keyboard.type("Broad & Tas", delay=30)
        expect(page.locator("#ft-address-options [role=option]").first).to_be_visible(timeout=10_000)
        page.keyboard.press("ArrowDown")
        page.add_script_tag(path=str(axe_script))
        result = page.evaluate(
            f"async () => await axe.run(document.querySelector('#ft-first-form'), {AXE_OPTIONS})"
        )
        serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == []
        assert len(result["passes"]) > 5
    finally:
        context.close()
