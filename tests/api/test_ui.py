"""The web page's routes: `/` and its assets are served without disturbing the JSON API or /docs.

No engine is needed: these requests never reach the services (the app's lifespan is not run).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.routes.ui import STATIC_DIR
from api.settings import Settings


@pytest.fixture
def page_client() -> TestClient:
    return TestClient(create_app(Settings(_env_file=None)))


def test_the_page_is_served_at_the_root_with_a_same_origin_policy(page_client: TestClient) -> None:
    response = page_client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'role="combobox"' in response.text and 'aria-live="polite"' in response.text
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("asset", ["app.js", "style.css"])
def test_the_assets_are_served_and_nothing_comes_from_elsewhere(page_client: TestClient, asset: str) -> None:
    response = page_client.get(f"/static/{asset}")
    assert response.status_code == 200
    assert response.text == (STATIC_DIR / asset).read_text()
    page = (STATIC_DIR / "index.html").read_text() + response.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", page)


def test_api_data_never_reaches_inner_html(page_client: TestClient) -> None:
    script = page_client.get("/static/app.js").text
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", script)


def test_docs_and_openapi_are_unchanged_by_the_page(page_client: TestClient) -> None:
    assert page_client.get("/docs").status_code == 200
    paths = page_client.get("/openapi.json").json()["paths"]
    assert "/" not in paths and "/search" in paths and "/users/{user_id}/feed" in paths
    assert page_client.get("/static/missing.js").status_code == 404
