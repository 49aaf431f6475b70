"""`tandem simulate`: simulated users browse the real API, so the impression log and click events
that train the ranker exist before real traffic does (the demo), through exactly the paths real
traffic takes: GET /users/{id}/feed and GET /search log impressions, POST /events stores the
reactions with their request_id and position.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from tqdm import tqdm

from ranking.simulate import ClickModel, tastes_from_events


class HttpClient(Protocol):
    """httpx.Client or Starlette's TestClient (in-process)."""

    def get(self, url: str, **kwargs: Any) -> Any: ...
    def post(self, url: str, **kwargs: Any) -> Any: ...


def _query_for(rng: random.Random, user_items: Sequence[Mapping[str, Any]]) -> str | None:
    """What this user might type: a tag, else the category, of something they interacted with."""
    item = rng.choice(user_items)
    tags = item.get("tags") or []
    if tags:
        return str(rng.choice(tags))
    category = item.get("category")
    return str(category[0] if isinstance(category, list) and category else category or "") or None


def simulate_traffic(
    client: HttpClient,
    items: Mapping[str, Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    *,
    users: int = 200,
    feeds_per_user: int = 1,
    searches_per_user: int = 1,
    k: int = 20,
    seed: int = 0,
    click_model: ClickModel | None = None,
    headers: Mapping[str, str] | None = None,
    progress: bool = True,
) -> dict[str, int]:
    """Run the sessions; returns counts of requests, impressions shown and reactions by type.

    Raises:
        RuntimeError: naming the endpoint and status when the API refuses a request.
    """
    model = click_model or ClickModel()
    rng = random.Random(seed)
    tastes = tastes_from_events(events, items)
    touched: dict[str, list[Mapping[str, Any]]] = {}
    for event in events:
        item = items.get(str(event["item_id"]))
        if item is not None and event.get("type") != "dislike":
            touched.setdefault(str(event["user_id"]), []).append(item)
    chosen = rng.sample(sorted(tastes), min(users, len(tastes)))
    counts: Counter[str] = Counter()
    for user_id in tqdm(chosen, unit="user", desc="simulating", disable=not progress):
        requests: list[tuple[str, dict[str, Any]]] = [(f"/users/{user_id}/feed", {"k": k})] * feeds_per_user
        for _ in range(searches_per_user):
            query = _query_for(rng, touched[user_id]) if touched.get(user_id) else None
            if query:
                requests.append(("/search", {"q": query, "k": k, "user_id": user_id}))
        for path, params in requests:
            response = client.get(path, params=params)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path} answered {response.status_code}: {response.text[:200]}")
            body = response.json()
            counts["requests"] += 1
            counts["shown"] += len(body["items"])
            now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            reactions = [
                {
                    "user_id": user_id,
                    "item_id": body["items"][position]["id"],
                    "type": kind,
                    "timestamp": now,
                    "request_id": body["request_id"],
                    "position": position + 1,  # events count positions from 1
                    **({"query": params["q"]} if "q" in params else {}),
                }
                for position, kind in model.react(rng, tastes[user_id], body["items"])
            ]
            if reactions:
                posted = client.post("/events", json=reactions, headers=dict(headers or {}))
                if posted.status_code != 200:
                    raise RuntimeError(f"POST /events answered {posted.status_code}: {posted.text[:200]}")
                counts.update(r["type"] for r in reactions)
    return dict(counts)
