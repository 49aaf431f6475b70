"""Response models (they document the API in OpenAPI at /docs)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ItemOut(BaseModel):
    """An item as stored, plus its score; unknown catalog fields come back under `extra`."""

    model_config = ConfigDict(extra="allow")

    id: str
    score: float | None = None
    title: str | None = None
    description: str | None = None
    category: list[str] = Field(default_factory=list)
    brand: str | None = None
    tags: list[str] = Field(default_factory=list)
    price: float | None = None
    popularity: float | None = None
    created_at: str | None = None
    image_url: str | None = None
    clicks: int | None = Field(None, description="Clicks on logged impressions, as of the last `tandem train`.")
    impressions: int | None = Field(None, description="Times shown (logged), as of the last `tandem train`.")
    extra: dict[str, Any] | None = None
    explain: dict[str, Any] | None = Field(None, description="Per-stage scores, with explain=true.")


class ResultsOut(BaseModel):
    request_id: str
    took_ms: float = Field(description="Time spent in Tandem for this request, ES included.")
    items: list[ItemOut]


class SearchOut(ResultsOut):
    query: str


class FeedOut(ResultsOut):
    user_id: str
    strategy: str = Field(
        description="'personalised' (user vector + affinities), 'affinity' (history, no trained model yet) "
        "or 'cold_start'; 'cached_popular' when the engine is down (then `degraded` is true)."
    )
    degraded: bool = Field(
        False, description="True when the engine is down and this is the last good popular list, not a live answer."
    )


class SimilarOut(ResultsOut):
    item_id: str


class SuggestOut(BaseModel):
    request_id: str
    suggestions: list[dict[str, Any]]


class HealthOut(BaseModel):
    status: str = Field(description="'ok' or 'unavailable'.")
    engine: dict[str, Any]
    items: dict[str, Any]
    events: dict[str, Any] = Field(
        default_factory=dict, description="The local event spool: backlog (events not yet in the engine), file."
    )
    problems: list[str] = Field(default_factory=list)


class ErrorOut(BaseModel):
    request_id: str | None = None
    error: dict[str, Any]


class EventsOut(BaseModel):
    request_id: str
    stored: int = Field(description="Events newly stored.")
    duplicates: int = Field(description="Events already stored before (same event_id): not counted twice.")
    users_updated: int
    spooled: int = Field(
        0, description="Events kept in the local spool (202): the engine is down; stored when it is back."
    )
