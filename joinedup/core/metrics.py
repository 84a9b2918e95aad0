"""Operators' metrics: `/metrics` in Prometheus's text format, for operators only (docs/operations.md, "Metrics").

What is measured:
- request latency by route: django-prometheus's middleware (`RouteMetricsMiddleware`), labelled by the URL pattern's
  name (`web:person-detail`), never the path (a path holds ids);
- joinedup's own counters, incremented where the work is done (`count_on_commit`: once its transaction commits, so a
  rolled-back write is never counted): records received, alerts raised, linkage runs and their durations;
- gauges read from the database when scraped, registered by the apps that hold the facts (`register_gauges`): the
  review queue's depth and age, mentions awaiting linkage, the last batch linkage run.

Every label is a code (how a record came, an agency's kind, an outcome, a rule id, a route's name): never a person,
a record, a path or free text.

Who may read it (`MetricsMiddleware`, answered early like the health probes: before host checks and the HTTPS
redirect): a request from a loopback address that came through no proxy (no forwarding header), unless
`JOINEDUP_METRICS_LOOPBACK` is off; or one carrying `Authorization: Bearer <JOINEDUP_METRICS_TOKEN>` (compared in
constant time). Anyone else is treated as if there were no such page (the ordinary 404).

Several processes: with `PROMETHEUS_MULTIPROC_DIR` set (`joinedup serve` sets it for its gunicorn workers), each
process writes its values to files there and `/metrics` adds them up (prometheus_client's multiprocess mode), so any
worker answers for all; without it, each process reports its own.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django_prometheus.middleware import PrometheusAfterMiddleware, PrometheusBeforeMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

PATH = "/metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Headers a proxy adds: a request carrying one came through a proxy, whatever its peer address says.
FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_REAL_IP",
                      "HTTP_FORWARDED")

RECORDS_INGESTED = Counter(
    "joinedup_records_ingested", "Agency records received, by how they came (api, file, joinedup), the sending "
    "agency's kind and what became of each (created, new_version, unchanged, refused).",
    ["via", "agency_kind", "outcome"])
ALERTS_RAISED = Counter("joinedup_alerts_raised", "Alerts raised, by rule id.", ["rule"])
LINKAGE_RUNS = Counter(
    "joinedup_linkage_runs", "Identity linkage runs completed: batch (`joinedup link`) or online (records arriving "
    "through the API matched at once).", ["kind"])
LINKAGE_RUN_SECONDS = Histogram(
    "joinedup_linkage_run_duration_seconds", "How long each completed linkage run took, by kind.", ["kind"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, float("inf")))


def count_on_commit(counter: Counter, amounts: Mapping[tuple[str, ...], float]) -> None:
    """Add to a labelled counter once the current transaction commits (at once outside one); nothing if it rolls
    back. A failure to count is logged, never raised: the work it counts is done."""
    amounts = {labels: n for labels, n in amounts.items() if n}
    if not amounts:
        return

    def add() -> None:
        for labels, n in amounts.items():
            counter.labels(*labels).inc(n)

    transaction.on_commit(add, robust=True)


def linkage_run_counted(kind: str, seconds: float, *, on_commit: bool = False) -> None:
    """One completed linkage run of this kind ("batch" or "online") and its duration."""

    def add() -> None:
        LINKAGE_RUNS.labels(kind).inc()
        LINKAGE_RUN_SECONDS.labels(kind).observe(seconds)

    if on_commit:
        transaction.on_commit(add, robust=True)
    else:
        add()


# --- gauges read from the database when scraped ----------------------------------------------------------------

GaugeProvider = Callable[[], Iterable[Metric]]
_providers: dict[str, GaugeProvider] = {}


def register_gauges(name: str, provider: GaugeProvider) -> None:
    """An app's gauges (prometheus_client metric families), read from the database at each scrape; registered once
    per name (an app's `ready`)."""
    _providers[name] = provider


class DatabaseGauges(Collector):
    """The registered providers' gauges. One that fails is left out (and logged) rather than failing the scrape;
    `joinedup_metrics_gauges_failed` says how many did."""

    def collect(self) -> Iterable[Metric]:
        failed = 0
        for name, provider in sorted(_providers.items()):
            try:
                families = list(provider())
            except Exception as exc:  # the database is down or not migrated: /readyz says which
                failed += 1
                log.warning("metrics: the %s gauges could not be read: %s", name, type(exc).__name__)
                continue
            yield from families
        yield GaugeMetricFamily("joinedup_metrics_gauges_failed",
                                "Registered groups of database gauges that could not be read at this scrape.",
                                value=failed)


_DATABASE_GAUGES = DatabaseGauges()


def exposition() -> bytes:
    """Every metric in Prometheus's text format: this process's (or, in multiprocess mode, every process's) counters
    and histograms, and the database gauges."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_ProcessRegistry())
    registry.register(_DATABASE_GAUGES)
    return generate_latest(registry)


class _ProcessRegistry(Collector):
    """This process's default registry (django-prometheus's and joinedup's metrics, the process collectors)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()


# --- who may read it --------------------------------------------------------------------------------------------


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode("utf-8", "surrogateescape")).digest()


def _from_loopback(request) -> bool:
    """The peer is a loopback address and no proxy forwarded the request (a proxy on the same machine connects
    from 127.0.0.1 on behalf of anyone)."""
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback and not any(request.META.get(h) for h in FORWARDING_HEADERS)


def _has_token(request, token: str) -> bool:
    scheme, _, given = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if not token or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(_digest(given.strip()), _digest(token))  # same length whatever was sent


def may_read_metrics(request) -> bool:
    """Whether this request is an operator's: from loopback (unless turned off), or with the metrics token."""
    config = settings.JOINEDUP_METRICS
    return (config.get("allow_loopback", True) and _from_loopback(request)) or _has_token(request,
                                                                                       config.get("token", ""))


class MetricsMiddleware:
    """Answers `/metrics` for operators, early (after the health probes): a scraper calls by address and over plain
    HTTP. Anyone else goes on down the chain and gets whatever any unknown address gets (404)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (request.path_info.rstrip("/") != PATH or request.method not in ("GET", "HEAD")
                or not may_read_metrics(request)):
            return self.get_response(request)
        response = HttpResponse(b"" if request.method == "HEAD" else exposition(), content_type=CONTENT_TYPE_LATEST)
        response["Cache-Control"] = "no-store"
        return response


# --- request latency by route (django-prometheus) ---------------------------------------------------------------


class RouteMetricsBeforeMiddleware(PrometheusBeforeMiddleware):
    """django-prometheus's first middleware: requests in, and their latency through every middleware."""


class RouteMetricsMiddleware(PrometheusAfterMiddleware):
    """django-prometheus's last middleware: requests, responses and latency labelled by the URL pattern's name (the
    route, never the path) and method. A method no page answers is labelled "<invalid method>" everywhere (the
    library labels the latency histogram with the method as sent), so a client cannot mint labels."""

    def label_metric(self, metric, request, response=None, **labels):
        if "method" in labels:
            labels["method"] = self._method(request)
        return super().label_metric(metric, request, response, **labels)
