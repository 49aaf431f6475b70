"""The trained components a model version holds, and how each is loaded for serving."""

from __future__ import annotations

from pathlib import Path

from ranking.cf import CandidateSource, ItemCF, Swing
from ranking.ranker import LightGBMRanker
from ranking.registry import ModelRegistry
from ranking.two_tower import Towers, load_towers

TOWERS = "towers"
CF = "cf"
RANKER = "ranker"
COMPONENTS = (TOWERS, CF, RANKER)
CF_SOURCES: dict[str, type[CandidateSource]] = {"swing": Swing, "itemcf": ItemCF}


def load_ranker(path: Path, *, compile_trees: bool = True) -> LightGBMRanker:
    """Loader for HotModel: refuses (FeatureMismatchError) a ranker trained on other features,
    so serving keeps the previous ranker or retrieval order. With `compile_trees` the trees are
    compiled in the background (`LightGBMRanker.compile`): loading stays as fast as before."""
    ranker = LightGBMRanker.load(path)
    if compile_trees:
        ranker.compile(background=True)
    return ranker


def save_cf(model: CandidateSource, source: str, path: Path) -> None:
    model.save(path)
    (path / "source.txt").write_text(source + "\n")


def load_cf(path: Path) -> CandidateSource:
    """Loader for HotModel: the cf component (Swing or ItemCF, as saved)."""
    source = (path / "source.txt").read_text().strip()
    return CF_SOURCES[source].load(path)


def current_towers(registry: ModelRegistry) -> Towers | None:
    """The published two-tower model, or None before the first training."""
    current = registry.current_dir()
    if current is None or not (current / TOWERS).is_dir():
        return None
    return load_towers(current / TOWERS)
