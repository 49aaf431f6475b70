"""BEIR loader: documents become catalog rows, judgements clicks, and the query split is seeded and disjoint."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from indexer.catalog import validate_item
from indexer.events import validate_event
from ranking.beir import judgements_to_events, load_beir, split_queries, write_catalog
from tests.beir_tiny import QUERIES, TOPICS, write_tiny_beir
from tests.conftest import SHARED_DATA


def test_load_reads_corpus_queries_and_every_qrels_split(tmp_path: Path) -> None:
    data = load_beir(write_tiny_beir(tmp_path, split_qrels=True))
    assert data.name == "tiny"
    assert len(data.items) == 3 * len(TOPICS)
    assert data.items[0] == {
        "id": "coffee-0",
        "title": "Espresso machine descaling",
        "description": "Espresso machine descaling. A short note about coffee: espresso machine descaling, "
        "explained step by step.",
    }
    assert data.queries["3"] == "shoes for trail running"
    assert set(data.qrels) == {"train", "dev"}
    assert data.qrels["dev"]["12"] == {"tea-0": 2, "tea-1": 1}
    assert set(data.judgements(["train"])) == {str(q) for q in range(1, 11)}
    assert set(data.judgements()) == set(QUERIES)


def test_judgements_keep_positive_findable_pairs_and_the_best_grade(tmp_path: Path) -> None:
    folder = write_tiny_beir(tmp_path, split_qrels=True)
    with open(folder / "qrels" / "dev.tsv", "a", encoding="utf-8") as fh:
        fh.write("1\tcoffee-0\t2\n")  # a second, higher grade for a train pair
        fh.write("1\tcoffee-1\t0\n")  # judged not relevant
        fh.write("1\tno-such-doc\t1\n")  # not in the corpus
        fh.write("99\tcoffee-2\t1\n")  # no such query
    judged = load_beir(folder).judgements()
    assert judged["1"] == {"coffee-0": 2}
    assert "99" not in judged
    with pytest.raises(ValueError, match="splits: no qrels split"):
        load_beir(folder).judgements(["test"])


def test_untitled_documents_are_titled_by_their_text_and_gz_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "gz"
    (folder / "qrels").mkdir(parents=True)
    with gzip.open(folder / "corpus.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps({"_id": 5, "title": "", "text": "  Vitamin D and   bone density. More text."}) + "\n")
    (folder / "queries.jsonl").write_text(json.dumps({"_id": "q", "text": "vitamin d"}) + "\n")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq\t5\t1\n")
    data = load_beir(folder)
    assert data.items == [
        {
            "id": "5",
            "title": "Vitamin D and bone density. More text.",
            "description": "Vitamin D and   bone density. More text.",
        }
    ]
    assert data.judgements() == {"q": {"5": 1}}


def test_malformed_files_name_file_and_line(tmp_path: Path) -> None:
    folder = write_tiny_beir(tmp_path)
    with open(folder / "corpus.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"_id": "coffee-0", "title": "again"}) + "\n")
    with pytest.raises(ValueError, match=r"corpus.jsonl:31: _id: duplicate 'coffee-0' \(first on line 1\)"):
        load_beir(folder)
    folder = write_tiny_beir(tmp_path / "b")
    (folder / "qrels" / "train.tsv").write_text("query-id\tcorpus-id\tscore\n1\tcoffee-0\thigh\n")
    with pytest.raises(ValueError, match=r"train.tsv:2: score: not a number"):
        load_beir(folder)
    with pytest.raises(FileNotFoundError, match="no qrels"):
        (folder / "qrels" / "train.tsv").unlink()
        load_beir(folder)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_beir(tmp_path / "missing")


def test_catalog_rows_pass_the_indexer_validation(tmp_path: Path) -> None:
    data = load_beir(write_tiny_beir(tmp_path))
    path = write_catalog(data.items, tmp_path / "out" / "catalog.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows == data.items
    assert all(validate_item(row)["id"] == row["id"] for row in rows)


def test_split_is_seeded_disjoint_and_covers_every_query() -> None:
    ids = [str(i) for i in range(100)]
    split = split_queries(ids, held_out=0.25, seed=3)
    assert len(split.held_out) == 25 and len(split.train) == 75
    assert set(split.train) | set(split.held_out) == set(ids) and not set(split.train) & set(split.held_out)
    assert split == split_queries(list(reversed(ids)), held_out=0.25, seed=3)  # input order does not matter
    assert split != split_queries(ids, held_out=0.25, seed=4)
    tiny = split_queries(["a", "b"], held_out=0.01)
    assert len(tiny.train) == 1 and len(tiny.held_out) == 1
    with pytest.raises(ValueError, match="held_out must be in"):
        split_queries(ids, held_out=1.0)


def test_train_judgements_become_valid_click_events_with_their_query(tmp_path: Path) -> None:
    data = load_beir(write_tiny_beir(tmp_path))
    judged = data.judgements()
    events = judgements_to_events(data.queries, judged, ["4", "12"])
    assert [(e["user_id"], e["item_id"], e["type"], e["query"], e["request_id"]) for e in events] == [
        ("q-4", "running-0", "click", "marathon training schedule", "beir-4"),
        ("q-4", "running-2", "click", "marathon training schedule", "beir-4"),
        ("q-12", "tea-0", "click", "green tea brewing temperature", "beir-12"),
        ("q-12", "tea-1", "click", "green tea brewing temperature", "beir-12"),
    ]
    assert [e["timestamp"] for e in events] == sorted({e["timestamp"] for e in events})
    assert all("position" not in e for e in events)  # no impressions in the log
    stored = [validate_event(e) for e in events]  # what `tandem events import` accepts
    assert {s["query"] for s in stored} == {"marathon training schedule", "green tea brewing temperature"}


@pytest.mark.slow
@pytest.mark.skipif(not (SHARED_DATA / "scifact-dev").exists(), reason="../shared/data/scifact-dev not present")
def test_scifact_loads() -> None:
    data = load_beir(SHARED_DATA / "scifact-dev")
    assert len(data.items) == 5183 and len(data.judgements()) == 809
    split = split_queries(data.judgements(), held_out=0.25, seed=0)
    assert (len(split.train), len(split.held_out)) == (607, 202)
