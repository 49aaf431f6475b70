from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from api.main import create_app
from api.services import build_services
from api.settings import Settings
from indexer.config import IndexerConfig
from indexer.embedding import TextEncoder
from indexer.load import index_catalog
from indexer.mappings import IndexNames


@pytest.fixture
def settings(es_url: str, names: IndexNames, tmp_path: Path) -> Settings:
    return Settings(
        elasticsearch_url=es_url,
        index_prefix=names.prefix,
        data_dir=tmp_path / "state",
        models_dir=tmp_path / "models",  # never the working tree's models/
        _env_file=None,
    )


@pytest.fixture
def client(
    settings: Settings, es: Elasticsearch, encoder: TextEncoder, names: IndexNames, catalog_path: Path
) -> Iterator[TestClient]:
    """The real app over the real engine, with the small test catalog indexed."""
    index_catalog(es, str(catalog_path), encoder, names, IndexerConfig(), progress=False)
    app = create_app(settings, services=build_services(settings, es=es, encoder=encoder))
    with TestClient(app) as test_client:
        yield test_client
