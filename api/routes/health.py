from __future__ import annotations

from elasticsearch import ApiError, TransportError
from fastapi import APIRouter, Response

from api.circuit_breaker import EngineCircuitOpen
from api.deps import ServicesDep
from api.schemas import HealthOut
from indexer.load import alias_target
from ranking.timing import timed

router = APIRouter(tags=["health"])
FULL_SHARE = 0.9  # with the engine failing, /health warns from here on, before events are refused


@router.get("/health", response_model=HealthOut, responses={503: {"model": HealthOut}})
def health(services: ServicesDep, response: Response) -> HealthOut:
    """Engine reachable, which index the items alias points at, how many items it holds, and how
    many events wait in the local spool. 503 with the reasons when anything is wrong."""
    problems: list[str] = []
    url = services.engine_url()
    engine: dict[str, object] = {"reachable": False, "url": url}
    items: dict[str, object] = {"alias": services.names.items, "index": None, "count": None}
    try:
        with timed("es"):
            info = services.es.info()
            engine = {"reachable": True, "url": url, "version": info["version"]["number"]}
            items["index"] = alias_target(services.es, services.names.items)
            if items["index"] is None:
                problems.append(f"alias {services.names.items!r} does not exist: index a catalog (`tandem index FILE`)")
            else:
                items["count"] = services.es.count(index=services.names.items)["count"]
    except EngineCircuitOpen as exc:
        problems.append(f"Elasticsearch at {url} is not answering: {exc.message}")
    except (TransportError, ApiError) as exc:
        problems.append(f"Elasticsearch at {url} unreachable or failing: {type(exc).__name__}")
    backlog = services.spool.backlog()
    events = {"spooled": backlog, "spool": str(services.spool.path), "replay_error": services.replayer.last_error}
    engine_failing = bool(problems or services.replayer.last_error)
    if backlog and engine_failing:
        problems.append(f"{backlog} events wait in the spool {services.spool.path} (stored when the engine answers)")
    cap = services.spool.max_bytes
    used = services.spool.backlog_bytes()
    if cap is not None and (services.spool.full or (engine_failing and used >= FULL_SHARE * cap)):
        problems.append(
            f"the event spool is {used / cap:.0%} full ({used:,} of {cap:,} bytes): new events are refused "
            "with 503 while it is full and the engine does not answer"
        )
    if problems:
        response.status_code = 503
    return HealthOut(
        status="unavailable" if problems else "ok", engine=engine, items=items, events=events, problems=problems
    )
