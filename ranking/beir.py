"""BEIR-format retrieval data sets as a Tandem catalog, queries, judgements and search-click events.

A BEIR folder (Thakur et al. 2021) holds:

- `corpus.jsonl`: one document per line, `{"_id", "title", "text", "metadata"}`;
- `queries.jsonl`: one query per line, `{"_id", "text", "metadata"}`;
- `qrels/<split>.tsv`: a header row, then `query-id <TAB> corpus-id <TAB> score` (a grade; 0 means
  judged not relevant).

(`.gz` versions of the JSONL files are read too.) Documents become catalog rows
(`id`, `title`, `description` = the text); a document without a title is titled by the start of its
text, because the catalog requires one. Judgements of the training queries become the click events
a search log would hold: the user `q-<query id>` searched the query's text and clicked each judged
document, so the ranker learns from them exactly as it would from imported search clicks.

Queries are split into train and held-out at random but seeded (`split_queries`): BEIR's SciFact and
NFCorpus folders here carry only their train (and dev) judgements, and a seeded split of the judged
queries is the one split every method can share. The default holds out 25%.
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

USER_PREFIX = "q-"
REQUEST_PREFIX = "beir-"
EVENTS_START = 1_704_067_200  # 2024-01-01T00:00:00Z: imported clicks get increasing times from here
UNTITLED_CHARS = 120


@dataclass(frozen=True)
class BeirDataset:
    """One BEIR folder in memory.

    Attributes:
        name: the folder's name, e.g. 'scifact-dev'.
        items: catalog rows `{"id", "title", "description"}`, in corpus order.
        queries: query id -> query text.
        qrels: split name (the file stem, e.g. 'train') -> query id -> corpus id -> grade.
    """

    name: str
    items: list[dict[str, Any]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, dict[str, int]]]

    def judgements(self, splits: Collection[str] | None = None) -> dict[str, dict[str, int]]:
        """Positive judgements of the given qrels splits (default: all), merged per query.

        Only grades > 0 count as relevant; a document judged in two splits keeps its highest
        grade. Queries without text and documents missing from the corpus are left out, so
        every query returned has something findable.

        Returns:
            query id -> {corpus id: grade > 0}, queries in id order.

        Raises:
            ValueError: if `splits` names a split the folder does not have.
        """
        names = sorted(self.qrels) if splits is None else list(splits)
        unknown = sorted(set(names) - set(self.qrels))
        if unknown:
            raise ValueError(f"splits: no qrels split {unknown} in {self.name}; found {sorted(self.qrels)}")
        corpus = {item["id"] for item in self.items}
        merged: dict[str, dict[str, int]] = {}
        for split in names:
            for query_id, docs in self.qrels[split].items():
                if query_id not in self.queries:
                    continue
                for doc_id, grade in docs.items():
                    if grade > 0 and doc_id in corpus:
                        found = merged.setdefault(query_id, {})
                        found[doc_id] = max(grade, found.get(doc_id, 0))
        return {query_id: merged[query_id] for query_id in sorted(merged)}


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return open(path, encoding="utf-8")


def _find(folder: Path, stem: str) -> Path:
    for name in (f"{stem}.jsonl", f"{stem}.jsonl.gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(f"{folder}: no {stem}.jsonl (or .jsonl.gz); is this a BEIR folder?")


def _json_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with _open_text(path) as fh:
        for line_number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{line_number}: not JSON: {exc.msg}") from exc
            if not isinstance(row, dict) or row.get("_id") in (None, ""):
                raise ValueError(f"{path}:{line_number}: _id: is required")
            yield line_number, row


def _title(row: Mapping[str, Any]) -> str:
    title = str(row.get("title") or "").strip()
    if title:
        return title
    text = " ".join(str(row.get("text") or "").split())
    return text[:UNTITLED_CHARS] or str(row["_id"])


def read_corpus(path: Path) -> list[dict[str, Any]]:
    """Corpus documents as catalog rows, in file order.

    Raises:
        ValueError: naming file and line, for a row that is not JSON, has no `_id`, or repeats one.
    """
    items: list[dict[str, Any]] = []
    first: dict[str, int] = {}
    for line_number, row in _json_lines(path):
        item_id = str(row["_id"])
        if item_id in first:
            raise ValueError(f"{path}:{line_number}: _id: duplicate {item_id!r} (first on line {first[item_id]})")
        first[item_id] = line_number
        item = {"id": item_id, "title": _title(row)}
        text = str(row.get("text") or "").strip()
        if text:
            item["description"] = text
        items.append(item)
    return items


def read_queries(path: Path) -> dict[str, str]:
    """Query id -> text; queries with empty text are skipped (nothing to search for).

    Raises:
        ValueError: naming file and line, for a row that is not JSON or has no `_id`.
    """
    queries: dict[str, str] = {}
    for _line, row in _json_lines(path):
        text = " ".join(str(row.get("text") or "").split())
        if text:
            queries[str(row["_id"])] = text
    return queries


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    """query id -> corpus id -> grade, from a BEIR qrels TSV (a header row is skipped).

    Raises:
        ValueError: naming file and line, for a row without three columns or with a non-integer grade.
    """
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for line_number, row in enumerate(csv.reader(fh, delimiter="\t"), start=1):
            if not row or not "".join(row).strip():
                continue
            if line_number == 1 and row[0].strip().lower() in ("query-id", "query_id", "qid"):
                continue
            if len(row) < 3:
                raise ValueError(f"{path}:{line_number}: expected query-id, corpus-id, score; got {row!r}")
            try:
                grade = int(float(row[2]))
            except ValueError as exc:
                raise ValueError(f"{path}:{line_number}: score: not a number: {row[2]!r}") from exc
            qrels.setdefault(row[0].strip(), {})[row[1].strip()] = grade
    return qrels


def load_beir(folder: str | Path) -> BeirDataset:
    """Read a BEIR folder: corpus, queries and every `qrels/*.tsv` split.

    Raises:
        FileNotFoundError: no corpus/queries file, or no qrels split.
        ValueError: a malformed row (file and line named).

    Example:
        >>> data = load_beir("../shared/data/scifact-dev")  # doctest: +SKIP
        >>> len(data.items), len(data.judgements(["train"]))  # doctest: +SKIP
        (5183, 809)
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    splits = sorted((root / "qrels").glob("*.tsv"))
    if not splits:
        raise FileNotFoundError(f"{root}: no qrels/*.tsv judgements")
    return BeirDataset(
        name=root.name,
        items=read_corpus(_find(root, "corpus")),
        queries=read_queries(_find(root, "queries")),
        qrels={path.stem: read_qrels(path) for path in splits},
    )


