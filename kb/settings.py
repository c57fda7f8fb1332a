"""Every setting in one frozen dataclass, read from `KB_*` environment variables or a mapping."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.area_settings import AreaSettings
from kb.errors import ConfigurationError
from kb.index.embeddings import EMBEDDERS
from kb.index.keyword import ENGINES as KEYWORD_INDEXES
from kb.index.vector_stores import STORES as VECTOR_STORES
from kb.search.answers import FLOOR

if TYPE_CHECKING:
    from limits import RateLimitItem

ENV_PREFIX = "KB_"
KEYWORD_ENGINES = tuple(KEYWORD_INDEXES)
# What is rate limited per client address; each has a `<family>_rate_limit` setting.
RATE_LIMITED = ("search", "autocomplete", "vote", "sign_in", "wrong_key", "contact", "lockout")
REDIS_SCHEMES = ("redis", "rediss", "redis+unix")
LOG_FORMATS = ("text", "json")


def _setting(default: Any, help: str) -> Any:
    return dataclasses.field(default=default, metadata={"help": help})


@dataclasses.dataclass(frozen=True)
class Settings(AreaSettings):
    """The knobs an operator can turn, each from `KB_<NAME>`; each area's own (staff sign-in,
    queues, insights, studio, help desks) are in the modules kb/area_settings.py names."""

    content_dir: Path = _setting(Path("content"), "Folder of Markdown articles.")
    data_dir: Path = _setting(
        Path("instance"), "Folder for indexes, the embedding cache and the SQLite database."
    )
    embedder: str = _setting(
        "minilm",
        "Embedding model: `minilm` (all-MiniLM-L6-v2, shipped by a PyPI package, fine-tuned on "
        "the content at full builds; in bfloat16 where the CPU has it, twice as fast), "
        "`minilm-fp32` (the same, always in float32), `minilm-shipped` (never fine-tuned) or "
        "`hashing` (a fast lexical stand-in for tests and demos without the model).",
    )
    fusion: str = _setting(
        "weighted", "How hybrid search fuses keyword and vector hits: `weighted` or `rrf`."
    )
    semantic_weight: float = _setting(
        0.8, "Weight of the vector side in weighted fusion (0 = keyword only, 1 = vector only)."
    )
    keyword_engine: str = _setting(
        "tantivy",
        "Keyword index engine: `tantivy` (fast) or `whoosh` (pure Python). Changing it re-indexes.",
    )
    vector_store: str = _setting(
        "chroma",
        "Vector store for section embeddings: `chroma` (HNSW, embedded or on KB_CHROMA_URL's "
        "server). Changing it re-indexes.",
    )
    rrf_k: int = _setting(60, "The k constant of reciprocal rank fusion.")
    candidates: int = _setting(100, "How many sections each retriever returns before fusion.")
    database_url: str = _setting(
        "",
        "PostgreSQL URL (postgresql://user:password@host/db) for state shared by several nodes; "
        "empty = SQLite in the data folder.",
    )
    chroma_url: str = _setting(
        "", "A chroma server (http://host:port) shared by several nodes; empty = embedded store."
    )
    min_similarity: float = _setting(
        0.15, "Vector hits below this cosine similarity are dropped (so nonsense finds nothing)."
    )
    min_confidence: float = _setting(
        FLOOR,
        "Search says nothing answers when its top result's confidence (the probability that "
        "anything answers the query) is below this (0 to 1); otherwise the top result and those "
        'relevant enough on their own count as found (and in "N articles found"). 0 counts every '
        "match. The default is fitted for all-MiniLM-L6-v2 adapted to the content (README).",
    )
    ef_search: int = _setting(200, "HNSW ef_search of the vector index (higher: better recall).")
    analytics: str = _setting(
        "on", "Record searches and clicks for the analytics dashboard: `on` or `off`."
    )
    analytics_retention_days: int = _setting(
        90, "Days search, click and deflection events are kept (0 = forever)."
    )
    ratelimit_url: str = _setting(
        "",
        "Redis URL (redis://host:port/db) where every worker and node counts rate limits; "
        "empty = each process's memory.",
    )
    search_rate_limit: str = _setting(
        "120 per minute",
        "Searches per client address, the results page, the API and opened-result reports"
        " together (limits syntax).",
    )
    autocomplete_rate_limit: str = _setting(
        "300 per minute", "Autocomplete requests per client address (limits syntax)."
    )
    vote_rate_limit: str = _setting(
        "10 per minute; 200 per day",
        "Article votes, contact-form 'this solved my problem' and suggestion feedback per"
        " client address (limits syntax).",
    )
    sign_in_rate_limit: str = _setting(
        "20 per minute; 200 per hour",
        "Sign-in attempts to the agent, writer and admin pages per client address.",
    )
    wrong_key_rate_limit: str = _setting(
        "10 per minute; 100 per hour",
        "Wrong API keys per client address; past it, that address may try no key at all.",
    )
    contact_rate_limit: str = _setting(
        "5 per minute; 30 per hour",
        "How often one client may send the contact form (limits syntax).",
    )
    site_name: str = _setting("Help Center", "Name shown in the help center's header and titles.")
    proxy_hops: int = _setting(
        0,
        "How many reverse proxies stand in front of the app; their X-Forwarded-For and "
        "X-Forwarded-Proto name the client's address and scheme (0 = none: the headers are "
        "ignored, so a client cannot forge them).",
    )
    smtp_url: str = dataclasses.field(
        default="",
        repr=False,
        metadata={
            "help": "Where e-mail goes: smtp://host:port, smtp+starttls://user:password@host:587 "
            "or smtps://user:password@host:465; empty = no e-mail is sent."
        },
    )
    mail_from: str = _setting(
        "help@localhost", "The From address of the e-mail the help center sends."
    )
    secret_key: str = _setting(
        "", "Signs session cookies and CSRF tokens. Set it in production; empty = random per start."
    )
    log_format: str = _setting(
        "text", "`text` (the access log line and plain messages) or `json`: one JSON object a line."
    )
    metrics_token: str = dataclasses.field(
        default="",
        repr=False,
        metadata={
            "help": "Bearer token Prometheus sends to scrape /metrics (16+ characters); empty = "
            "/metrics is not served."
        },
    )
    api_keys: str = dataclasses.field(
        default="",
        repr=False,
        metadata={
            "help": "Operator API keys as `role:key` pairs, comma separated (roles: agent, "
            "writer, admin). Keys made with `kb keys create` live in the database."
        },
    )
    # Names set explicitly (environment or mapping): they win over the tuned settings file.
    explicit: frozenset[str] = dataclasses.field(
        default=frozenset(), repr=False, compare=False, metadata={"internal": True}
    )

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if not f.metadata.get("internal")]

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> Settings:
        """Build settings from a mapping keyed by upper-case names (`DATA_DIR`) or field names."""
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            if field.metadata.get("internal"):
                continue
            for key in (field.name.upper(), field.name):
                if key in mapping and mapping[key] is not None:
                    values[field.name] = _coerce(field, mapping[key])
                    break
        settings = cls(**values, explicit=frozenset(values))
        settings.validate()
        return settings

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        prefixed = {
            key[len(ENV_PREFIX) :]: value
            for key, value in environ.items()
            if key.startswith(ENV_PREFIX)
        }
        return cls.from_mapping(prefixed)

    def validate(self) -> None:
        if self.fusion not in ("weighted", "rrf"):
            raise ConfigurationError(f"KB_FUSION must be 'weighted' or 'rrf', not {self.fusion!r}")
        if not 0.0 <= self.semantic_weight <= 1.0:
            raise ConfigurationError("KB_SEMANTIC_WEIGHT must be between 0 and 1")
        if not 0.0 <= self.min_confidence <= 1.0:
            raise ConfigurationError("KB_MIN_CONFIDENCE must be between 0 and 1")
        if self.analytics not in ("on", "off"):
            raise ConfigurationError(f"KB_ANALYTICS must be 'on' or 'off', not {self.analytics!r}")
        if self.keyword_engine not in KEYWORD_ENGINES:
            raise ConfigurationError(
                f"KB_KEYWORD_ENGINE must be one of {', '.join(KEYWORD_ENGINES)}, "
                f"not {self.keyword_engine!r}"
            )
        if self.vector_store not in VECTOR_STORES:
            raise ConfigurationError(
                f"KB_VECTOR_STORE must be one of {', '.join(VECTOR_STORES)}, "
                f"not {self.vector_store!r}"
            )
        if self.embedder not in EMBEDDERS:
            raise ConfigurationError(
                f"KB_EMBEDDER must be one of {', '.join(EMBEDDERS)}, not {self.embedder!r}"
            )
        if self.log_format not in LOG_FORMATS:
            raise ConfigurationError(f"KB_LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.metrics_token and len(self.metrics_token) < 16:
            raise ConfigurationError("KB_METRICS_TOKEN must be at least 16 characters (or empty)")
        if not 0 <= self.proxy_hops <= 5:
            raise ConfigurationError("KB_PROXY_HOPS must be a whole number from 0 to 5")
        self.validate_areas(self.smtp_url)
        if self.candidates < 1 or self.rrf_k < 1 or self.ef_search < 1:
            raise ConfigurationError("KB_CANDIDATES, KB_RRF_K and KB_EF_SEARCH must be positive")
        if self.ratelimit_url and self.ratelimit_url.partition("://")[0] not in REDIS_SCHEMES:
            # The URL may carry a password: name its scheme only.
            raise ConfigurationError(
                "KB_RATELIMIT_URL must be a redis:// URL (redis://host:port/db) or empty, not a "
                f"{self.ratelimit_url.partition(':')[0]!r} URL"
            )
        for family in RATE_LIMITED:
            _check_rate_limit(f"{family}_rate_limit", getattr(self, f"{family}_rate_limit"))

    @property
    def tuned_settings_path(self) -> Path:
        return self.data_dir / "settings.json"

    def with_tuned(self) -> Settings:
        """Apply ranking knobs written by `kb eval --tune` to this knowledge base, if any;
        a setting given explicitly (environment, config) still wins."""
        path = self.tuned_settings_path
        if not path.exists():
            return self
        try:
            tuned = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            raise ConfigurationError(f"{path}: not valid JSON ({error})") from error
        allowed = {"fusion", "semantic_weight", "rrf_k"} - self.explicit
        tuned_settings = dataclasses.replace(
            self,
            **{key: _coerce_name(key, value) for key, value in tuned.items() if key in allowed},
        )
        tuned_settings.validate()
        return tuned_settings


def parse_rate_limit(value: str) -> list[RateLimitItem]:
    """The limits of a setting such as "10 per minute; 100 per day" (`off`: none), shortest
    window first; ValueError when it is not in that syntax."""
    from limits import parse_many  # noqa: PLC0415 - only servers need it, not every command

    if value.strip().lower() == "off":
        return []
    return sorted(parse_many(value), key=lambda limit: limit.get_expiry())


def _check_rate_limit(name: str, value: str) -> None:
    try:
        parse_rate_limit(value)
    except ValueError:
        raise ConfigurationError(
            f"KB_{name.upper()} must be like '10 per minute; 100 per day' or 'off', not {value!r}"
        ) from None


def _coerce_name(name: str, value: Any) -> Any:
    field = next(f for f in dataclasses.fields(Settings) if f.name == name)
    return _coerce(field, value)


def _coerce(field: dataclasses.Field, value: Any) -> Any:
    kind = field.type if isinstance(field.type, str) else field.type.__name__
    described = {"int": "whole number", "float": "number"}.get(kind, kind)
    try:
        if kind == "Path":
            return Path(value)
        if kind == "float":
            return float(value)
        if kind == "int":
            return int(value)
        return str(value)
    except (TypeError, ValueError) as error:
        raise ConfigurationError(
            f"KB_{field.name.upper()} must be a {described}, not {value!r}"
        ) from error
