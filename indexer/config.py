"""Indexer settings, composed into the one Settings object in api/settings.py."""

from __future__ import annotations

from pydantic import BaseModel, Field


class IndexerConfig(BaseModel):
    """How catalogs are read, embedded and loaded."""

    embed_batch_size: int = Field(64, gt=0, description="Texts per encoder call. Default 64.")
    bulk_chunk_size: int = Field(500, gt=0, description="Documents per bulk request. Default 500.")
    bulk_max_retries: int = Field(5, ge=0, description="Retries of a bulk chunk on 429/5xx, with back-off. Default 5.")
    bulk_initial_backoff_s: float = Field(
        0.5, ge=0, description="First wait before a bulk retry; doubles each time, with jitter. Default 0.5 s."
    )
    bulk_max_backoff_s: float = Field(30.0, ge=0, description="Longest wait between bulk retries. Default 30 s.")
    batch_timeout_s: float = Field(
        60.0,
        gt=0,
        description="Timeout of each bulk request of catalog builds and item-vector writes (batch jobs, idempotent "
        "writes); the API's request path keeps elasticsearch_timeout_s. Default 60 s: a busy engine takes longer "
        "for 500 documents with vectors than for a search.",
    )
    keep_versions: int = Field(
        2, ge=1, description="Item index versions kept after an alias swap (the live one included). Default 2."
    )
    field_roles: dict[str, str] = Field(
        default_factory=dict,
        description="Maps catalog column names onto roles, e.g. {'name': 'title', 'sku': 'id'}. Default: none.",
    )
    max_text_chars: int = Field(2000, gt=0, description="Characters of title+description embedded. Default 2000.")
