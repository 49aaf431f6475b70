"""A tiny BEIR-format folder (30 documents, 12 judged queries) for the loader and search-eval tests.

Ten topics of three documents each; every query asks for one topic in other words and judges one
or two of its documents relevant, so BM25 and the text encoder can both find them. Invented text.
"""

from __future__ import annotations

import json
from pathlib import Path

TOPICS = {
    "coffee": ("Espresso machine descaling", "Grinding coffee beans for pour-over", "Cold brew coffee ratios"),
    "running": ("Marathon training plan", "Choosing trail running shoes", "Recovery after a long run"),
    "garden": ("Growing tomatoes on a balcony", "Composting kitchen waste", "Pruning roses in spring"),
    "bread": ("Sourdough starter feeding", "Baking rye bread", "Kneading pizza dough by hand"),
    "cycling": ("Fixing a flat bicycle tyre", "Road bike gear ratios", "Commuting by bike in winter"),
    "sleep": ("Sleep hygiene for shift workers", "Melatonin and jet lag", "Naps and afternoon alertness"),
    "birds": ("Feeding garden birds in winter", "Identifying owls by their calls", "Swallow migration routes"),
    "stars": ("Finding the north star", "Observing the moon with binoculars", "Meteor showers of the year"),
    "chess": ("Chess openings for beginners", "Endgames with king and pawn", "Tactics: forks and pins"),
    "tea": ("Brewing green tea at the right temperature", "Oolong tea oxidation", "Chai spices and milk tea"),
}
QUERIES = {
    "1": ("how to descale an espresso machine", {"coffee-0": 1}),
    "2": ("cold brew coffee recipe ratio", {"coffee-2": 1, "coffee-1": 1}),
    "3": ("shoes for trail running", {"running-1": 1}),
    "4": ("marathon training schedule", {"running-0": 1, "running-2": 1}),
    "5": ("grow tomatoes on a balcony", {"garden-0": 1}),
    "6": ("sourdough starter", {"bread-0": 1}),
    "7": ("repair flat tyre on a bicycle", {"cycling-0": 1}),
    "8": ("jet lag melatonin", {"sleep-1": 1}),
    "9": ("owl calls identification", {"birds-1": 1}),
    "10": ("meteor shower dates", {"stars-2": 1}),
    "11": ("king and pawn chess endgames", {"chess-1": 1}),
    "12": ("green tea brewing temperature", {"tea-0": 2, "tea-1": 1}),
}


def corpus_rows() -> list[dict[str, object]]:
    return [
        {
            "_id": f"{topic}-{i}",
            "title": title,
            "text": f"{title}. A short note about {topic}: {title.lower()}, explained step by step.",
            "metadata": {},
        }
        for topic, titles in TOPICS.items()
        for i, title in enumerate(titles)
    ]


def write_tiny_beir(root: Path, *, split_qrels: bool = False) -> Path:
    """Write the folder under root/'tiny' and return it; split_qrels puts queries 11-12 in qrels/dev.tsv."""
    folder = root / "tiny"
    (folder / "qrels").mkdir(parents=True, exist_ok=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for row in corpus_rows():
            fh.write(json.dumps(row) + "\n")
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as fh:
        for query_id, (text, _) in QUERIES.items():
            fh.write(json.dumps({"_id": query_id, "text": text, "metadata": {}}) + "\n")
    files = {"train": [q for q in QUERIES if not split_qrels or int(q) <= 10]}
    if split_qrels:
        files["dev"] = [q for q in QUERIES if int(q) > 10]
    for split, query_ids in files.items():
        with open(folder / "qrels" / f"{split}.tsv", "w", encoding="utf-8") as fh:
            fh.write("query-id\tcorpus-id\tscore\n")
            for query_id in query_ids:
                for doc_id, grade in QUERIES[query_id][1].items():
                    fh.write(f"{query_id}\t{doc_id}\t{grade}\n")
    return folder