def write_catalog(items: Sequence[Mapping[str, Any]], path: str | Path) -> Path:
    """Write catalog rows as JSONL (the catalog format `tandem index` reads). Returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return out


@dataclass(frozen=True)
class QuerySplit:
    """Query ids for training the ranker and for judging it; disjoint, each sorted."""

    train: list[str]
    held_out: list[str]


def split_queries(query_ids: Collection[str], held_out: float = 0.25, seed: int = 0) -> QuerySplit:
    """A seeded random split of queries into train and held-out.

    The ids are sorted first, so the split depends only on the set of ids and the seed. At least
    one query lands on each side when there are two or more.

    Args:
        query_ids: the judged queries.
        held_out: share held out, in (0, 1). Default 0.25.
        seed: shuffle seed. Default 0.

    Raises:
        ValueError: if `held_out` is not in (0, 1).

    Example:
        >>> split = split_queries([str(i) for i in range(8)], held_out=0.25, seed=0)
        >>> len(split.train), len(split.held_out)
        (6, 2)
    """
    if not 0 < held_out < 1:
        raise ValueError(f"held_out must be in (0, 1), got {held_out}")
    ids = sorted(set(query_ids))
    random.Random(seed).shuffle(ids)
    n_held = round(len(ids) * held_out)
    if len(ids) >= 2:
        n_held = min(max(n_held, 1), len(ids) - 1)
    return QuerySplit(train=sorted(ids[n_held:]), held_out=sorted(ids[:n_held]))


def judgements_to_events(
    queries: Mapping[str, str],
    judgements: Mapping[str, Mapping[str, int]],
    query_ids: Sequence[str] | None = None,
    *,
    start: float = EVENTS_START,
) -> list[dict[str, Any]]:
    """Judgements as the search-click events a log would hold (DESIGN.md's events format).

    Each query is one search by its own user `q-<query id>`, logged as request `beir-<query id>`;
    each relevant document (grade > 0) is a `click` carrying the query's text. Graded relevance
    (NFCorpus's 1 and 2) collapses to a click: a search log records what was clicked, not how
    relevant it was. No `position`: the log holds no impressions, so training replays the query
    (ranking/replay.py). Times increase by one second per event from `start`, queries in the order
    given (default: id order).

    Args:
        queries: query id -> text.
        judgements: query id -> corpus id -> grade.
        query_ids: which queries to convert (default: every judged query with text).
        start: epoch seconds of the first event.

    Raises:
        KeyError: a query id without text in `queries`.

    Example:
        >>> events = judgements_to_events({"7": "red shoes"}, {"7": {"d1": 1, "d2": 0}})
        >>> [(e["user_id"], e["item_id"], e["type"], e["query"]) for e in events]
        [('q-7', 'd1', 'click', 'red shoes')]
    """
    ids = sorted(judgements) if query_ids is None else list(query_ids)
    events: list[dict[str, Any]] = []
    for query_id in ids:
        text = queries[query_id]
        for doc_id, grade in sorted(judgements.get(query_id, {}).items()):
            if grade <= 0:
                continue
            events.append(
                {
                    "user_id": f"{USER_PREFIX}{query_id}",
                    "item_id": doc_id,
                    "type": "click",
                    "timestamp": int(start) + len(events),
                    "query": text,
                    "request_id": f"{REQUEST_PREFIX}{query_id}",
                }
            )
    return events
