"""Collaborative-filtering candidate sources: Popularity, ItemCF, Swing and ALS.

All four share one small API modelled on the `implicit` library, so offline evaluation
and the feed can swap them freely: `fit(train_events) -> Self`,
`recommend(user_history, k, exclude) -> [(item_id, score)]`, `similar_items(item_id, k)`,
`save(dir)` and classmethod `load(dir)`. Recommendation works from a history of
(item_id, weight) pairs rather than a stored user row, so a user's latest events count at
once and users unseen at training time are served too.

Saved models are a directory holding `config.json` (class, parameters, item ids) and
`arrays.npz` (numpy only, loaded with `allow_pickle=False`).
"""

from __future__ import annotations

import json
import logging
import zipfile
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import scipy.sparse as sp

from ranking.errors import ModelLoadError, NotFittedError
from ranking.interactions import InteractionConfig, event_weight

logger = logging.getLogger(__name__)

Event = Mapping[str, Any]
History = Sequence[tuple[Hashable, float]]
Scored = list[tuple[str, float]]


def interaction_matrix(
    events: Iterable[Event], cfg: InteractionConfig | None = None
) -> tuple[sp.csr_matrix, list[str], list[str]]:
    """Users x items matrix of summed event weights, keeping only positive sums.

    CF similarity is about what users like, so pairs whose events net out neutral or
    negative are left out (the seeds' "users who liked the item").

    Returns:
        (matrix (n_users, n_items) float32 csr, user_ids, item_ids), ids as strings in
        first-seen order.
    """
    cfg = cfg or InteractionConfig()
    users: dict[str, int] = {}
    items: dict[str, int] = {}
    totals: dict[tuple[int, int], float] = {}
    for event in events:
        u = users.setdefault(str(event["user_id"]), len(users))
        i = items.setdefault(str(event["item_id"]), len(items))
        totals[u, i] = totals.get((u, i), 0.0) + event_weight(event, cfg)
    kept = [(u, i, w) for (u, i), w in totals.items() if w > 0]
    rows = np.fromiter((u for u, _, _ in kept), dtype=np.int64, count=len(kept))
    cols = np.fromiter((i for _, i, _ in kept), dtype=np.int64, count=len(kept))
    vals = np.fromiter((w for _, _, w in kept), dtype=np.float32, count=len(kept))
    matrix = sp.csr_matrix((vals, (rows, cols)), shape=(len(users), len(items)), dtype=np.float32)
    return matrix, list(users), list(items)


def top_m_per_row(matrix: sp.csr_matrix, m: int) -> sp.csr_matrix:
    """Keep the m largest entries of each row (the seeds' top-k neighbour index)."""
    matrix = matrix.tocsr()
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        cols, vals = matrix.indices[start:end], matrix.data[start:end]
        if len(vals) > m:
            keep = np.argpartition(-vals, m - 1)[:m]
            cols, vals = cols[keep], vals[keep]
        indices.append(cols)
        data.append(vals)
        indptr.append(indptr[-1] + len(vals))
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0, np.float32),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            np.asarray(indptr),
        ),
        shape=matrix.shape,
    )


def top_k(
    scores: np.ndarray, item_ids: Sequence[str], k: int, exclude: Iterable[int] = (), positive_only: bool = False
) -> Scored:
    """Best k (item_id, score) pairs of a dense score vector; ties broken by item index."""
    scores = scores.astype(np.float64, copy=True)
    excluded = np.fromiter(exclude, dtype=np.int64)
    scores[excluded] = -np.inf
    if positive_only:
        scores[scores <= 0] = -np.inf
    valid = int(np.isfinite(scores).sum())
    k = min(k, valid)
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    order = part[np.lexsort((part, -scores[part]))]
    return [(item_ids[i], float(scores[i])) for i in order]


