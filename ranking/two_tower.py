"""Two-tower retrieval model: an item tower over content + hashed ids, and a user tower over
the item-tower vectors of the user's recent history.

The user tower consumes item vectors, not user ids, so the API can build a user vector
from the `item_vector`s stored in Elasticsearch for the user's latest events (no user table,
no retraining for new users), and a brand-new item gets a vector from its content alone.
Both towers end in L2 normalisation: scores are cosines, which is what ES kNN serves.
"""

from __future__ import annotations

import json
import logging
import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import torch
import torch.nn.functional as F
from pydantic import BaseModel, Field, field_validator, model_validator
from safetensors.torch import load_file, save_file
from torch import nn

from ranking.config import TOWER_TEMPERATURE
from ranking.errors import ModelLoadError
from ranking.interactions import EVENT_TYPES, SECONDS_PER_DAY, InteractionConfig

logger = logging.getLogger(__name__)

LossName = Literal["softmax", "pointwise", "pairwise", "listwise"]
_MAX_CATEGORIES = 8
_MAX_TAGS = 16
NUMERIC_FEATURES = ("price", "popularity", "age")


# Settings a model saved before they existed was trained and scored without.
BEFORE_THEIR_TIME: dict[str, Any] = {"id_residual": False, "short_term_weight": 0.0, "ensemble": 1}
ENSEMBLE_FILE = "ensemble.json"


