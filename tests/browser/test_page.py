"""The web page in real headless Chromium against the real app and engine (no mocks).

Each test drives the page as a user would (typing, arrow keys, buttons) and checks what the user
sees, and, for events, what Elasticsearch stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from tests.browser.chromium import LiveApp, missing_browser_reason

if missing_browser_reason() is None:
    from playwright.sync_api import Locator, Page, expect
else:  # the `browser` fixture skips every test with the reason
    Locator = Page = Any

pytestmark = [pytest.mark.browser, pytest.mark.es]

RESULTS = "#result-list > li.result"


def open_home(new_page: Callable[..., Page], app: LiveApp, **viewport: int) -> Page:
    """Open `/` and wait for the default user's feed, so later renders cannot race the first one."""
    page = new_page(**viewport)
    page.goto(app.url)
    expect(page.locator("#results-heading")).to_have_text(re.compile(r"^Feed for "))
    expect(page.locator(RESULTS).first).to_be_visible()
    return page


def search(page: Page, query: str) -> dict[str, Any]:
    """Type `query`, press Enter and return the /search response the page rendered."""
    box = page.get_by_role("combobox", name="Search the catalog")
    box.fill(query)
    with page.expect_response(lambda r: "/search?" in r.url) as response:
        box.press("Enter")
    expect(page.locator("#results-heading")).to_have_text(f"Results for “{query}”")
    body: dict[str, Any] = response.value.json()
    return body


def refresh_feed(page: Page) -> dict[str, Any]:
    with page.expect_response(lambda r: "/feed?" in r.url) as response:
        page.get_by_role("button", name="Refresh feed").click()
    body: dict[str, Any] = response.value.json()
    expect(page.locator("#status")).to_contain_text(f"Feed for {body['user_id']}")
    return body


def card_ids(page: Page) -> list[str]:
    return [str(card.get_attribute("data-item-id")) for card in page.locator(RESULTS).all()]


def button(card: Locator, action: str) -> Locator:
    """A result's action button; its accessible name is '<action>: <title>'."""
    return card.get_by_role("button", name=re.compile(rf"^{action}: "))


def stored_events(app: LiveApp, user_id: str) -> list[dict[str, Any]]:
    app.es.indices.refresh(index=app.names.events)
    hits = app.es.search(index=app.names.events, query={"term": {"user_id": user_id}}, size=100)["hits"]["hits"]
    return sorted((hit["_source"] for hit in hits), key=lambda event: event["@timestamp"])


def test_a_query_shows_matching_results_with_a_collapsed_explanation(
    live_app: LiveApp, new_page: Callable[..., Page]
) -> None:
    page = open_home(new_page, live_app)
    body = search(page, "espresso machine")

    first = page.locator(RESULTS).first
    assert card_ids(page) == [item["id"] for item in body["items"]]
    expect(first).to_have_attribute("data-item-id", "t01")
    expect(first.locator(".title")).to_have_text("Espresso Machine with Milk Frother")
    expect(first.locator(".meta")).to_have_text(
        re.compile(r"Category:?\s*Kitchen\s+Brand:?\s*Brewmaster\s+Price:?\s*249\.00"), use_inner_text=True
    )
    expect(first.locator(".thumb .placeholder")).to_have_text("E")  # the test catalog has no images
    explanation = first.locator("details.why .explain")
    expect(explanation).to_be_hidden()
    first.get_by_text("Why it was shown").click()
    expect(explanation).to_be_visible()
    expect(explanation).to_contain_text("Retrieval: Elasticsearch clause scores")
    expect(explanation).to_contain_text("bm25")
    expect(explanation).to_contain_text("Re-ranking: MMR and business rules")


def test_text_from_the_api_is_shown_as_text_never_as_markup(
    live_app: LiveApp, new_page: Callable[..., Page], encoder: TextEncoder, catalog_path: Path, tmp_path: Path
) -> None:
    title = 'Bold <b>kettle</b> <img src="/x" onerror="document.title=\'pwned\'">'
    catalog = tmp_path / "catalog.jsonl"
    catalog.write_text(catalog_path.read_text() + json.dumps({"id": "evil", "title": title}) + "\n")
    index_catalog(live_app.es, str(catalog), encoder, live_app.names, IndexerConfig(), progress=False)
    page = open_home(new_page, live_app)
    search(page, "kettle")

    card = page.locator(f'{RESULTS}[data-item-id="evil"]')
    expect(card.locator(".title")).to_have_text(title)
    expect(card.locator(".title b, .title img")).to_have_count(0)
    assert page.title() == "Tandem: search and feed"


def test_suggestions_appear_while_typing_and_follow_the_keyboard(
    live_app: LiveApp, new_page: Callable[..., Page]
) -> None:
    page = open_home(new_page, live_app)
    box = page.get_by_role("combobox", name="Search the catalog")
    listbox = page.get_by_role("listbox", name="Suggestions")
    options = listbox.get_by_role("option")

    box.press_sequentially("runn")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_contain_text("Running")
    assert all("running" in text.lower() for text in options.all_inner_texts())

    box.press("ArrowDown")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    box.press("ArrowUp")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    expect(box).to_have_attribute("aria-activedescendant", str(options.nth(0).get_attribute("id")))
    chosen = options.nth(0).inner_text()
    box.press("Enter")
    expect(listbox).to_be_hidden()
    expect(box).to_have_value(chosen)
    expect(page.locator("#results-heading")).to_have_text(f"Results for “{chosen}”")
    expect(page.locator(RESULTS).first.locator(".title")).to_have_text(chosen)

    box.fill("")
    box.press_sequentially("cast")
    expect(listbox).to_be_visible()
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("cast")  # Escape closed the list without clearing the field


