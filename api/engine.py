"""Connecting to Elasticsearch, and the local dev engine used when no ELASTICSEARCH_URL is set.

The dev engine is the `noida-db` binary, which speaks Elasticsearch 8.15's REST API. It is for
development and CI only; production uses real Elasticsearch (docker-compose.yml).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import time
from importlib.resources import files
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from elasticsearch import Elasticsearch
from elasticsearch.serializer import OrjsonSerializer

from api.circuit_breaker import BreakerTransport, CircuitBreaker
from api.settings import Settings

logger = logging.getLogger(__name__)


class EngineError(RuntimeError):
    """No Elasticsearch could be reached or started."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class DevEngine:
    """Starts the local dev engine on a free port with its data under `data_dir`.

    Example:
        >>> with DevEngine(Path(".tandem/engine")) as engine:  # doctest: +SKIP
        ...     Elasticsearch(engine.url).info()["version"]["number"]
        '8.15.3'
    """

    def __init__(self, data_dir: Path, *, port: int | None = None, host: str = "127.0.0.1") -> None:
        self.data_dir = data_dir
        self.host = host
        self.port = port or free_port(host)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def state_file(self) -> Path:
        return self.data_dir / "engine.json"

    @staticmethod
    def binary() -> Path:
        path = Path(str(files("noida_db").joinpath("noida-db")))
        if not path.is_file():
            raise EngineError(f"dev engine binary not found at {path}; is noida-db installed?")
        if not os.access(path, os.X_OK):
            path.chmod(0o755)
        return path

    def start(self, timeout_s: float = 60.0) -> str:
        """Start the engine and wait until it answers. Returns its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "engine.log", "ab")
        command = [
            str(self.binary()),
            "start",
            "--data-dir",
            str(self.data_dir.resolve()),
            "--host",
            self.host,
            "--only",
            "elasticsearch",
            "--elasticsearch-port",
            str(self.port),
        ]
        # Its own session, so a Ctrl-C in the terminal reaches us first and we stop it cleanly.
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineError(
                    f"dev engine exited with {self.process.returncode}; see {self.data_dir / 'engine.log'}"
                )
            try:
                if httpx.get(self.url, timeout=1.0).status_code == 200:
                    self.state_file.write_text(json.dumps({"url": self.url, "pid": self.process.pid}))
                    logger.info("dev engine up at %s (data in %s)", self.url, self.data_dir)
                    return self.url
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise EngineError(f"dev engine did not answer on {self.url} within {timeout_s:.0f} s")

    def stop(self) -> None:
        """Stop the engine (its data stays on disk)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.state_file.unlink(missing_ok=True)

    def __enter__(self) -> DevEngine:
        self.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self.stop()


def running_dev_engine_url(settings: Settings) -> str | None:
    """The URL of a dev engine that `tandem up` started and that is still alive, else None."""
    state = settings.engine_dir / "engine.json"
    try:
        info = json.loads(state.read_text())
        os.kill(int(info["pid"]), 0)
    except (OSError, ValueError, KeyError):
        return None
    return str(info["url"])


def resolve_url(settings: Settings) -> str:
    """ELASTICSEARCH_URL if set, else the running dev engine.

    Raises:
        EngineError: neither is available (the message says what to do).
    """
    url = settings.elasticsearch_url or running_dev_engine_url(settings)
    if url is None:
        raise EngineError("no Elasticsearch: set ELASTICSEARCH_URL, or run `tandem up` to start the local dev engine")
    return url


def serving_breaker(settings: Settings) -> CircuitBreaker:
    """The circuit breaker the API's client uses (`elasticsearch_breaker_*` settings)."""
    return CircuitBreaker(settings.elasticsearch_breaker_timeouts, settings.elasticsearch_breaker_open_s)


def make_client(settings: Settings, url: str | None = None, *, breaker: CircuitBreaker | None = None) -> Elasticsearch:
    """The one place an Elasticsearch client is built: timeouts, retries and credentials from settings.

    A refused connection fails in milliseconds and is retried `elasticsearch_max_retries` times; a
    timeout is never retried, so a hung engine costs one `elasticsearch_timeout_s`, not several.
    With a `breaker` (the API's client: `serving_breaker`), a few timeouts in a row stop the calls
    for a while (`api.circuit_breaker`); batch jobs (index, train) go without one.
    JSON goes through orjson: a feed's search response (200 hits with their item vectors) decodes
    several times faster than with the standard library's json.
    """
    kwargs: dict[str, Any] = {
        "request_timeout": settings.elasticsearch_timeout_s,
        "max_retries": settings.elasticsearch_max_retries,
        "retry_on_timeout": False,
    }
    if settings.elasticsearch_api_key is not None:
        kwargs["api_key"] = settings.elasticsearch_api_key.get_secret_value()
    elif settings.elasticsearch_username and settings.elasticsearch_password is not None:
        kwargs["basic_auth"] = (settings.elasticsearch_username, settings.elasticsearch_password.get_secret_value())
    if settings.elasticsearch_ca_certs is not None:
        kwargs["ca_certs"] = str(settings.elasticsearch_ca_certs)
    client = Elasticsearch(
        url or resolve_url(settings), serializer=OrjsonSerializer(), transport_class=BreakerTransport, **kwargs
    )
    client.transport.breaker = breaker  # type: ignore[attr-defined]
    return client