class CandidateSource(ABC):
    """Shared state and persistence; subclasses define `_fit` and `_scores`."""

    name: ClassVar[str]
    _array_names: ClassVar[tuple[str, ...]] = ()

    def __init__(self, interaction_config: InteractionConfig | None = None) -> None:
        self.interaction_config = interaction_config or InteractionConfig()
        self._item_ids: list[str] | None = None
        self._index: dict[str, int] = {}

    # --- public API -----------------------------------------------------------------------
    def fit(self, train_events: Sequence[Event]) -> Self:
        """Learn from training events (weights from `interaction_config`); returns self."""
        matrix, _, item_ids = interaction_matrix(train_events, self.interaction_config)
        self._set_items(item_ids)
        self._fit(matrix)
        logger.info(
            "%s fitted on %d users x %d items (%d interactions)",
            self.name,
            matrix.shape[0],
            matrix.shape[1],
            matrix.nnz,
        )
        return self

    def recommend(self, user_history: History, k: int = 10, exclude: Iterable[Hashable] = frozenset()) -> Scored:
        """Top-k items for a user described by (item_id, weight) pairs, best first.

        Unknown history items are ignored; excluded ids never appear. Sources that only
        reach some items (ItemCF, Swing) can return fewer than k.

        Example:
            >>> ItemCF().fit(events).recommend([("i1", 1.0)], k=5, exclude={"i1"})  # doctest: +SKIP
        """
        item_ids = self.item_ids
        history = np.zeros(len(item_ids), dtype=np.float32)  # (n_items,)
        for item_id, weight in user_history:
            idx = self._index.get(str(item_id))
            if idx is not None:
                history[idx] += weight
        excluded = [self._index[str(i)] for i in exclude if str(i) in self._index]
        return top_k(self._scores(history), item_ids, k, excluded, self._positive_only)

    def similar_items(self, item_id: Hashable, k: int = 10) -> Scored:
        """Items most similar to `item_id` (not itself); empty for an unknown item."""
        idx = self._index.get(str(item_id))
        if idx is None:
            self._check_fitted()
            return []
        return top_k(self._similar(idx), self.item_ids, k, [idx], self._positive_only)

    @property
    def item_ids(self) -> list[str]:
        """Item ids known to the model, in column order."""
        self._check_fitted()
        assert self._item_ids is not None
        return self._item_ids

    def save(self, path: str | Path) -> None:
        """Write `config.json` and `arrays.npz` into directory `path` (created if needed)."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        config = {
            "class": self.name,
            "params": self._params(),
            "item_ids": self.item_ids,
            "interaction_config": self.interaction_config.model_dump(mode="json"),
        }
        (path / "config.json").write_text(json.dumps(config))
        np.savez(path / "arrays.npz", **self._arrays())

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Restore a model written by `save`.

        Raises:
            ModelLoadError: if a file is missing, corrupt or holds another model class.
        """
        path = Path(path)
        config_path, arrays_path = path / "config.json", path / "arrays.npz"
        try:
            config = json.loads(config_path.read_text())
        except (OSError, ValueError) as exc:
            raise ModelLoadError(str(config_path), f"cannot read model config: {exc}") from exc
        if config.get("class") != cls.name:
            raise ModelLoadError(str(config_path), f"expected a {cls.name} model, found {config.get('class')!r}")
        try:
            with np.load(arrays_path, allow_pickle=False) as npz:
                arrays = {name: npz[name] for name in cls._array_names}
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ModelLoadError(str(arrays_path), f"cannot read model arrays: {exc}") from exc
        model = cls(interaction_config=InteractionConfig(**config["interaction_config"]), **config["params"])
        model._set_items(config["item_ids"])
        model._restore(arrays)
        return model

    # --- subclass hooks -------------------------------------------------------------------
    _positive_only: ClassVar[bool] = True

    @abstractmethod
    def _fit(self, matrix: sp.csr_matrix) -> None: ...

    @abstractmethod
    def _scores(self, history: np.ndarray) -> np.ndarray: ...

    @abstractmethod
    def _similar(self, idx: int) -> np.ndarray: ...

    @abstractmethod
    def _params(self) -> dict[str, Any]: ...

    @abstractmethod
    def _arrays(self) -> dict[str, np.ndarray]: ...

    @abstractmethod
    def _restore(self, arrays: Mapping[str, np.ndarray]) -> None: ...

    def _set_items(self, item_ids: Sequence[str]) -> None:
        self._item_ids = list(item_ids)
        self._index = {item_id: i for i, item_id in enumerate(self._item_ids)}

    def _check_fitted(self) -> None:
        if self._item_ids is None:
            raise NotFittedError(f"{self.name} is not fitted; call fit() or load() first")


class Popularity(CandidateSource):
    """Most-liked items (distinct users with a positive interaction): the cold-start floor."""

    name = "popularity"
    _array_names = ("counts",)

    def __init__(self, interaction_config: InteractionConfig | None = None) -> None:
        super().__init__(interaction_config)
        self._counts = np.zeros(0, dtype=np.float32)

    def _fit(self, matrix: sp.csr_matrix) -> None:
        self._counts = np.asarray((matrix > 0).sum(axis=0), dtype=np.float32).ravel()

    def _scores(self, history: np.ndarray) -> np.ndarray:
        return self._counts

    def _similar(self, idx: int) -> np.ndarray:
        return self._counts

    def _params(self) -> dict[str, Any]:
        return {}

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"counts": self._counts}

    def _restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._counts = arrays["counts"]


