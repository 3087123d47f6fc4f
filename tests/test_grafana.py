"""The Grafana dashboard (deploy/grafana-dashboard.json) asks only for what the line exports."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from ivr import tracking
from ivr.content import load_catalog
from ivr.phone import Phone

from .stats_support import run_scripts

DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana-dashboard.json"
METRIC = re.compile(r"\bivr_[a-z0-9_]+\b")
SELECTOR = re.compile(r"\b(ivr_[a-z0-9_]+)\{([^}]*)\}")
MATCHER = re.compile(r'(\w+)\s*(=~|!~|!=|=)\s*"([^"]*)"')
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")


def queries(node: Any) -> Iterator[str]:
    """Every PromQL query in the dashboard: panel targets (rows included) and template variables."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "definition") and isinstance(value, str):
                yield value
            elif key == "query" and isinstance(value, str) and "(" in value:
                yield value
            else:
                yield from queries(value)
    elif isinstance(node, list):
        for item in node:
            yield from queries(item)


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture
def exported(app: Flask, make_phone: Callable[..., Phone]) -> dict[str, set[str]]:
    """What /metrics exports after the scripted calls: each sample's name and its label names."""
    run_scripts(app, make_phone)
    text = app.test_client().get("/metrics").get_data(as_text=True)
    names: dict[str, set[str]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            names.setdefault(sample.name, set()).update(sample.labels)
    return names


def test_every_query_names_a_metric_the_line_exports_with_its_labels(
        dashboard: dict[str, Any], exported: dict[str, set[str]]) -> None:
    found = list(queries(dashboard))
    assert len(found) > 20
    for query in found:
        assert query.count("(") == query.count(")") and query.count("{") == query.count("}"), query
        metrics = METRIC.findall(query)
        assert metrics, query
        for name in metrics:
            assert name in exported, f"{name} is not exported by the line: {query}"
        for name, matchers in SELECTOR.findall(query):
            for label, _, _ in MATCHER.findall(matchers):
                assert label in exported[name], f"{name} has no label {label}: {query}"
        for grouping in GROUPING.findall(query):
            for label in filter(None, (part.strip() for part in grouping.split(","))):
                assert any(label in exported[name] for name in metrics), f"no metric has {label}: {query}"


def test_the_dashboard_shows_what_the_stats_page_shows(dashboard: dict[str, Any]) -> None:
    used = {name for query in queries(dashboard) for name in METRIC.findall(query)}
    wanted = {f"{name}_total" for name, _, _ in tracking.COUNTED.values()}
    assert wanted | {"ivr_calls_total", "ivr_transfers_total", "ivr_call_length_seconds_bucket"} <= used


def test_the_nodes_and_steps_it_names_are_in_the_menu_tree(dashboard: dict[str, Any]) -> None:
    tree = load_catalog().tree
    for query in queries(dashboard):
        for _, matchers in SELECTOR.findall(query):
            labels = {label: value for label, _, value in MATCHER.findall(matchers)}
            for node in labels.get("node", "").split("|"):
                assert not node or node in tree.nodes, query
            if labels.get("step") and "|" not in labels.get("node", "|"):
                assert int(labels["step"]) < max(len(tree.nodes[labels["node"]].steps), 1), query