class TowerConfig(BaseModel):
    """Architecture and training settings of the two-tower model.

    Attributes:
        dim: output dimension of both towers (the ES `item_vector` dims). Default 64.
        text_dim: dimension of the frozen text embedding. Default 384 (MiniLM).
        hidden: width of the tower MLPs. Default 256.
        id_buckets: hash buckets for item ids (bucket 0 = unknown id). Default 131072.
        id_dim: item-id embedding size. Default 16 (32 overfit the MovieLens validation
            split).
        field_buckets: hash buckets per categorical field (category, brand, tags). Default 4096.
        field_dim: embedding size of each categorical field. Default 16.
        id_dropout: probability, in training, of hiding an item's id so the tower learns to
            work from content alone (cold start). Default 0.1.
        max_history: most recent events the user tower pools. Default 50.
        loss: "softmax" (in-batch sampled softmax, logQ-corrected), "pointwise" (BCE with
            sampled negatives), "pairwise" (triplet hinge with `margin`) or "listwise"
            (softmax over the positive and sampled negatives). Default "softmax".
        temperature: divides cosines before softmax/BCE. Default 0.12 (with id_residual, of 0.05 /
            0.08 / 0.1 / 0.12 on nested validation splits: MovieLens NDCG@10 .094 and .089 at 0.12
            vs .096 and .079 at 0.08; demo .151 and .146 vs .143 and .132).
        logq_correction: subtract log(sampling probability) from in-batch logits so popular
            items are not over-penalised as negatives. Default True.
        n_negatives: sampled negatives per example (pointwise, pairwise, listwise). Default 20.
        negative_sampling_power: negatives drawn with probability ~ popularity^power
            (0 = uniform over items). Default 0.5.
        hard_negative_ratio: share of negatives replaced by popular items of the target's
            category that the user did not interact with (for softmax: extra per-row
            negatives, this share of `n_negatives`). Default 0.0.
        margin: triplet margin for "pairwise". Default 0.2.
        batch_size: examples per step (and in-batch negatives). Default 1024.
        epochs: maximum epochs. Default 30.
        lr: Adam learning rate. Default 2e-3.
        weight_decay: AdamW weight decay. Default 0.01 (0, 0.01, 0.05 within noise on
            validation; 0.01 had the best two-seed mean on both NDCG@10 and Recall@50).
        patience: epochs without validation improvement before stopping. Default 3.
        eval_k: cut-off of the validation Recall@k (reported; used for early stopping with
            stop_metric "recall" or "mix"). Default 50.
        stop_metric: validation score that picks the epoch: "ndcg" (NDCG@10), "recall"
            (Recall@eval_k) or "mix" (their mean). Default "ndcg": the epoch that ranks the
            top best also kept Recall@50 within noise of its maximum on MovieLens.
        dropout: dropout after the hidden layer of both tower MLPs. Default 0.1.
        id_residual: add a learned per-item vector (hashed id -> `dim` floats) to the item
            tower's output, as matrix factorisation learns one vector per item. The content
            MLP alone could not place items that co-occur without sharing content (the demo's
            taste clusters are random item subsets; ALS beat the towers there, NDCG@10 .131 vs
            .090 on a nested validation split, .151 with it); it also helped on MovieLens (.0905
            -> .0962). Items unseen in training have id bucket 0, whose vector is zero, and keep
            the content-only vector (cold start); id dropout hides it too. Costs id_buckets *
            dim floats (33 MB at the defaults). Default True; models saved before it existed
            load with False.
        n_uniform_negatives: extra negatives per batch drawn uniformly from the whole catalog
            and shared by all rows of the softmax loss (mixed negative sampling, Yang et al.
            2020): in-batch negatives only ever contain items that were someone's positive,
            so rare and unseen items are never pushed down. logQ then uses each item's
            expected count in the mixed candidate set. Default 512.
        lr_schedule: "constant" or "cosine" (anneal to 0 over the epoch budget). Default
            "constant".
        validation: "per_user" (each user's last `valid_holdout` positives of the training
            data), "global" (one time cut), or "none" (train `epochs`). Default "per_user".
        valid_holdout: positives per user held out for validation. Default 5.
        valid_fraction: share of events after the cut for "global". Default 0.1.
        refit_full: after early stopping, retrain on all training events for the best
            epoch count, so the latest events (the validation targets) are learnt too.
            Default True.
        popularity_prior: serving-time weight beta of log1p(item popularity) added to the
            logit cos/temperature. logQ correction trains the towers to score
            log(p(item | user) / q(item)); adding beta * log q back ranks by (a tempered)
            p(item | user), which is what a feed should show. The ES feed applies the same
            prior through its popularity function. Default 0.5 (0.1-1.0 tried on a MovieLens
            validation split: NDCG@10 0.086 without, 0.091 at 0.5).
        extra_target_types: event types that are training targets besides the positives of
            `interaction` (the targets it holds out and evaluates on stay its positives).
            Default {"view"}: a view is weak evidence, too weak to count as a hit, but plentiful,
            and a retrieval model learns which items go together from it (the demo has ~4 views
            per click; with views as targets NDCG@10 on nested validation splits rose .151 ->
            .163 and .146 -> .170, Recall@50 .448 -> .489 and .432 -> .447). Logs without views
            (MovieLens) are unaffected. Empty = positives only.
        short_term_weight: beta of the short-term interest added to the pooled user vector
            before it is normalised (`encode_user`: normalise(u + beta * s), s the mean of the
            vectors of the user's `short_term_items` latest events of positive weight (views
            too), newest weighted 1, then 1/2, 1/4 ...). The pooled vector averages up to
            `max_history` events, so it blurs what the user turned to last, which predicts the
            next pick best; since cos(u + beta s, i)
            ranks as cos(u, i) + beta * mean_j w_j cos(v_j, i), one kNN vector carries both
            interests. Applied when scoring (validation, offline ranking, serving), not in the
            training loss. Default 0.3 (nested validation splits, each trained with and without
            it: MovieLens NDCG@10 .0975 / .0852 -> .1010 / .0872, Recall@50 .322 / .284 -> .324 /
            .293; demo NDCG@10 .153 / .167 -> .154 / .169, Recall@50 .489 / .471 -> .480 / .479
            (ALS .469 / .478), Recall@200 .623 / .624 -> .665 / .644. Scoring one trained model
            with 0.6 or 1.0 traded NDCG@10 for Recall@200; the latest item alone did no better).
            0 = off; models saved before it existed load with 0.
        short_term_items: latest positively weighted events in the short-term interest. Default 5.
        ensemble: how many towers, each trained with its own seed and `dim / ensemble` output
            dimensions, make up the model (`TowerEnsemble`); their unit vectors are concatenated
            and scaled by 1/sqrt(ensemble), so the stored `item_vector` keeps `dim` dimensions and
            a dot product there is the mean of the members' cosines. Towers from different seeds land
            far apart on small data (demo Recall@50 .431-.480 over five seeds); averaging members
            cancels part of that. Default 2, chosen on nested validation splits (test untouched):
            two 32-dim members against one 64-dim tower, means over seeds, demo NDCG@10 / Recall@50
            / Recall@200 .164 / .494 / .674 vs .160 / .480 / .649 (2 ensembles, 4 singles),
            MovieLens .094 / .319 / .559 vs .092 / .309 / .544 (1 vs 2; singles .100 and .085:
            one seed is a lottery). Two 64-dim members (128 stored) were no better on Recall.
            Must divide `dim`; 1 = one tower. Costs `ensemble` trainings; models saved
            before it existed load as one tower.
        interaction: event weights, positives and recency half-life.
    """

    dim: int = Field(default=64, gt=0)
    text_dim: int = Field(default=384, gt=0)
    hidden: int = Field(default=256, gt=0)
    id_buckets: int = Field(default=131_072, gt=1)
    id_dim: int = Field(default=16, gt=0)
    field_buckets: int = Field(default=4_096, gt=1)
    field_dim: int = Field(default=16, gt=0)
    id_dropout: float = Field(default=0.1, ge=0.0, lt=1.0)
    max_history: int = Field(default=50, gt=0)
    loss: LossName = "softmax"
    temperature: float = Field(default=TOWER_TEMPERATURE, gt=0.0)
    logq_correction: bool = True
    n_negatives: int = Field(default=20, gt=0)
    negative_sampling_power: float = Field(default=0.5, ge=0.0)
    hard_negative_ratio: float = Field(default=0.0, ge=0.0, le=1.0)
    margin: float = Field(default=0.2, ge=0.0)
    batch_size: int = Field(default=1_024, gt=1)
    epochs: int = Field(default=30, gt=0)
    lr: float = Field(default=2e-3, gt=0.0)
    weight_decay: float = Field(default=0.01, ge=0.0)
    patience: int = Field(default=3, gt=0)
    eval_k: int = Field(default=50, gt=0)
    stop_metric: Literal["ndcg", "recall", "mix"] = "ndcg"
    dropout: float = Field(default=0.1, ge=0.0, lt=1.0)
    id_residual: bool = True
    n_uniform_negatives: int = Field(default=512, ge=0)
    lr_schedule: Literal["constant", "cosine"] = "constant"
    validation: Literal["per_user", "global", "none"] = "per_user"
    valid_holdout: int = Field(default=5, gt=0)
    valid_fraction: float = Field(default=0.1, gt=0.0, lt=1.0)
    refit_full: bool = True
    popularity_prior: float = Field(default=0.5, ge=0.0)
    extra_target_types: frozenset[str] = frozenset({"view"})
    short_term_weight: float = Field(default=0.3, ge=0.0)
    short_term_items: int = Field(default=5, gt=0)
    ensemble: int = Field(default=2, ge=1, le=16)
    interaction: InteractionConfig = Field(default_factory=InteractionConfig)

    @model_validator(mode="after")
    def _ensemble_divides_dim(self) -> TowerConfig:
        if self.dim % self.ensemble:
            raise ValueError(
                f"ensemble ({self.ensemble}) must divide dim ({self.dim}): each member gets dim / ensemble"
            )
        return self

    def member(self) -> TowerConfig:
        """The config of one member of the ensemble: dim / ensemble output dimensions, ensemble 1."""
        return self.model_copy(update={"dim": self.dim // self.ensemble, "ensemble": 1})

    @field_validator("extra_target_types")
    @classmethod
    def _known_non_negative_types(cls, value: frozenset[str]) -> frozenset[str]:
        unknown = sorted(value - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"unknown event types {unknown}; known: {list(EVENT_TYPES)}")
        if "dislike" in value:
            raise ValueError("'dislike' cannot be a training target: it is a negative signal")
        return value


def stable_bucket(field: str, value: Any, buckets: int) -> int:
    """Hash bucket in [1, buckets) for a field value; stable across processes (CRC32).

    Bucket 0 is reserved for "absent/unknown", whose embedding is kept at zero.
    """
    return 1 + zlib.crc32(f"{field}\x1f{value}".encode()) % (buckets - 1)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value if v is not None and str(v)]


def _epoch_seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


@dataclass
class ItemFeatures:
    """Tensors of n items, ready for the item tower (index with `subset`)."""

    text: torch.Tensor  # (n, text_dim) float32
    item_id: torch.Tensor  # (n,) int64 bucket, 0 = unknown id
    category: torch.Tensor  # (n, _MAX_CATEGORIES) int64, 0 = padding
    brand: torch.Tensor  # (n, 1) int64, 0 = none
    tags: torch.Tensor  # (n, _MAX_TAGS) int64, 0 = padding
    numeric: torch.Tensor  # (n, 2 * len(NUMERIC_FEATURES)) standardised values + missing flags

    def subset(self, index: torch.Tensor) -> ItemFeatures:
        """Rows `index` of every tensor."""
        return ItemFeatures(
            *(t[index] for t in (self.text, self.item_id, self.category, self.brand, self.tags, self.numeric))
        )

    def __len__(self) -> int:
        return int(self.item_id.shape[0])


class _BagMean(nn.Module):
    """Mean of hashed embeddings over non-padding entries (zero vector for an empty bag)."""

    def __init__(self, buckets: int, dim: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(buckets, dim, padding_idx=0)
        nn.init.normal_(self.embedding.weight, std=0.05)
        with torch.no_grad():
            self.embedding.weight[0].zero_()

    def forward(self, index: torch.Tensor) -> torch.Tensor:
        vectors = self.embedding(index)  # (b, L, dim)
        count = (index > 0).sum(dim=1, keepdim=True).clamp(min=1)  # (b, 1)
        return vectors.sum(dim=1) / count


def _relu_dropout(p: float) -> nn.Module:
    """ReLU then dropout as one parameter-free block, so the MLP's state-dict keys
    (mlp.0, mlp.2) stay those of models saved before dropout existed."""
    return nn.Sequential(nn.ReLU(), nn.Dropout(p))


class ItemTower(nn.Module):
    """Frozen text vector + hashed id/category/brand/tag embeddings + numerics -> MLP, plus
    (id_residual) a learned per-item vector, then L2 normalisation."""

    def __init__(self, cfg: TowerConfig) -> None:
        super().__init__()
        self.item_id = _BagMean(cfg.id_buckets, cfg.id_dim)
        self.category = _BagMean(cfg.field_buckets, cfg.field_dim)
        self.brand = _BagMean(cfg.field_buckets, cfg.field_dim)
        self.tags = _BagMean(cfg.field_buckets, cfg.field_dim)
        width = cfg.text_dim + cfg.id_dim + 3 * cfg.field_dim + 2 * len(NUMERIC_FEATURES)
        self.mlp = nn.Sequential(
            nn.Linear(width, cfg.hidden), _relu_dropout(cfg.dropout), nn.Linear(cfg.hidden, cfg.dim)
        )
        self.residual = _BagMean(cfg.id_buckets, cfg.dim) if cfg.id_residual else None

    def forward(self, feats: ItemFeatures) -> torch.Tensor:
        x = torch.cat(
            [
                feats.text,
                self.item_id(feats.item_id[:, None]),
                self.category(feats.category),
                self.brand(feats.brand),
                self.tags(feats.tags),
                feats.numeric,
            ],
            dim=1,
        )  # (b, width)
        out = self.mlp(x)
        if self.residual is not None:
            out = out + self.residual(feats.item_id[:, None])
        return F.normalize(out, dim=1)  # (b, dim)


class UserTower(nn.Module):
    """Pooled history vectors -> MLP, added to the pooled positive vector, normalised.

    Positives and negatives are pooled into two separate weighted means instead of one
    mean with signed weights: a few dislikes would otherwise cancel or flip the taste
    direction, while a separate "what I dislike" vector lets the MLP learn how far to steer
    away. The residual on the positive mean starts the tower as item-based CF (the user is
    the average of what they liked) and the MLP learns corrections on top.
    """

    def __init__(self, cfg: TowerConfig) -> None:
        super().__init__()
        self.mlp = nn.Sequential(
            nn.Linear(2 * cfg.dim + 2, cfg.hidden), _relu_dropout(cfg.dropout), nn.Linear(cfg.hidden, cfg.dim)
        )

    def forward(self, vectors: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """vectors (b, L, dim) history item vectors; weights (b, L) signed, 0 = padding."""
        pos = weights.clamp(min=0.0)  # (b, L)
        neg = (-weights).clamp(min=0.0)
        pos_sum, neg_sum = pos.sum(1, keepdim=True), neg.sum(1, keepdim=True)  # (b, 1)
        pos_mean = (pos[..., None] * vectors).sum(1) / pos_sum.clamp(min=1e-9)  # (b, dim)
        neg_mean = (neg[..., None] * vectors).sum(1) / neg_sum.clamp(min=1e-9)
        counts = torch.stack([(pos > 0).sum(1), (neg > 0).sum(1)], dim=1).float()  # (b, 2)
        x = torch.cat([pos_mean, neg_mean, torch.log1p(counts)], dim=1)
        return F.normalize(pos_mean + self.mlp(x), dim=1)  # (b, dim)


class TwoTowerModel(nn.Module):
    """Item tower + user tower sharing one cosine space; see the module docstring.

    Unseen item ids map to bucket 0 (a fixed zero embedding), the same input the tower sees
    under training-time id dropout, so a new item is encoded from content alone.
    """

    def __init__(
        self,
        cfg: TowerConfig | None = None,
        seen_item_ids: Iterable[str] = (),
        numeric_stats: Mapping[str, tuple[float, float]] | None = None,
        reference_time: float = 0.0,
    ) -> None:
        super().__init__()
        self.cfg = cfg or TowerConfig()
        self.item_tower = ItemTower(self.cfg)
        self.user_tower = UserTower(self.cfg)
        self.seen_item_ids = frozenset(str(i) for i in seen_item_ids)
        self.numeric_stats = dict(numeric_stats or {name: (0.0, 1.0) for name in NUMERIC_FEATURES})
        self.reference_time = reference_time  # epoch seconds that item ages are taken from

    # --- features -------------------------------------------------------------------------
    def raw_numeric(self, item: Mapping[str, Any]) -> dict[str, float | None]:
        """Unstandardised numeric inputs: log1p price, log1p popularity, age in years."""
        out: dict[str, float | None] = {}
        for name in ("price", "popularity"):
            value = item.get(name)
            try:
                out[name] = math.log1p(max(float(value), 0.0)) if value is not None else None
            except (TypeError, ValueError):
                out[name] = None
        created = _epoch_seconds(item.get("created_at"))
        out["age"] = None if created is None else (self.reference_time - created) / SECONDS_PER_DAY / 365.25
        return out

    def featurize(self, items: Sequence[Mapping[str, Any]], text_vectors: np.ndarray) -> ItemFeatures:
        """Catalog item dicts + their (n, text_dim) text vectors -> ItemFeatures.

        Raises:
            ValueError: if `text_vectors` does not have shape (len(items), text_dim).
        """
        cfg = self.cfg
        if text_vectors.shape != (len(items), cfg.text_dim):
            raise ValueError(f"text_vectors must have shape ({len(items)}, {cfg.text_dim}), got {text_vectors.shape}")
        n = len(items)
        ids = np.zeros(n, dtype=np.int64)
        cats = np.zeros((n, _MAX_CATEGORIES), dtype=np.int64)
        brands = np.zeros((n, 1), dtype=np.int64)
        tags = np.zeros((n, _MAX_TAGS), dtype=np.int64)
        numeric = np.zeros((n, 2 * len(NUMERIC_FEATURES)), dtype=np.float32)
        for row, item in enumerate(items):
            item_id = str(item["id"])
            if item_id in self.seen_item_ids:
                ids[row] = stable_bucket("id", item_id, cfg.id_buckets)
            for col, value in enumerate(_as_list(item.get("category"))[:_MAX_CATEGORIES]):
                cats[row, col] = stable_bucket("category", value.lower(), cfg.field_buckets)
            brand = _as_list(item.get("brand"))
            if brand:
                brands[row, 0] = stable_bucket("brand", brand[0].lower(), cfg.field_buckets)
            for col, value in enumerate(_as_list(item.get("tags"))[:_MAX_TAGS]):
                tags[row, col] = stable_bucket("tag", value.lower(), cfg.field_buckets)
            for col, (name, value) in enumerate(self.raw_numeric(item).items()):
                if value is None:
                    numeric[row, len(NUMERIC_FEATURES) + col] = 1.0  # missing flag; value stays 0
                else:
                    mean, std = self.numeric_stats[name]
                    numeric[row, col] = (value - mean) / std
        return ItemFeatures(
            torch.from_numpy(np.ascontiguousarray(text_vectors, np.float32)),
            torch.from_numpy(ids),
            torch.from_numpy(cats),
            torch.from_numpy(brands),
            torch.from_numpy(tags),
            torch.from_numpy(numeric),
        )

    def popularity_prior(self, items: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Per item, the serving prior in cosine units: temperature * beta * log1p(popularity).

        Returns:
            (len(items),) float32; items without a usable `popularity` get 0.
        """
        counts = np.asarray([self.raw_numeric(item)["popularity"] or 0.0 for item in items], np.float32)
        return (self.cfg.temperature * self.cfg.popularity_prior * counts).astype(np.float32)

    # --- encoding -------------------------------------------------------------------------
    def history_weights(self, weights: torch.Tensor, ages_days: torch.Tensor) -> torch.Tensor:
        """Event weight x recency decay 0.5 ** (age / half-life); same shape as inputs."""
        half_life = self.cfg.interaction.recency_half_life_days
        if half_life is None:
            return weights
        return weights * torch.pow(0.5, ages_days.clamp(min=0.0) / half_life)

    @torch.no_grad()
    def encode_items(
        self, items: Sequence[Mapping[str, Any]], text_vectors: np.ndarray, batch_size: int = 4096
    ) -> np.ndarray:
        """Item vectors for catalog item dicts (roles `id`, `category`, `brand`, `tags`,
        `price`, `popularity`, `created_at`; all but `id` optional).

        Returns:
            (n, dim) float32, unit L2 norm.

        Example:
            >>> model = TwoTowerModel()  # untrained: a default TowerConfig
            >>> model.encode_items([{"id": "new"}], np.zeros((1, 384), np.float32)).shape
            (1, 64)
        """
        self.eval()
        feats = self.featurize(items, text_vectors)
        chunks = [
            self.item_tower(feats.subset(torch.arange(s, min(s + batch_size, len(feats)))))
            for s in range(0, len(feats), batch_size)
        ]
        if not chunks:
            return np.zeros((0, self.cfg.dim), dtype=np.float32)
        return torch.cat(chunks).numpy()

    @torch.no_grad()
    def encode_user(self, history_vectors: np.ndarray, weights: np.ndarray, ages_days: np.ndarray) -> np.ndarray:
        """User vector from the item vectors of their recent events.

        Only the `max_history` most recent events (smallest ages) are used. An empty
        history yields the learned "average user" vector (cold start), never an error.

        Args:
            history_vectors: (m, dim) item-tower vectors (e.g. ES `item_vector`s).
            weights: (m,) event weights (`event_weight`; negative = dislike).
            ages_days: (m,) days since each event.

        Returns:
            (dim,) float32, unit L2 norm.

        Example:
            >>> TwoTowerModel().encode_user(np.zeros((0, 64)), np.zeros(0), np.zeros(0)).shape
            (64,)
        """
        m = len(weights)
        if history_vectors.shape != (m, self.cfg.dim) or ages_days.shape != (m,):
            raise ValueError(
                f"history_vectors must be ({m}, {self.cfg.dim}) and ages_days "
                f"({m},); got {history_vectors.shape} and {ages_days.shape}"
            )
        self.eval()
        newest_first = np.lexsort((-np.arange(m), ages_days))  # by age, ties: the later event first
        keep = newest_first[: self.cfg.max_history]
        history_vectors = np.asarray(history_vectors, np.float32)[keep]
        weights, ages_days = np.asarray(weights, np.float32)[keep], np.asarray(ages_days, np.float32)[keep]
        w = self.history_weights(torch.as_tensor(weights)[None], torch.as_tensor(ages_days)[None])
        user = self.user_tower(torch.as_tensor(history_vectors)[None], w)[0].numpy()
        return self._with_short_term(user, history_vectors[weights > 0])

    def _with_short_term(self, user: np.ndarray, liked_newest_first: np.ndarray) -> np.ndarray:
        """normalise(user + beta * the decayed mean of the latest liked vectors); see TowerConfig."""
        recent = liked_newest_first[: self.cfg.short_term_items]
        if self.cfg.short_term_weight == 0 or len(recent) == 0:
            return user
        decay = 0.5 ** np.arange(len(recent), dtype=np.float32)
        blended = user + self.cfg.short_term_weight * (decay @ recent) / decay.sum()
        norm = float(np.linalg.norm(blended))
        return (blended / norm).astype(np.float32) if norm > 0 else user

    # --- persistence ----------------------------------------------------------------------
    def save(self, directory: str | Path) -> None:
        """Write `model.safetensors` (weights) and `config.json` into `directory`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(directory / "model.safetensors"))
        config = {
            "tower_config": self.cfg.model_dump(mode="json"),
            "seen_item_ids": sorted(self.seen_item_ids),
            "numeric_stats": self.numeric_stats,
            "reference_time": self.reference_time,
        }
        (directory / "config.json").write_text(json.dumps(config))

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """Restore a model written by `save`.

        Raises:
            ModelLoadError: naming the missing or corrupt file.
        """
        directory = Path(directory)
        config_path, weights_path = directory / "config.json", directory / "model.safetensors"
        try:
            config = json.loads(config_path.read_text())
            model = cls(
                TowerConfig(**{**BEFORE_THEIR_TIME, **config["tower_config"]}),
                config["seen_item_ids"],
                {k: tuple(v) for k, v in config["numeric_stats"].items()},
                float(config["reference_time"]),
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(str(config_path), f"cannot read two-tower config: {exc}") from exc
        try:
            model.load_state_dict(load_file(str(weights_path)))
        except Exception as exc:  # safetensors raises its own error types for corrupt files
            raise ModelLoadError(str(weights_path), f"cannot read two-tower weights: {exc}") from exc
        model.eval()
        return model


class TowerEnsemble:
    """`TowerConfig.ensemble` two-tower models (different seeds) behind one vector space.

    Item and user vectors are the members' unit vectors side by side, scaled by 1/sqrt(K): unit
    length again, and a dot product (ES kNN, the ranker's two_tower_dot, MMR) is the mean of the
    members' cosines. `encode_user` takes the stored ensemble vectors of the user's history and
    hands each member its own slice (times sqrt(K), its unit vector again), so serving builds the
    user vector from what Elasticsearch stores, as with one tower.

    Example:
        >>> ensemble = TowerEnsemble(cfg, [model_a, model_b])  # doctest: +SKIP
        >>> ensemble.encode_items(items, text_vectors).shape  # doctest: +SKIP
        (3, 64)
    """

    def __init__(self, cfg: TowerConfig, members: Sequence[TwoTowerModel]) -> None:
        width = cfg.member().dim
        if len(members) != cfg.ensemble or any(m.cfg.dim != width for m in members):
            got = [m.cfg.dim for m in members]
            raise ValueError(f"members must be {cfg.ensemble} towers of dim {width}, got {got}")
        self.cfg = cfg
        self.members = list(members)
        self._width = width
        self._scale = 1.0 / math.sqrt(len(members))

    def encode_items(
        self, items: Sequence[Mapping[str, Any]], text_vectors: np.ndarray, batch_size: int = 4096
    ) -> np.ndarray:
        """(n, dim) float32 unit vectors: the members' item vectors side by side, / sqrt(K)."""
        parts = [m.encode_items(items, text_vectors, batch_size) for m in self.members]
        return (np.hstack(parts) * self._scale).astype(np.float32)

    def encode_user(self, history_vectors: np.ndarray, weights: np.ndarray, ages_days: np.ndarray) -> np.ndarray:
        """(dim,) float32 unit vector from the ensemble item vectors of the user's history.

        Raises:
            ValueError: if history_vectors is not (len(weights), dim).
        """
        history_vectors = np.asarray(history_vectors, np.float32)
        m = len(weights)
        if history_vectors.shape != (m, self.cfg.dim):
            raise ValueError(f"history_vectors must be ({m}, {self.cfg.dim}); got {history_vectors.shape}")
        width = self._width
        parts = [
            member.encode_user(history_vectors[:, j * width : (j + 1) * width] / self._scale, weights, ages_days)
            for j, member in enumerate(self.members)
        ]
        return (np.concatenate(parts) * self._scale).astype(np.float32)

    def popularity_prior(self, items: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """The members' mean serving prior (cosine units), as the ensemble's scores are mean cosines."""
        return np.mean([m.popularity_prior(items) for m in self.members], axis=0).astype(np.float32)

    def save(self, directory: str | Path) -> None:
        """Each member in `member-<j>/` and ENSEMBLE_FILE (the ensemble's config) beside them."""
        directory = Path(directory)
        for j, member in enumerate(self.members):
            member.save(directory / f"member-{j}")
        (directory / ENSEMBLE_FILE).write_text(json.dumps({"tower_config": self.cfg.model_dump(mode="json")}))

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        """Restore an ensemble written by `save`.

        Raises:
            ModelLoadError: naming the missing or corrupt file.
        """
        path = Path(directory) / ENSEMBLE_FILE
        try:
            cfg = TowerConfig(**json.loads(path.read_text())["tower_config"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ModelLoadError(str(path), f"cannot read the tower ensemble config: {exc}") from exc
        return cls(cfg, [TwoTowerModel.load(Path(directory) / f"member-{j}") for j in range(cfg.ensemble)])


Towers = TwoTowerModel | TowerEnsemble


def load_towers(directory: str | Path) -> Towers:
    """An ensemble if `directory` holds ENSEMBLE_FILE, else one tower (as saved before ensembles)."""
    directory = Path(directory)
    return TowerEnsemble.load(directory) if (directory / ENSEMBLE_FILE).exists() else TwoTowerModel.load(directory)