class _NeighbourSource(CandidateSource):
    """Item-to-item source: score(j) = sum_i weight_i * sim(i, j) over the top-M index."""

    _array_names = ("data", "indices", "indptr", "shape")

    def __init__(self, interaction_config: InteractionConfig | None = None, n_neighbors: int = 200) -> None:
        super().__init__(interaction_config)
        if n_neighbors <= 0:
            raise ValueError(f"n_neighbors must be positive, got {n_neighbors}")
        self.n_neighbors = n_neighbors
        self._sim: sp.csr_matrix | None = None  # (n_items, n_items), row i = i's neighbours

    def _scores(self, history: np.ndarray) -> np.ndarray:
        assert self._sim is not None
        return np.asarray(self._sim.T @ history).ravel()

    def _similar(self, idx: int) -> np.ndarray:
        assert self._sim is not None
        return self._sim[idx].toarray().ravel()

    def _arrays(self) -> dict[str, np.ndarray]:
        assert self._sim is not None
        return {
            "data": self._sim.data,
            "indices": self._sim.indices,
            "indptr": self._sim.indptr,
            "shape": np.asarray(self._sim.shape),
        }

    def _restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._sim = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=tuple(int(n) for n in arrays["shape"])
        )


class ItemCF(_NeighbourSource):
    """Item-based CF with the seeds' cosine: sim(i, j) = |W_i ∩ W_j| / sqrt(|W_i| |W_j|).

    With `binary=False` the sets become weighted user vectors (the seeds' graded version,
    i.e. cosine over event weights), so a purchase counts more than a click.

    Args:
        interaction_config: event weights.
        n_neighbors: neighbours kept per item (M). Default 200 (best of 50/100/200 on a MovieLens
            validation split).
        binary: use 0/1 "liked" instead of weights. Default False.
    """

    name = "itemcf"

    def __init__(
        self, interaction_config: InteractionConfig | None = None, n_neighbors: int = 200, binary: bool = False
    ) -> None:
        super().__init__(interaction_config, n_neighbors)
        self.binary = binary

    def _fit(self, matrix: sp.csr_matrix) -> None:
        x = (matrix > 0).astype(np.float32) if self.binary else matrix  # (n_users, n_items)
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=0)).ravel())  # (n_items,)
        inv = sp.diags(np.where(norms > 0, 1.0 / np.maximum(norms, 1e-12), 0.0).astype(np.float32))
        xn = (x @ inv).tocsc()
        sim = (xn.T @ xn).tocsr()
        sim.setdiag(0.0)
        sim.eliminate_zeros()
        self._sim = top_m_per_row(sim, self.n_neighbors)

    def _params(self) -> dict[str, Any]:
        return {"n_neighbors": self.n_neighbors, "binary": self.binary}


class Swing(_NeighbourSource):
    """Swing (the seeds' formula): sim(i, j) = sum over user pairs u1 < u2 who both liked
    i and j of 1 / (alpha + overlap(u1, u2)), overlap = number of items both liked.

    Pairs from a tight circle share many items and so count little. Computed as
    S = P^T P where each row of P is one user pair's co-liked items scaled by
    sqrt(1 / (alpha + overlap)); pairs come from each item's likers, capped at
    `max_users_per_item` (a seeded sample) so cost stays bounded on popular items.

    Args:
        interaction_config: event weights (only positive interactions count).
        n_neighbors: neighbours kept per item. Default 200.
        alpha: smoothing constant. Default 1.0.
        max_users_per_item: likers sampled per item when forming pairs. Default 200.
        random_state: seed for that sampling. Default 0.
    """

    name = "swing"

    def __init__(
        self,
        interaction_config: InteractionConfig | None = None,
        n_neighbors: int = 200,
        alpha: float = 1.0,
        max_users_per_item: int = 200,
        random_state: int = 0,
    ) -> None:
        super().__init__(interaction_config, n_neighbors)
        if alpha <= 0:
            raise ValueError(f"alpha must be positive, got {alpha}")
        self.alpha = alpha
        self.max_users_per_item = max_users_per_item
        self.random_state = random_state

    def _fit(self, matrix: sp.csr_matrix) -> None:
        liked = (matrix > 0).astype(np.float32).tocsr()  # (n_users, n_items)
        rng = np.random.default_rng(self.random_state)
        by_item = liked.tocsc()
        pair_keys: set[int] = set()
        n_users = liked.shape[0]
        for item in range(liked.shape[1]):
            users = by_item.indices[by_item.indptr[item] : by_item.indptr[item + 1]]
            if len(users) > self.max_users_per_item:
                users = np.sort(rng.choice(users, self.max_users_per_item, replace=False))
            if len(users) < 2:
                continue
            a, b = np.triu_indices(len(users), k=1)
            pair_keys.update((users[a].astype(np.int64) * n_users + users[b]).tolist())
        if not pair_keys:
            self._sim = sp.csr_matrix(matrix.shape[1:] * 2, dtype=np.float32)
            return
        keys = np.fromiter(sorted(pair_keys), dtype=np.int64)
        u1, u2 = keys // n_users, keys % n_users
        common = liked[u1].multiply(liked[u2]).tocsr()  # (n_pairs, n_items) co-liked items
        overlap = np.asarray(common.sum(axis=1)).ravel()
        keep = overlap >= 2  # a pair sharing one item adds only to sim(i, i)
        scale = np.sqrt(1.0 / (self.alpha + overlap[keep])).astype(np.float32)
        pairs = sp.diags(scale) @ common[keep]
        sim = (pairs.T @ pairs).tocsr()
        sim.setdiag(0.0)
        sim.eliminate_zeros()
        logger.debug("swing: %d user pairs, %d item pairs", int(keep.sum()), sim.nnz)
        self._sim = top_m_per_row(sim, self.n_neighbors)

    def _params(self) -> dict[str, Any]:
        return {
            "n_neighbors": self.n_neighbors,
            "alpha": self.alpha,
            "max_users_per_item": self.max_users_per_item,
            "random_state": self.random_state,
        }


