"""Fixtures for the browser tests: one headless Chromium per session, the real app served by
uvicorn on a free port over the real engine with the small test catalog, and pages that fail
their test on a JavaScript error or on any request leaving the machine."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from elasticsearch import Elasticsearch

from api.main import create_app
from api.services import build_services
from api.settings import Settings
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from indexer.mappings import IndexNames
from tests.browser.chromium import LiveApp, launch, missing_browser_reason, serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if reason := missing_browser_reason():
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Screenshots of every browser test: TANDEM_TEST_ARTIFACTS, else test-artifacts/browser (git-ignored)."""
    path = Path(os.environ.get("TANDEM_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "browser"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def new_page(browser: Browser, artifacts_dir: Path, request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Opens pages in a fresh browser context (own storage); screenshots each one when the test ends."""
    stack = ExitStack()
    pages: list[Page] = []
    problems: list[str] = []

    def open_page(width: int = 1280, height: int = 900) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height})
        stack.callback(context.close)
        page = context.new_page()
        page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
        page.on(
            "request",
            lambda req: None if urlsplit(req.url).hostname in LOCAL_HOSTS else problems.append(f"left: {req.url}"),
        )
        pages.append(page)
        return page

    with stack:
        yield open_page
        name = request.node.name.replace("/", "_")
        for number, page in enumerate(pages):
            page.screenshot(path=artifacts_dir / f"{name}-{number}.png", full_page=True)
    assert problems == [], problems


@pytest.fixture
def start_app(
    es_url: str, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, catalog_path: Path, tmp_path: Path
) -> Iterator[Callable[..., LiveApp]]:
    """Serves the real app over the engine with the test catalog; `start_app(api_key="k")` needs a key for writes."""
    index_catalog(es, str(catalog_path), encoder, names, IndexerConfig(), progress=False)
    with ExitStack() as stack:

        def start(**overrides: object) -> LiveApp:
            settings = Settings(
                elasticsearch_url=es_url,
                index_prefix=names.prefix,
                data_dir=tmp_path / "state",
                models_dir=tmp_path / "models",
                _env_file=None,
                **overrides,
            )
            app = create_app(settings, services=build_services(settings, es=es, encoder=encoder))
            return LiveApp(stack.enter_context(serve(app)), es, names)

        yield start


@pytest.fixture
def live_app(start_app: Callable[..., LiveApp]) -> LiveApp:
    return start_app()
