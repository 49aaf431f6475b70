"""The circuit breaker's states, and its transport against a socket that never answers (a hung engine)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from elastic_transport import ConnectionTimeout, SerializationError
from elasticsearch import ConnectionError as EsConnectionError

from api.circuit_breaker import CircuitBreaker, EngineCircuitOpen, retry_after_s
from api.engine import make_client
from api.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def timeouts(breaker: CircuitBreaker, n: int) -> None:
    for _ in range(n):
        probe = breaker.before_call()
        breaker.after_call(timed_out=True, probe=probe)


def test_opens_after_the_timeouts_in_a_row_and_refuses_unsent() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=3, open_s=5, clock=clock)
    timeouts(breaker, 2)
    assert breaker.state == "closed"
    timeouts(breaker, 1)
    assert breaker.state == "open" and breaker.opened == 1
    clock.now += 2
    with pytest.raises(EngineCircuitOpen) as refused:
        breaker.before_call()
    assert refused.value.timeouts == 3
    assert refused.value.retry_in_s == pytest.approx(3.0)
    assert retry_after_s(refused.value, default=5) == 3
    assert isinstance(refused.value, EsConnectionError)  # every caller's "engine unreachable" branch takes it
    assert breaker.rejected == 1
    assert "timed out 3 times in a row" in str(refused.value)  # what logs and /health show


def test_an_answer_resets_the_count() -> None:
    breaker = CircuitBreaker(failures=3, open_s=5, clock=Clock())
    timeouts(breaker, 2)
    breaker.after_call(timed_out=False, probe=breaker.before_call())
    timeouts(breaker, 2)
    assert breaker.state == "closed"


def test_one_probe_after_open_s_then_closed_on_an_answer() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=2, open_s=5, clock=clock)
    timeouts(breaker, 2)
    clock.now += 5
    assert breaker.state == "half_open"
    assert breaker.before_call() is True  # the probe goes out
    with pytest.raises(EngineCircuitOpen):  # and nothing else while it is in flight
        breaker.before_call()
    breaker.after_call(timed_out=False, probe=True)
    assert breaker.state == "closed"
    assert breaker.before_call() is False


def test_a_probe_that_times_out_opens_it_for_a_full_period_again() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=2, open_s=5, clock=clock)
    timeouts(breaker, 2)
    clock.now += 6
    assert breaker.before_call() is True
    clock.now += 1  # the probe's own timeout
    breaker.after_call(timed_out=True, probe=True)
    assert breaker.state == "open"
    assert breaker.retry_in_s() == pytest.approx(5.0)
    assert breaker.opened == 1  # still the same outage


def test_a_call_that_failed_in_the_client_changes_nothing_but_frees_the_probe() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failures=2, open_s=5, clock=clock)
    timeouts(breaker, 1)
    breaker.after_call(timed_out=None, probe=breaker.before_call())
    timeouts(breaker, 1)
    assert breaker.state == "open"  # the count went on: 2 timeouts, nothing in between said otherwise
    clock.now += 5
    breaker.after_call(timed_out=None, probe=breaker.before_call())
    assert breaker.state == "half_open" and breaker.before_call() is True  # another probe may go


def test_zero_failures_turns_it_off() -> None:
    breaker = CircuitBreaker(failures=0, open_s=5, clock=Clock())
    timeouts(breaker, 50)
    assert breaker.state == "closed"
    assert breaker.before_call() is False


@pytest.mark.parametrize(("failures", "open_s"), [(-1, 5.0), (3, 0.0)])
def test_bad_settings_are_refused(failures: int, open_s: float) -> None:
    with pytest.raises(ValueError, match="failures|open_s"):
        CircuitBreaker(failures=failures, open_s=open_s)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A listening socket that accepts connections and never answers: what a hung engine looks like."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_the_clients_transport_stops_calling_a_hung_engine(silent_server: str) -> None:
    settings = Settings(elasticsearch_url=silent_server, elasticsearch_timeout_s=0.3, _env_file=None)
    breaker = CircuitBreaker(failures=2, open_s=30)
    es = make_client(settings, breaker=breaker)
    for _ in range(2):
        with pytest.raises(ConnectionTimeout):
            es.info()
    assert breaker.state == "open"
    with pytest.raises(EngineCircuitOpen):
        es.search(index="items", query={"match_all": {}})
    with pytest.raises(EngineCircuitOpen):  # a client made by .options() shares the transport
        es.options(request_timeout=1).info()
    assert breaker.rejected == 2


def test_a_body_that_does_not_serialise_is_not_an_answer(silent_server: str) -> None:
    settings = Settings(elasticsearch_url=silent_server, elasticsearch_timeout_s=0.3, _env_file=None)
    breaker = CircuitBreaker(failures=2, open_s=30)
    es = make_client(settings, breaker=breaker)
    with pytest.raises(ConnectionTimeout):
        es.info()
    with pytest.raises(SerializationError):  # fails before anything is sent
        es.index(index="items", document={"x": object()})
    with pytest.raises(ConnectionTimeout):
        es.info()
    assert breaker.state == "open"  # two timeouts in a row: the failed serialisation did not reset them


def test_batch_clients_have_no_breaker(silent_server: str) -> None:
    settings = Settings(elasticsearch_url=silent_server, elasticsearch_timeout_s=0.2, _env_file=None)
    es = make_client(settings)
    for _ in range(3):  # every call still goes out and waits for its own timeout
        with pytest.raises(ConnectionTimeout):
            es.info()