class ALS(CandidateSource):
    """Implicit-feedback matrix factorisation (Hu et al. 2008) via `implicit`.

    Confidence is 1 + alpha * weight. Recommendation folds the given history in with one
    exact least-squares step against the item factors (what ALS does for a user row), so
    serving needs only the saved item factors, not `implicit`.

    Args:
        interaction_config: event weights (only positive interactions count).
        factors: latent dimension. Default 32.
        regularization: L2 penalty lambda. Default 0.05.
        alpha: confidence scale. Default 5.0. Factors 32 with alpha 5 had the best NDCG@10 and
            Recall@50 together in a 3x4x2 grid on a MovieLens validation split: the baseline
            the two-tower is compared with is a tuned one.
        iterations: ALS sweeps. Default 15.
        random_state: seed for the factor initialisation. Default 0.
    """

    name = "als"
    _array_names = ("item_factors",)
    _positive_only = False

    def __init__(
        self,
        interaction_config: InteractionConfig | None = None,
        factors: int = 32,
        regularization: float = 0.05,
        alpha: float = 5.0,
        iterations: int = 15,
        random_state: int = 0,
    ) -> None:
        super().__init__(interaction_config)
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state
        self._item_factors = np.zeros((0, factors), dtype=np.float32)  # (n_items, factors)

    def _fit(self, matrix: sp.csr_matrix) -> None:
        from implicit.cpu.als import AlternatingLeastSquares  # optional heavy dependency

        confidence = matrix.copy()
        confidence.data = 1.0 + self.alpha * confidence.data
        model = AlternatingLeastSquares(
            factors=self.factors,
            regularization=self.regularization,
            iterations=self.iterations,
            random_state=self.random_state,
            num_threads=1,
        )
        model.fit(confidence.tocsr(), show_progress=False)
        factors = np.asarray(model.item_factors, dtype=np.float32)
        if not np.isfinite(factors).all():
            raise ValueError("ALS produced non-finite item factors; lower alpha or raise regularization")
        self._item_factors = factors

    def user_factor(self, history: np.ndarray) -> np.ndarray:
        """Least-squares user factor for a dense (n_items,) weight vector; shape (factors,)."""
        y = self._item_factors  # (n_items, f)
        idx = np.flatnonzero(history > 0)
        conf = 1.0 + self.alpha * history[idx]  # (m,)
        yi = y[idx]  # (m, f)
        a = y.T @ y + (yi.T * (conf - 1.0)) @ yi + self.regularization * np.eye(y.shape[1])
        b = yi.T @ conf
        return np.linalg.solve(a.astype(np.float64), b.astype(np.float64)).astype(np.float32)

    def _scores(self, history: np.ndarray) -> np.ndarray:
        return self._item_factors @ self.user_factor(history)

    def _similar(self, idx: int) -> np.ndarray:
        y = self._item_factors
        norms = np.linalg.norm(y, axis=1) + 1e-9
        return (y @ y[idx]) / (norms * norms[idx])

    def _params(self) -> dict[str, Any]:
        return {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
            "random_state": self.random_state,
        }

    def _arrays(self) -> dict[str, np.ndarray]:
        return {"item_factors": self._item_factors}

    def _restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        self._item_factors = arrays["item_factors"]
