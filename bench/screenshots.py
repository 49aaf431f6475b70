"""Screenshots of the web page for the README: docs/screenshots/search.png, feed.png, mobile.png.

    .venv/bin/python bench/screenshots.py                               # own engine + the demo data
    .venv/bin/python bench/screenshots.py --url http://127.0.0.1:8000   # a running `tandem up`

Without --url it starts a dev engine in a temporary directory, indexes the demo catalog and imports
the demo events (the embedding takes a few minutes on 2 cores), and serves the app without trained
models, so the feed uses the users' category and brand affinities. Chromium as in the browser tests
(tests/browser/chromium.py): the distribution's /usr/bin/chromium, offline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/ is not installed: reuse its Chromium launcher and server

from api.cli.events import import_events_and_profiles  # noqa: E402
from api.engine import DevEngine, make_client  # noqa: E402
from api.main import create_app  # noqa: E402
from api.services import build_services  # noqa: E402
from api.settings import Settings  # noqa: E402
from indexer.config import IndexerConfig  # noqa: E402
from indexer.embedding import TextEncoder  # noqa: E402
from indexer.load import index_catalog  # noqa: E402
from indexer.mappings import IndexNames  # noqa: E402
from tests.browser.chromium import launch, missing_browser_reason, serve  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
DEMO = ROOT / "demo"
USER = "user-0001"


@contextmanager
def demo_server(catalog: Path, events: Path) -> Iterator[str]:
    """A dev engine with `catalog` and `events` loaded, and the app serving it; yields the app's URL."""
    with tempfile.TemporaryDirectory(prefix="tandem-shots-") as tmp:
        with DevEngine(Path(tmp) / "engine") as engine:
            settings = Settings(
                elasticsearch_url=engine.url,
                data_dir=Path(tmp) / "state",
                models_dir=Path(tmp) / "models",
                _env_file=None,
            )
            es = make_client(settings)
            encoder = TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
            started = time.perf_counter()
            index_catalog(es, str(catalog), encoder, IndexNames(), IndexerConfig(), progress=True)
            import_events_and_profiles(es, settings, events, progress=True)
            print(f"demo data loaded in {time.perf_counter() - started:.0f} s")
            with serve(create_app(settings, services=build_services(settings, es=es, encoder=encoder))) as url:
                yield url


def wait_for_list(page: Page, heading: str) -> None:
    expect(page.locator("#results-heading")).to_have_text(heading, timeout=30_000)
    expect(page.locator("#result-list > li.result").first).to_be_visible()


def shoot(url: str, out: Path) -> None:
    """Drive the page like a user and save the three README screenshots under `out`."""
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        desktop = browser.new_context(viewport={"width": 1280, "height": 1000}, device_scale_factor=1)
        page = desktop.new_page()
        page.goto(url)
        page.get_by_label("User", exact=True).fill(USER)
        page.get_by_role("button", name="Show feed").click()
        wait_for_list(page, f"Feed for {USER}")
        page.locator("#result-list > li.result").first.get_by_text("Why it was shown").click()
        page.screenshot(path=out / "feed.png")

        box = page.get_by_role("combobox", name="Search the catalog")
        box.fill("trail running shoes")
        box.press("Enter")
        wait_for_list(page, "Results for “trail running shoes”")
        page.locator("#result-list > li.result").first.get_by_text("Why it was shown").click()
        page.screenshot(path=out / "search.png")
        desktop.close()

        phone = browser.new_context(viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True)
        page = phone.new_page()
        page.goto(url)
        wait_for_list(page, f"Feed for {USER}")
        box = page.get_by_role("combobox", name="Search the catalog")
        box.press_sequentially("runn")
        expect(page.get_by_role("listbox", name="Suggestions")).to_be_visible()
        box.press("ArrowDown")
        page.screenshot(path=out / "mobile.png")
        phone.close()
        browser.close()
    for name in ("search", "feed", "mobile"):
        print(out / f"{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running Tandem (e.g. `make up`); default: start one with --catalog/--events")
    parser.add_argument("--catalog", type=Path, default=DEMO / "catalog.jsonl")
    parser.add_argument("--events", type=Path, default=DEMO / "events.jsonl")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if reason := missing_browser_reason():
        sys.exit(reason)
    if args.url:
        shoot(args.url.rstrip("/"), args.out)
        return
    with demo_server(args.catalog, args.events) as url:
        shoot(url, args.out)


if __name__ == "__main__":
    main()
