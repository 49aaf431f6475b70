"""What the API holds for its lifetime: the ES client, the encoder and each endpoint's pipeline."""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch import Elasticsearch

from api.engine import make_client
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.mappings import IndexNames
from ranking.pipeline import Pipeline
from ranking.retrieval import CategorySpreadReranker, HybridRetriever, PopularRetriever


@dataclass
class Services:
    settings: Settings
    es: Elasticsearch
    names: IndexNames
    encoder: TextEncoder
    search: Pipeline
    cold_start_feed: Pipeline


def build_services(settings: Settings, *, es: Elasticsearch | None = None, encoder: TextEncoder | None = None) -> Services:
    """Wire the stages from settings. `es`/`encoder` may be passed in to share them (tests, CLI)."""
    es = es or make_client(settings)
    encoder = encoder or TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
    names = IndexNames(settings.index_prefix)
    return Services(
        settings=settings,
        es=es,
        names=names,
        encoder=encoder,
        search=Pipeline(HybridRetriever(es, names.items, encoder, settings.retrieval)),
        cold_start_feed=Pipeline(PopularRetriever(es, names.items, settings.retrieval), reranker=CategorySpreadReranker()),
    )