def test_open_from_the_keyboard_stores_a_click_with_the_request_and_position(
    live_app: LiveApp, new_page: Callable[..., Page]
) -> None:
    page = open_home(new_page, live_app)
    page.get_by_label("User", exact=True).fill("browser-clicker")
    body = search(page, "running shoes")

    second = page.locator(RESULTS).nth(1)
    open_button = button(second, "Open")
    open_button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("the event is stored")
    expect(second.locator(".description")).to_be_visible()

    events = stored_events(live_app, "browser-clicker")
    assert [(e["item_id"], e["type"], e["position"], e["request_id"], e["query"]) for e in events] == [
        (body["items"][1]["id"], "click", 2, body["request_id"], "running shoes")
    ]


def test_a_disliked_item_leaves_the_feed_and_a_liked_category_rises(
    live_app: LiveApp, new_page: Callable[..., Page]
) -> None:
    page = open_home(new_page, live_app)
    page.get_by_role("button", name="New user").click()
    expect(page.locator("#status")).to_contain_text("popular and fresh")
    user_id = page.get_by_label("User", exact=True).input_value()
    assert user_id.startswith("user-new-")
    before = card_ids(page)

    victim = page.locator(RESULTS).first
    button(victim, "Dislike").click()
    expect(page.locator("#status")).to_contain_text("Refresh the feed")
    after_dislike = refresh_feed(page)
    assert before[0] not in [item["id"] for item in after_dislike["items"]]
    expect(page.locator(f'{RESULTS}[data-item-id="{before[0]}"]')).to_have_count(0)

    # Like the lowest item of some category: that category climbs in the next feed.
    last = page.locator(RESULTS).last
    liked_category = last.locator(".meta dd").first.inner_text()
    positions_before = [i for i, item in enumerate(after_dislike["items"]) if liked_category in item["category"]]
    button(last, "Like").click()
    expect(button(last, "Like")).to_have_text("Liked")
    after_like = refresh_feed(page)
    positions_after = [i for i, item in enumerate(after_like["items"]) if liked_category in item["category"]]
    assert after_like["strategy"] != "cold_start"
    assert min(positions_after) < min(positions_before), (liked_category, positions_before, positions_after)

    events = stored_events(live_app, user_id)
    assert [(e["item_id"], e["type"], e["position"]) for e in events] == [
        (before[0], "dislike", 1),
        (after_dislike["items"][-1]["id"], "like", len(after_dislike["items"])),
    ]


def test_the_page_asks_once_for_the_api_key_and_shows_refusals(
    start_app: Callable[..., LiveApp], new_page: Callable[..., Page]
) -> None:
    app = start_app(api_key="s3cret")
    page = open_home(new_page, app)
    user_id = page.get_by_label("User", exact=True).input_value()
    cards = page.locator(RESULTS)
    key_form = page.locator("#key-form")

    button(cards.nth(0), "Like").click()
    expect(key_form).to_be_visible()
    expect(page.get_by_label("API key")).to_be_focused()
    page.get_by_label("API key").fill("wrong")
    page.get_by_label("API key").press("Enter")
    expect(page.locator("#error")).to_contain_text("this endpoint needs the API key")
    expect(page.locator("#error")).to_have_attribute("aria-live", "polite")
    expect(key_form).to_be_visible()

    page.get_by_label("API key").fill("s3cret")
    page.get_by_label("API key").press("Enter")
    expect(page.locator("#status")).to_contain_text("Liked")
    expect(key_form).to_be_hidden()
    button(cards.nth(1), "Add to cart").click()
    expect(button(cards.nth(1), "Add to cart")).to_have_text("In cart")
    expect(key_form).to_be_hidden()  # asked once: the key is kept for the tab

    assert page.evaluate("sessionStorage.getItem('tandem.apiKey')") == "s3cret"
    assert [e["type"] for e in stored_events(app, user_id)] == ["like", "add_to_cart"]


def test_the_page_fits_a_375px_screen(live_app: LiveApp, new_page: Callable[..., Page]) -> None:
    page = open_home(new_page, live_app, width=375, height=812)
    search(page, "waterproof trail running shoes")
    page.locator(RESULTS).first.get_by_text("Why it was shown").click()
    box = page.get_by_role("combobox", name="Search the catalog")
    box.fill("")
    box.press_sequentially("wire")  # the suggestions are open in the screenshot too
    expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for card in page.locator(RESULTS).all()[:3]:
        for action in ("Open", "Like", "Dislike", "Add to cart"):
            where = button(card, action).bounding_box()
            assert where is not None and where["x"] >= 0 and where["x"] + where["width"] <= 375, (action, where)
