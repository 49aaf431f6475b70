"""Retrieval settings, composed into the one Settings object in api/settings.py."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

TOWER_TEMPERATURE = 0.12  # the towers' default softmax temperature (TowerConfig.temperature)
KNN_SCORE_TO_LOGIT = 2.0  # ES scores a dot_product kNN hit (1 + cos) / 2: x 2 / temperature = cos / temperature + c


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
        1.0, ge=0, description="Cold-start feed: weight of ln(1 + popularity). Default 1.0."
    )
    freshness_weight: float = Field(
        2.0, ge=0, description="Cold-start feed: weight of the freshness decay. Default 2.0."
    )
    freshness_scale_days: float = Field(90.0, gt=0, description="Age at which freshness halves. Default 90 days.")

    # Personalisation (feed, and search with user_id).
    knn_user_weight: float = Field(
        KNN_SCORE_TO_LOGIT / TOWER_TEMPERATURE,
        ge=0,
        description="Feed: boost of the user-vector kNN on item_vector. Default 2 / the towers' temperature (16.7 at "
        "0.12; Settings derives it from TANDEM_TOWERS__TEMPERATURE unless set): ES scores a dot_product kNN hit "
        "(1 + cos) / 2, so the clause adds the tower's logit cos / temperature (plus a constant), the scale the other "
        "clauses are weighed against.",
    )
    category_affinity_weight: float = Field(
        0.5,
        ge=0,
        description="Feed: boost for the user's top categories, in logit units. Default 0.5 (of 0 / 0.5 / 2 on a "
        "MovieLens validation split: NDCG@10 0.092 / 0.093 / 0.075 with cf_weight 1).",
    )
    brand_affinity_weight: float = Field(
        0.5, ge=0, description="Feed: boost for the user's top brands, in logit units. Default 0.5, as categories."
    )
    feed_popularity_weight: float = Field(
        0.5,
        ge=0,
        description="Feed: weight of the popular+fresh score for personalised users. Default 0.5, the towers' "
        "popularity_prior: adds 0.5 * ln(1 + popularity) to the logit, giving back part of what logQ correction took "
        "out in training (and 0.5 * freshness_weight * freshness).",
    )
    cf_weight: float = Field(
        1.0,
        ge=0,
        description="Feed: boost of the CF (Swing/ItemCF) neighbours of recent items, in logit units. Default 1 "
        "(of 0 / 1 / 3 on a MovieLens validation split: NDCG@10 0.089 / 0.093 / 0.090 with category weight 0.5).",
    )
    cf_candidates: int = Field(50, ge=0, le=500, description="Feed: CF neighbours put in the request. Default 50.")
    affinity_top_n: int = Field(5, ge=0, le=50, description="Top categories/brands boosted. Default 5.")
    text_vector_cache: int = Field(
        100_000,
        ge=0,
        description="Items whose text_vector the API keeps in memory for the ranker's recent_text_similarity "
        "(~1.5 KB each at 384 dims; read once per item, re-read hourly). 0 = off: the feature is then missing (NaN), "
        "so a ranker trained with it should be retrained. Default 100000.",
    )
    item_vector_cache: int = Field(
        100_000,
        ge=0,
        description="Items whose item_vector (the towers', for the ranker's features and MMR) the API keeps in memory "
        "(~0.4 KB each at 64 dims): search responses then leave the vectors out and carry each hit's _seq_no, and "
        "a vector is read again when its document changes. 0 = off: every response carries the vectors. "
        "Default 100000.",
    )
    trend_history: bool = Field(
        False,
        description="Keep each item's daily positive counts (`daily_positives` lists) in search and feed responses. "
        "Serving reads the trend from their 3-number summary, exact for requests after `tandem train` counted them; "
        "replaying requests from before that (`tandem eval`, `tandem eval-search`) needs the lists. Default off.",
    )
    search_personal_weight: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Search with user_id: weight of the personal score in the fused order. Default 0.2.",
    )

    def for_replay(self) -> RetrievalConfig:
        """These settings for requests replayed as of the past (`tandem eval`, `eval-search`): they keep
        the trend's daily lists, since the summary answers only requests after the last counted day."""
        return self.model_copy(update={"trend_history": True})


MONOTONE_RETRIEVAL: dict[str, Literal[-1, 1]] = {
    "retrieval_rank": -1,
    "retrieval_score": 1,
    "knn_user": 1,
    "two_tower_dot": 1,
}


