"""The webhook's Prometheus metrics: deliveries by event and outcome, and seconds spent answering.

Label values come only from sets redline chose (its known event names, its outcomes), never from
what a request says: an unauthenticated request could otherwise add a series per header value, or
forge one. prometheus-client writes the exposition format, escaping included.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest

from bot.app.routes import EVENTS

# What an unauthenticated request (bad signature, body too large) is counted as, whatever its headers say.
UNAUTHENTICATED = "unauthenticated"
OTHER = "other"  # a signed delivery of an event redline does not read


def event_label(event: str | None) -> str:
    """The event label of a delivery: None for one that was not authenticated."""
    if event is None:
        return UNAUTHENTICATED
    return event if event in EVENTS else OTHER


class Metrics:
    """Counters of one app (its own registry, so several apps in one process do not share counts)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._deliveries = Counter(
            "redline_webhook_deliveries",
            "Webhook deliveries by event and outcome.",
            ("event", "outcome"),
            registry=self.registry,
        )
        self._seconds = Counter(
            "redline_webhook_seconds", "Time spent answering deliveries.", registry=self.registry
        )

    def count(self, event: str | None, outcome: str, seconds: float) -> None:
        """Count one answered delivery; `event` None when the request was not authenticated."""
        self._deliveries.labels(event=event_label(event), outcome=outcome).inc()
        self._seconds.inc(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
