"""Versioned models on disk: `models/<version>/` with a manifest.json, and a CURRENT pointer.

`tandem train` writes a new version directory, then publishes it by atomically replacing
CURRENT; the API notices the change (checked at most every `check_every_s`) and loads the new
version without a restart. A version holds every model of that run in sub-directories
(`towers/`, ...); components not retrained are carried over from the previous version.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from ranking.errors import ModelLoadError

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ModelRegistry:
    """Model versions under `root`.

    Example:
        >>> registry = ModelRegistry(Path("models"))  # doctest: +SKIP
        >>> work = registry.new_version()  # doctest: +SKIP
        >>> registry.publish(work, {"towers": {"metrics": {...}}})  # doctest: +SKIP
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def pointer(self) -> Path:
        return self.root / "CURRENT"

    def current_version(self) -> str | None:
        try:
            version = self.pointer.read_text().strip()
        except FileNotFoundError:
            return None
        return version or None

    def current_dir(self) -> Path | None:
        version = self.current_version()
        return self.root / version if version else None

    def new_version(self) -> Path:
        """A fresh version directory, pre-filled with the current version's components."""
        version = datetime.now(UTC).strftime("v%Y%m%dT%H%M%S%f")
        path = self.root / version
        current = self.current_dir()
        if current is not None and current.is_dir():
            shutil.copytree(current, path, ignore=shutil.ignore_patterns("manifest.json"))
        else:
            path.mkdir(parents=True)
        return path

    def manifest(self, version: str | None = None) -> dict[str, Any]:
        version = version or self.current_version()
        if version is None:
            return {}
        path = self.root / version / "manifest.json"
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, ValueError) as exc:
            raise ModelLoadError(str(path), f"unreadable manifest: {exc}") from exc

    def publish(self, path: Path, components: dict[str, Any]) -> str:
        """Write the manifest (merging components carried over) and point CURRENT at `path`."""
        previous = self.manifest() if self.current_version() else {}
        merged = {**previous.get("components", {}), **components}
        manifest = {"version": path.name, "created_at": datetime.now(UTC).isoformat(), "components": merged}
        (path / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
        tmp = self.root / f".CURRENT.{os.getpid()}"
        tmp.write_text(path.name + "\n")
        os.replace(tmp, self.pointer)  # atomic: readers see the old or the new version, never neither
        logger.info("published model version %s", path.name)
        return path.name


@dataclass(frozen=True)
class Loaded(Generic[T]):
    version: str
    model: T


class HotModel(Generic[T]):
    """Holds the current version of one component, reloading when CURRENT moves.

    A version that fails to load is logged and the previous one kept, so a bad publish never
    takes serving down.
    """

    def __init__(
        self, registry: ModelRegistry, component: str, loader: Callable[[Path], T], *, check_every_s: float = 5.0
    ) -> None:
        self.registry = registry
        self.component = component
        self.loader = loader
        self.check_every_s = check_every_s
        self._loaded: Loaded[T] | None = None
        self._checked_at = float("-inf")
        self._failed_version: str | None = None
        self._lock = threading.Lock()

    def get(self) -> Loaded[T] | None:
        if time.monotonic() - self._checked_at >= self.check_every_s:
            self.refresh()
        return self._loaded

    def refresh(self) -> Loaded[T] | None:
        with self._lock:
            self._checked_at = time.monotonic()
            version = self.registry.current_version()
            if version is None or (self._loaded and self._loaded.version == version) or version == self._failed_version:
                return self._loaded
            path = self.registry.root / version / self.component
            if not path.is_dir():
                return self._loaded
            try:
                self._loaded = Loaded(version, self.loader(path))
                logger.info("loaded %s from model version %s", self.component, version)
            except Exception as exc:  # keep serving the previous version
                self._failed_version = version
                logger.error(
                    "cannot load %s of version %s, keeping %s: %s",
                    self.component,
                    version,
                    self._loaded.version if self._loaded else "none",
                    exc,
                )
            return self._loaded