class RankerConfig(BaseModel):
    """The LightGBM learning-to-rank stage (ranking/ranker.py) and how it is trained."""

    kind: str = Field(
        "lightgbm", pattern="^(lightgbm|none)$", description="'lightgbm', or 'none' to keep retrieval order."
    )
    objective: str = Field(
        "lambdarank",
        pattern="^(lambdarank|rank_xendcg)$",
        description="LightGBM ranking objective: 'lambdarank' or 'rank_xendcg'. Default lambdarank.",
    )
    n_estimators: int = Field(300, gt=0, le=10_000, description="Boosting rounds (trees), at most. Default 300.")
    learning_rate: float = Field(0.05, gt=0, le=1, description="Shrinkage per tree. Default 0.05.")
    num_leaves: int = Field(
        7,
        ge=2,
        le=4096,
        description="Leaves per tree. Default 7: small trees nudging retrieval order (with retrieval_prior) beat "
        "31 leaves on the MovieLens feed replay's validation users.",
    )
    min_data_in_leaf: int = Field(
        100, ge=1, description="Fewest rows in a leaf; guards against tiny groups. Default 100 (20 overfit the feed)."
    )
    early_stopping_rounds: int = Field(
        50, ge=0, description="Stop when validation NDCG@10 has not improved for this many rounds; 0 = off. Default 50."
    )
    retrieval_prior: float = Field(
        0.25,
        ge=0,
        description="Boosting starts from retrieval order instead of from zero: every candidate's initial score is "
        "-retrieval_prior * log2(2 + retrieval_rank), and the trees learn corrections to it. 0 = trees alone. "
        "Default 0.25 (of 0 / 0.1 / 0.25 / 0.5 / 1 on the MovieLens feed replay's validation users; without it the "
        "first trees alone order the candidates, in coarse blocks, and the feed ranker lost to retrieval order).",
    )
    monotone: dict[str, Literal[-1, 1]] = Field(
        default_factory=dict,
        description="Feature name -> 1 (the score may only rise with it) or -1 (only fall): LightGBM monotone "
        "constraints, 'advanced' method. MONOTONE_RETRIEVAL (retrieval_rank -1; retrieval_score, knn_user, "
        "two_tower_dot 1) lets trees reorder candidates only through the other features, never by inverting the "
        "retrieval model on a few hundred noisy groups; on validation it tied the default on the MovieLens feed "
        "replay and lost on SciFact, so it is not the default. Names must be ranking.features.FEATURE_NAMES. "
        "Default {} (off).",
    )
    bags: int = Field(
        8,
        ge=1,
        le=64,
        description="Boosted models averaged, each trained on a seeded bootstrap of the requests (bagging). A ranker "
        "fitted on a few hundred requests is noisy: its validation curve peaks by chance, and its trees follow "
        "a few users; the bags' mean is steadier and keeps gaining for more trees. Costs bags x training time "
        "and bags LightGBM calls per request. Default 8 (of 1 / 8 / 16 on the MovieLens feed replay's "
        "validation: +0.0098 / +0.0115 / +0.0150 NDCG@10 over retrieval order; SciFact validation ties, "
        ".7453 / .7455 / .7436). Serving time grows with bags x trees: with LightGBM's predict, the feed model's "
        "8 x 69 trees score 200 candidates in 1.7 ms and SciFact's search model (8 x 292) ranks a query in 6.9 ms "
        "against 1.9 ms with one bag; the compiled trees serving uses (`compile`) take 0.23 ms for the feed model. "
        "Set 1 where that matters more than the gain.",
    )
    seed: int = Field(0, description="Seed for every LightGBM random choice (training is deterministic). Default 0.")
    num_threads: int = Field(
        1,
        ge=0,
        description="Training threads; 0 = all cores. One by default: on busy shared cores OpenMP threads spin "
        "and training gets ~100x slower, and ranker training sets are small. Default 1.",
    )
    predict_num_threads: int = Field(
        1, ge=1, description="Serving threads; one is fastest for a single request's ~200 rows. Default 1."
    )
    compile: bool = Field(
        True,
        description="Serving: compile a loaded ranker's trees to machine code (lleaves) in a background thread; "
        "LightGBM predicts until that is done, and for good if compiling fails. The same scores; 8 x 69 trees score "
        "200 candidates in 0.23 ms instead of 1.7 ms, 8 x 278 in 2.5 ms instead of 11 ms. Default true.",
    )

    @field_validator("monotone")
    @classmethod
    def _known_features(cls, value: dict[str, int]) -> dict[str, int]:
        from ranking.features import FEATURE_NAMES  # lazily: features imports the stages, which import this

        unknown = sorted(set(value) - set(FEATURE_NAMES))
        if unknown:
            raise ValueError(f"monotone names unknown features {unknown}; features are {list(FEATURE_NAMES)}")
        return value


class RerankConfig(BaseModel):
    """MMR diversity and business rules (ranking/rerank.py). Each rule can be switched off."""

    kind: str = Field("mmr", pattern="^(mmr|none)$", description="'mmr', or 'none' to keep the ranker's order.")
    lambda_: float | None = Field(
        None, ge=0, le=1, description="MMR relevance weight for every request; None = per endpoint. Default None."
    )
    search_lambda: float = Field(
        0.9, ge=0, le=1, description="MMR lambda for search (1 = pure relevance). Default 0.9."
    )
    feed_lambda: float = Field(0.7, ge=0, le=1, description="MMR lambda for the feed. Default 0.7.")
    drop_excluded: bool = Field(
        True, description="Drop Personal/Filters exclude_ids (disliked, purchased). Default on."
    )
    max_per_category: int | None = Field(
        3, ge=1, description="At most this many items per category in the top cap_top_k; None = off. Default 3."
    )
    max_per_brand: int | None = Field(
        2, ge=1, description="At most this many items per brand in the top cap_top_k; None = off. Default 2."
    )
    cap_top_k: int = Field(10, ge=1, description="Positions the category/brand caps apply to. Default 10.")
    caps_on_search: bool = Field(
        False, description="Apply the caps to search too; off because a query often asks for one category. Default off."
    )
    freshness_weight: float = Field(
        0.1, ge=0, description="Boost added to the [0, 1] relevance of a brand-new item; 0 = off. Default 0.1."
    )
    freshness_half_life_days: float = Field(30.0, gt=0, description="Age at which the boost halves. Default 30 days.")
    dedup_threshold: float | None = Field(
        0.98,
        gt=0,
        le=1,
        description="Item-vector cosine at or above which an item is a duplicate; None = off. Default 0.98.",
    )
    dedup_titles: bool = Field(
        True, description="Treat items with the same normalised title as duplicates. Default on."
    )
