"""Retrieval settings, composed into the one Settings object in api/settings.py."""

from __future__ import annotations

from pydantic import BaseModel, Field


class RetrievalConfig(BaseModel):
    """How the hybrid request is built and how its clause scores are fused."""

    candidates: int = Field(100, gt=0, le=1000, description="Candidates fetched per request. Default 100.")
    knn_k: int = Field(50, gt=0, le=1000, description="Nearest neighbours per kNN clause. Default 50.")
    num_candidates: int = Field(200, gt=0, le=10000, description="HNSW candidates per shard. Default 200.")
    bm25_fields: list[str] = Field(
        default_factory=lambda: ["title^3", "description", "category.text^1.5", "brand.text^1.5", "tags.text^1.5"],
        description="multi_match fields with boosts. Default: title^3, description, category/brand/tags^1.5.",
    )
    bm25_weight: float = Field(1.0, ge=0, description="Boost of the BM25 clause in the ES sum. Default 1.0.")
    knn_text_weight: float = Field(
        10.0,
        ge=0,
        description="Boost of the text kNN clause in the ES sum; puts its (0.5..1] scores on BM25's scale. Default 10.",
    )
    fusion_alpha: float = Field(
        0.5, ge=0, le=1, description="Weight of min-max BM25 vs kNN in the retrieval score. Default 0.5."
    )
    popularity_weight: float = Field(
        1.0, ge=0, description="Cold-start feed: weight of log1p(popularity). Default 1.0."
    )
    freshness_weight: float = Field(
        2.0, ge=0, description="Cold-start feed: weight of the freshness decay. Default 2.0."
    )
    freshness_scale_days: float = Field(90.0, gt=0, description="Age at which freshness halves. Default 90 days.")

    # Personalisation (feed, and search with user_id).
    knn_user_weight: float = Field(
        10.0, ge=0, description="Feed: boost of the user-vector kNN on item_vector. Default 10."
    )
    category_affinity_weight: float = Field(
        2.0, ge=0, description="Feed: boost for the user's top categories. Default 2."
    )
    brand_affinity_weight: float = Field(1.0, ge=0, description="Feed: boost for the user's top brands. Default 1.")
    feed_popularity_weight: float = Field(
        0.3, ge=0, description="Feed: weight of the popular+fresh score for personalised users. Default 0.3."
    )
    cf_weight: float = Field(
        1.0, ge=0, description="Feed: boost of the CF (Swing/ItemCF) neighbours of recent items. Default 1."
    )
    cf_candidates: int = Field(50, ge=0, le=500, description="Feed: CF neighbours put in the request. Default 50.")
    affinity_top_n: int = Field(5, ge=0, le=50, description="Top categories/brands boosted. Default 5.")
    search_personal_weight: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Search with user_id: weight of the personal score in the fused order. Default 0.2.",
    )
