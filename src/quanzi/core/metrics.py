"""Prometheus gauges of the event stream, refreshed when /metrics is scraped: the head position and
each consumer's lag behind it (alert on a lag that keeps growing)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from prometheus_client import Gauge

from quanzi.core.db import Database
from quanzi.core.stream import Consumer, status

log = logging.getLogger("quanzi.metrics")

STREAM_HEAD = Gauge("quanzi_event_stream_head", "Position of the newest event in the stream")
CONSUMER_LAG = Gauge(
    "quanzi_event_consumer_lag", "Stream positions a consumer is behind the head", ["consumer"]
)
CONSUMER_DEAD_LETTERS = Gauge(
    "quanzi_event_consumer_dead_letters", "Events a consumer set aside after repeated failures", ["consumer"]
)


async def refresh_stream_metrics(db: Database, consumers: Sequence[Consumer]) -> None:
    try:
        rows = await status(db, consumers)
    except Exception:  # a scrape must still answer when the database does not
        log.exception("could not read the consumers' positions")
        return
    for row in rows:
        STREAM_HEAD.set(row.head)
        CONSUMER_LAG.labels(row.name).set(row.lag)
        CONSUMER_DEAD_LETTERS.labels(row.name).set(row.dead_letters)
