"""Headless Chromium and a live Tandem server, shared by the browser tests and bench/screenshots.py.

The machine is offline and Playwright's own browser download is not used: Playwright drives the
distribution's Chromium (/usr/bin/chromium). Without the background-networking flags that Chromium
keeps dialling Google services, and its connections are refused on an offline machine.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import uvicorn
from elasticsearch import Elasticsearch
from fastapi import FastAPI

from indexer.mappings import IndexNames

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path(os.environ.get("TANDEM_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI containers run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class LiveApp:
    """A running Tandem: its base URL and the engine behind it (to read back what the page stored)."""

    url: str
    es: Elasticsearch
    names: IndexNames


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium; TANDEM_TEST_CHROMIUM names another binary)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def launch(playwright: Playwright) -> Browser:
    """Chromium at CHROMIUM, headless. Playwright gives every launch a fresh temporary user data dir."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


@contextmanager
def serve(app: FastAPI, host: str = "127.0.0.1", startup_timeout_s: float = 60.0) -> Iterator[str]:
    """Run `app` with uvicorn in a thread on a free port; yields its base URL and stops it on exit.

    The socket is bound here (port 0) and handed to uvicorn, so no other process can take the
    port between choosing and listening.
    """
    sock = socket.socket()
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True, name="tandem-live")
    thread.start()
    deadline = time.monotonic() + startup_timeout_s
    while not server.started:  # the app's lifespan loads the encoder first
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"the API did not start on {host}:{port}")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
