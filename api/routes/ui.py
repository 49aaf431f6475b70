"""The web page: `/` serves api/static/index.html, `/static/*` its script and styles.

Plain files, no build step and nothing fetched from elsewhere, so the page works offline and
ships inside the package (pyproject's package data).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# Everything from this origin; only catalog images may come from elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' http: https:",
}

router = APIRouter(tags=["ui"])


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    """The search and feed page (the JSON API stays where it is; OpenAPI docs at /docs)."""
    return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)


def install(app: FastAPI) -> None:
    """Serve the page at `/` and its assets under `/static`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
