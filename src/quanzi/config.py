"""Settings, read once from ``QUANZI_*`` environment variables.

Every variable is documented in README.md; the defaults run a single process on SQLite under ./var.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quanzi.core.ratelimit import parse_rate


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="QUANZI_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./var/quanzi.db"
    bus_url: str = "memory://"
    media_dir: Path = Path("./var/media")
    web_dist: Path = Field(default_factory=lambda: Path(__file__).resolve().parents[2] / "web" / "dist")
    host: str = "127.0.0.1"
    port: int = 8000
    # Run the outbox relay and the job runner inside `quanzi serve` (one-node setups). Turn off when
    # separate `quanzi worker` processes run the jobs.
    run_jobs_in_serve: bool = True
    # Run the event stream's consumers inside `quanzi serve` too (each runs in one process at a time;
    # in the process that committed, they start at once). Off only to leave them to workers.
    run_consumers_in_serve: bool = True
    log_level: str = "INFO"
    log_json: bool = True
    # Addresses of reverse proxies whose X-Forwarded-For is believed (comma separated).
    trusted_proxies: str = ""
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 10_485_760
    login_max_failures: int = 5
    login_window_seconds: int = 900
    login_max_failures_per_address: int = 30
    session_ttl_days: int = 30
    # How long a resolved session may be answered from a process's cache without looking again (a
    # revocation drops it at once, over the bus; this only bounds a lost bus message).
    session_cache_seconds: float = 60.0
    node_id: int | None = None
    cors_origins: str = ""
    # Extra domain manifests (`package.module:attribute`, comma separated): an operator's own
    # consumers or jobs, loaded beside the built-in domains.
    plugins: str = ""
    # With a NATS bus, also publish the event stream to JetStream (stream QUANZI_EVENTS).
    jetstream: bool = True
    # Rate limits (docs/security.md, section 4): "N/window" (20/hour, 5/15min, 100/day) or "off".
    # Addresses are shared (carrier-grade NAT, campus networks), so the per-address ones are loose.
    rate_limit_signups_per_address: str = "30/hour"
    rate_limit_friend_requests: str = "50/day"
    rate_limit_friend_requests_per_target: str = "5/day"
    rate_limit_messages: str = "60/minute"
    rate_limit_posts: str = "30/hour"
    rate_limit_comments: str = "20/minute"
    rate_limit_share_opens_per_address: str = "20/hour"

    @field_validator(
        "rate_limit_signups_per_address",
        "rate_limit_friend_requests",
        "rate_limit_friend_requests_per_target",
        "rate_limit_messages",
        "rate_limit_posts",
        "rate_limit_comments",
        "rate_limit_share_opens_per_address",
    )
    @classmethod
    def _is_a_rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @property
    def rate_limits(self) -> dict[str, str]:
        """Each named limit the services count against, and its rate."""
        return {
            "identity.signup": self.rate_limit_signups_per_address,
            "graph.friend_request": self.rate_limit_friend_requests,
            "graph.friend_request_target": self.rate_limit_friend_requests_per_target,
            "chat.message": self.rate_limit_messages,
            "feed.post": self.rate_limit_posts,
            "feed.comment": self.rate_limit_comments,
            "commerce.share_open": self.rate_limit_share_opens_per_address,
        }

    @property
    def rate_limit_redis_url(self) -> str | None:
        """Counters live in Redis when the bus does, otherwise in the database."""
        return self.bus_url if self.bus_url.startswith(("redis://", "rediss://")) else None

    @property
    def trusted_proxy_set(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip() and o.strip() != "*"]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
