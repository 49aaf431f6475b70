"""The one settings object. Every value comes from the environment (or a .env file).

Nested stage settings use `__`, e.g. `TANDEM_RETRIEVAL__CANDIDATES=200`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from indexer.config import IndexerConfig
from ranking.config import KNN_SCORE_TO_LOGIT, RankerConfig, RerankConfig, RetrievalConfig
from ranking.interactions import InteractionConfig
from ranking.two_tower import TowerConfig


class Settings(BaseSettings):
    """Tandem's configuration; see README 'Configuration' for the environment variables."""

    model_config = SettingsConfigDict(
        env_prefix="TANDEM_", env_nested_delimiter="__", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    elasticsearch_url: str | None = Field(
        None,
        validation_alias=AliasChoices("ELASTICSEARCH_URL", "TANDEM_ELASTICSEARCH_URL"),
        description="ES endpoint. Default: the local dev engine that `tandem up` started.",
    )
    elasticsearch_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ELASTICSEARCH_API_KEY", "TANDEM_ELASTICSEARCH_API_KEY")
    )
    elasticsearch_username: str | None = Field(
        None, validation_alias=AliasChoices("ELASTICSEARCH_USERNAME", "TANDEM_ELASTICSEARCH_USERNAME")
    )
    elasticsearch_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ELASTICSEARCH_PASSWORD", "TANDEM_ELASTICSEARCH_PASSWORD")
    )
    elasticsearch_ca_certs: Path | None = Field(
        None, validation_alias=AliasChoices("ELASTICSEARCH_CA_CERTS", "TANDEM_ELASTICSEARCH_CA_CERTS")
    )
    elasticsearch_timeout_s: float = Field(5.0, gt=0, description="Per-request ES timeout. Default 5 s.")
    elasticsearch_max_retries: int = Field(
        1,
        ge=0,
        description="Retries of a request on a connection error (never on a timeout), so a dead engine fails "
        "fast. Default 1.",
    )
    elasticsearch_breaker_timeouts: int = Field(
        3,
        ge=0,
        description="Timeouts in a row after which the API stops calling a hung engine for a while (circuit "
        "breaker; its calls then fail at once, as if it were down). 0 = off. Default 3.",
    )
    elasticsearch_breaker_open_s: float = Field(
        5.0, gt=0, description="How long the breaker stays open before one probe call is let through. Default 5 s."
    )
    spool_max_backoff_s: float = Field(
        30.0, gt=0, description="Longest wait between replays of spooled events while the engine is down. Default 30 s."
    )
    spool_resend_window_s: float = Field(
        10.0,
        ge=0,
        description="Events stored this recently before an engine outage are sent again after it (an engine "
        "that crashed may lose writes it acknowledged; repeats are duplicates). Default 10 s.",
    )
    spool_max_bytes: int = Field(
        1 << 30,
        ge=0,
        description="Cap on the event spool's backlog, in bytes (~5 million events per GiB), so a long outage "
        "cannot fill the disk: past it, new events answer 503 spool_full and are not acknowledged. 0 = no cap. "
        "Default 1 GiB.",
    )
    popular_cache_refresh_s: float = Field(
        60.0, gt=0, description="How often the feed's fallback list (cold-start/popular) is refreshed. Default 60 s."
    )
    index_prefix: str = Field("", pattern=r"^[a-z0-9_.-]*$", description="Prefix of every index name. Default ''.")
    embedding_model: str = Field("all-MiniLM-L6-v2", description="sentence-transformers name or path.")
    data_dir: Path = Field(Path(".tandem"), description="Local state: dev engine data, reports, models.")
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    workers: int = Field(
        1, ge=1, description="API processes `tandem serve` starts (uvicorn workers; one per free core). Default 1."
    )
    api_key: SecretStr | None = Field(None, description="When set, writes need it (Bearer or X-API-Key).")
    protect_reads: bool = Field(
        False, description="Reads (search, suggest, feed, items) need the API key too. Needs api_key. Default off."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser, comma-separated ('*' for any). "
        "Default none: no CORS headers.",
    )
    max_body_bytes: int = Field(1 << 20, ge=1, description="Larger request bodies get 413. Default 1 MiB.")
    max_url_bytes: int = Field(8 << 10, ge=256, description="Longer path + query string get 414. Default 8 KiB.")
    max_header_bytes: int = Field(16 << 10, ge=1024, description="More header bytes get 431. Default 16 KiB.")
    indexer: IndexerConfig = Field(default_factory=IndexerConfig)
    retrieval: RetrievalConfig = Field(default_factory=RetrievalConfig)
    interactions: InteractionConfig = Field(default_factory=InteractionConfig)
    towers: TowerConfig = Field(default_factory=TowerConfig)
    ranker: RankerConfig = Field(default_factory=RankerConfig)
    rerank: RerankConfig = Field(default_factory=RerankConfig)
    cf_source: Literal["swing", "itemcf", "none"] = Field(
        "swing",
        description="Item-to-item neighbours trained by `tandem train` and used as a feed source. Default swing.",
    )
    log_impressions: bool = Field(
        True, description="Log what /search and /feed showed, with feature rows, for ranker training. Default on."
    )
    impression_flush_s: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Impressions are buffered and written in bulk this often (sooner once 1000 more arrive), by one "
        "background thread. Default 1 s.",
    )
    log_searches: bool = Field(
        True, description="Log one analytics document per /search (query, results, lexical hits, time). Default on."
    )
    models_dir: Path = Field(Path("models"), description="Versioned models: models/<version>/ and models/CURRENT.")
    model_check_every_s: float = Field(
        5.0, gt=0, description="How often the API looks for a new model version. Default 5 s."
    )
    kibana_url: str = Field(
        "http://localhost:5601",
        validation_alias=AliasChoices("KIBANA_URL", "TANDEM_KIBANA_URL"),
        description="Kibana for `tandem kibana setup`. Default http://localhost:5601.",
    )
    kibana_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("KIBANA_API_KEY", "TANDEM_KIBANA_API_KEY")
    )
    kibana_username: str | None = Field(
        None, validation_alias=AliasChoices("KIBANA_USERNAME", "TANDEM_KIBANA_USERNAME")
    )
    kibana_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("KIBANA_PASSWORD", "TANDEM_KIBANA_PASSWORD")
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """TANDEM_CORS_ORIGINS=https://a.example,https://b.example (a plain list is taken as is)."""
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _knn_weight_follows_temperature(self) -> Self:
        """The feed's user-kNN boost turns ES's kNN score into the towers' logit, so it follows their
        temperature unless set on its own (see RetrievalConfig.knn_user_weight)."""
        if "knn_user_weight" not in self.retrieval.model_fields_set:
            self.retrieval.knn_user_weight = KNN_SCORE_TO_LOGIT / self.towers.temperature
        return self

    @model_validator(mode="after")
    def _reads_need_a_key(self) -> Self:
        if self.protect_reads and self.api_key is None:
            raise ValueError("protect_reads needs api_key (TANDEM_API_KEY): there is no key to check reads against")
        return self

    @property
    def engine_dir(self) -> Path:
        return self.data_dir / "engine"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def spool_dir(self) -> Path:
        """Events accepted but maybe not yet in Elasticsearch: one write-ahead file per API process
        (indexer/spool.py)."""
        return self.data_dir / "spool"
