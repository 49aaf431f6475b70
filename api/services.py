"""What the API holds for its lifetime: the ES client, the encoder, the models and each endpoint's pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from elasticsearch import Elasticsearch

from api.circuit_breaker import CircuitBreaker
from api.engine import make_client, serving_breaker
from api.fallback import PopularCache
from api.settings import Settings
from indexer.embedding import TextEncoder
from indexer.impression_writer import ImpressionWriter
from indexer.mappings import IndexNames
from indexer.spool import EventSpool, SpoolReplayer, claim_spool, deliver_events
from ranking.models import CF, RANKER, TOWERS, load_cf, load_ranker, load_towers
from ranking.personal import UserContext
from ranking.pipeline import Pipeline
from ranking.ranker import ModelRanker
from ranking.registry import HotModel, ModelRegistry
from ranking.rerank import MMRReranker
from ranking.retrieval import CategorySpreadReranker, FeedRetriever, HybridRetriever, PopularRetriever
from ranking.stages import NoopRanker, NoopReranker, Ranker, Reranker
from ranking.vector_store import item_vector_store, text_vector_store


@dataclass
class Services:
    settings: Settings
    es: Elasticsearch
    names: IndexNames
    encoder: TextEncoder
    registry: ModelRegistry
    towers: HotModel[Any]
    cf: HotModel[Any]
    ranker: HotModel[Any]
    users: UserContext
    search: Pipeline
    feed: Pipeline
    cold_start_feed: Pipeline
    popular: PopularCache
    spool: EventSpool
    replayer: SpoolReplayer
    impressions: ImpressionWriter

    @property
    def breaker(self) -> CircuitBreaker | None:
        """The client's circuit breaker; None for a client built without one (`make_client`)."""
        return getattr(self.es.transport, "breaker", None)

    def engine_url(self) -> str:
        """The engine's address, for messages (never credentials: only scheme, host and port)."""
        nodes = self.es.transport.node_pool.all()
        return str(nodes[0].base_url) if nodes else "?"


def build_services(
    settings: Settings, *, es: Elasticsearch | None = None, encoder: TextEncoder | None = None
) -> Services:
    """Wire the stages from settings. `es`/`encoder` may be passed in to share them (tests, CLI)."""
    es = es or make_client(settings, breaker=serving_breaker(settings))
    encoder = encoder or TextEncoder(settings.embedding_model, batch_size=settings.indexer.embed_batch_size)
    names = IndexNames(settings.index_prefix)
    registry = ModelRegistry(settings.models_dir)
    towers: HotModel[Any] = HotModel(registry, TOWERS, load_towers, check_every_s=settings.model_check_every_s)
    cf: HotModel[Any] = HotModel(registry, CF, load_cf, check_every_s=settings.model_check_every_s)
    ranker_model: HotModel[Any] = HotModel(
        registry,
        RANKER,
        partial(load_ranker, compile_trees=settings.ranker.compile),
        check_every_s=settings.model_check_every_s,
    )
    ranker: Ranker = ModelRanker(ranker_model.get) if settings.ranker.kind != "none" else NoopRanker()
    reranker: Reranker = MMRReranker(settings.rerank) if settings.rerank.kind != "none" else NoopReranker()
    cfg = settings.retrieval
    cold_start_feed = Pipeline(PopularRetriever(es, names.items, cfg), reranker=CategorySpreadReranker())
    texts = text_vector_store(es, names.items, cfg)
    vectors = item_vector_store(es, names.items, cfg)  # one for both pipelines
    spool = claim_spool(
        settings.spool_dir,
        recover_chunk=settings.indexer.bulk_chunk_size,
        resend_window_s=settings.spool_resend_window_s,
        max_bytes=settings.spool_max_bytes or None,  # 0: no cap
    )
    deliver = partial(deliver_events, es, names, cfg=settings.indexer, interactions=settings.interactions)
    return Services(
        settings=settings,
        es=es,
        names=names,
        encoder=encoder,
        registry=registry,
        towers=towers,
        cf=cf,
        ranker=ranker_model,
        users=UserContext(
            es, names.users, names.items, towers.get, cfg, settings.interactions, cf=cf.get, text_vectors=texts
        ),
        search=Pipeline(HybridRetriever(es, names.items, encoder, cfg, texts, vectors), ranker, reranker),
        feed=Pipeline(FeedRetriever(es, names.items, cfg, texts, vectors), ranker, reranker),
        cold_start_feed=cold_start_feed,
        popular=PopularCache(cold_start_feed, cfg.candidates, settings.popular_cache_refresh_s),
        spool=spool,
        replayer=SpoolReplayer(spool, deliver, max_backoff_s=settings.spool_max_backoff_s),
        impressions=ImpressionWriter(es, names, settings.indexer, flush_s=settings.impression_flush_s),
    )
