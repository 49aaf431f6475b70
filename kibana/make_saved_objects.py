"""Writes kibana/saved_objects.ndjson: Tandem's data views, Lens visualisations and the "Tandem overview"
dashboard, in the format Kibana 8.x's saved-objects import API takes.

Lens state is verbose and easy to get subtly wrong by hand, so this script is the source and the ndjson
is its output (byte-identical on every run; a test checks the committed file is current). Index names
are written without a prefix; `tandem kibana setup` rewrites titles and ids for `TANDEM_INDEX_PREFIX`.

    .venv/bin/python kibana/make_saved_objects.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "saved_objects.ndjson"
LAYER = "layer1"
RECORDS = "___records___"  # Lens' source field for "count of documents"

# The versions the objects below are written for: Kibana migrates older documents on import and
# refuses newer ones, so these are the lowest versions whose format this script writes.
CORE_MIGRATION_VERSION = "8.8.0"
TYPE_MIGRATION_VERSION = {"index-pattern": "8.0.0", "lens": "8.9.0", "dashboard": "8.7.0"}
PANEL_VERSION = "8.9.0"

DASHBOARD_ID = "tandem-overview"


def data_view(view_id: str, title: str, name: str, time_field: str | None) -> dict[str, Any]:
    """A data view ('index-pattern'); `title` is the index pattern, comma-separated for several indices."""
    attributes: dict[str, Any] = {"title": title, "name": name}
    if time_field:
        attributes["timeFieldName"] = time_field
    return {"type": "index-pattern", "id": view_id, "attributes": attributes, "references": []}


DATA_VIEWS = [
    # The catalog has no event time: without a time field the dashboard's time range does not hide items.
    data_view("tandem-items", "items", "Tandem items", None),
    data_view("tandem-events", "events", "Tandem events", "@timestamp"),
    data_view("tandem-users", "users", "Tandem user profiles", "@timestamp"),
    data_view("tandem-impressions", "impressions", "Tandem impressions", "@timestamp"),
    data_view("tandem-searches", "searches", "Tandem searches", "@timestamp"),
    # Clicks (events) and what was shown (impressions) side by side, for click-through rate by position:
    # both indices have an integer, 1-based `position` and `@timestamp`.
    data_view("tandem-clickthrough", "events,impressions", "Tandem events + impressions", "@timestamp"),
]


# --- Lens columns -------------------------------------------------------------------------------------


def count(label: str = "Count of records", kql: str | None = None) -> dict[str, Any]:
    column: dict[str, Any] = {
        "label": label,
        "customLabel": label != "Count of records",
        "dataType": "number",
        "operationType": "count",
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": RECORDS,
    }
    if kql:
        column["filter"] = {"query": kql, "language": "kuery"}
    return column


def metric(operation: str, field: str, label: str) -> dict[str, Any]:
    """average / sum / max / min of a numeric field."""
    return {
        "label": label,
        "customLabel": True,
        "dataType": "number",
        "operationType": operation,
        "isBucketed": False,
        "scale": "ratio",
        "sourceField": field,
        "params": {"emptyAsNull": True},
    }


def terms(field: str, label: str, size: int, order_by: str | None, *, data_type: str = "string") -> dict[str, Any]:
    """Top values of `field`, ordered by the metric column `order_by` (desc), or by value (asc) when None."""
    order: dict[str, Any] = {"type": "column", "columnId": order_by} if order_by else {"type": "alphabetical"}
    return {
        "label": label,
        "customLabel": True,
        "dataType": data_type,
        "operationType": "terms",
        "isBucketed": True,
        "scale": "ordinal",
        "sourceField": field,
        "params": {
            "size": size,
            "orderBy": order,
            "orderDirection": "desc" if order_by else "asc",
            "otherBucket": False,
            "missingBucket": False,
            "parentFormat": {"id": "terms"},
            "include": [],
            "exclude": [],
            "includeIsRegex": False,
            "excludeIsRegex": False,
        },
    }


def date_histogram(field: str = "@timestamp") -> dict[str, Any]:
    return {
        "label": field,
        "dataType": "date",
        "operationType": "date_histogram",
        "isBucketed": True,
        "scale": "interval",
        "sourceField": field,
        "params": {"interval": "auto", "includeEmptyRows": True, "dropPartials": False},
    }


def ratio_formula(column_id: str, label: str, numerator: str, denominator: str) -> dict[str, dict[str, Any]]:
    """A Lens formula `count(kql=numerator) / count(kql=denominator)` with the helper columns Lens saves
    beside it (`<id>X0`, `<id>X1` the two counts, `<id>X2` the division), as the formula editor does."""
    formula = f"count(kql='{numerator}') / count(kql='{denominator}')"
    part = f"Part of {label}"
    x0, x1, x2 = (f"{column_id}X{i}" for i in range(3))
    return {
        column_id: {
            "label": label,
            "customLabel": True,
            "dataType": "number",
            "operationType": "formula",
            "isBucketed": False,
            "scale": "ratio",
            "params": {
                "formula": formula,
                "isFormulaBroken": False,
                "format": {"id": "percent", "params": {"decimals": 1}},
            },
            "references": [x2],
        },
        x0: {**count(part, numerator), "customLabel": True},
        x1: {**count(part, denominator), "customLabel": True},
        x2: {
            "label": part,
            "customLabel": True,
            "dataType": "number",
            "operationType": "math",
            "isBucketed": False,
            "scale": "ratio",
            "params": {
                "tinymathAst": {
                    "type": "function",
                    "name": "divide",
                    "args": [x0, x1],
                    "location": {"min": 0, "max": len(formula)},
                    "text": formula,
                }
            },
            "references": [x0, x1],
        },
    }


# --- Lens visualisations ------------------------------------------------------------------------------


def lens(
    lens_id: str,
    title: str,
    description: str,
    view_id: str,
    visualization_type: str,
    visualization: dict[str, Any],
    columns: dict[str, dict[str, Any]],
    kql: str = "",
) -> dict[str, Any]:
    """One Lens saved object with a single form-based layer over data view `view_id`."""
    return {
        "type": "lens",
        "id": lens_id,
        "attributes": {
            "title": title,
            "description": description,
            "visualizationType": visualization_type,
            "state": {
                "datasourceStates": {
                    "formBased": {
                        "layers": {LAYER: {"columns": columns, "columnOrder": list(columns), "incompleteColumns": {}}}
                    }
                },
                "visualization": visualization,
                "query": {"query": kql, "language": "kuery"},
                "filters": [],
                "internalReferences": [],
                "adHocDataViews": {},
            },
        },
        "references": [{"type": "index-pattern", "id": view_id, "name": f"indexpattern-datasource-layer-{LAYER}"}],
    }


def xy(series: str, x: str, accessors: list[str], split: str | None = None) -> dict[str, Any]:
    layer: dict[str, Any] = {
        "layerId": LAYER,
        "layerType": "data",
        "seriesType": series,
        "xAccessor": x,
        "accessors": accessors,
    }
    if split:
        layer["splitAccessor"] = split
    return {
        "legend": {"isVisible": True, "position": "right"},
        "valueLabels": "hide",
        "fittingFunction": "None",
        "preferredSeriesType": series,
        "layers": [layer],
    }


def table(columns: list[str]) -> dict[str, Any]:
    return {
        "layerId": LAYER,
        "layerType": "data",
        "columns": [{"columnId": column, "isTransposed": False} for column in columns],
        "rowHeight": "single",
        "rowHeightLines": 1,
    }


def visualisations() -> list[dict[str, Any]]:
    ctr = ratio_formula("ctr", "Click-through rate", 'type : "click"', "endpoint : *")
    return [
        lens(
            "tandem-lens-events-over-time",
            "Events over time by type",
            "Stored events (views, clicks, carts, purchases, likes, ...) per time bucket.",
            "tandem-events",
            "lnsXY",
            xy("bar_stacked", "when", ["events"], split="type"),
            {"type": terms("type", "Event type", 10, "events"), "when": date_histogram(), "events": count("Events")},
        ),
        lens(
            "tandem-lens-top-queries",
            "Top queries",
            "The most frequent /search queries (lower-cased), with their average results and time.",
            "tandem-searches",
            "lnsDatatable",
            table(["query", "searches", "results", "lexical", "took"]),
            {
                "query": terms("query", "Query", 20, "searches"),
                "searches": count("Searches"),
                "results": metric("average", "results", "Avg results"),
                "lexical": metric("average", "lexical_hits", "Avg lexical hits"),
                "took": metric("average", "took_ms", "Avg took (ms)"),
            },
        ),
        lens(
            "tandem-lens-no-match-queries",
            "Queries without a lexical match / with zero results",
            "Hybrid kNN nearly always returns items, so a query no returned item matches by BM25 is the "
            "useful 'zero-result' signal: the catalog's words do not cover it.",
            "tandem-searches",
            "lnsDatatable",
            table(["query", "no_lexical", "zero"]),
            {
                "query": terms("query", "Query", 20, "no_lexical"),
                "no_lexical": count("No lexical match", "no_lexical_match : true"),
                "zero": count("Zero results", "zero_results : true"),
            },
            kql="no_lexical_match : true or zero_results : true",
        ),
        lens(
            "tandem-lens-ctr-by-position",
            "Click-through rate by position",
            "Clicks (events with a position) / impressions (shown items) at each 1-based position: "
            + ctr["ctr"]["params"]["formula"],
            "tandem-clickthrough",
            "lnsXY",
            xy("bar", "position", ["ctr"]),
            {"position": terms("position", "Position", 20, None, data_type="number"), **ctr},
        ),
        lens(
            "tandem-lens-top-items",
            "Top items",
            "Items with the most events, with their clicks and purchases.",
            "tandem-events",
            "lnsDatatable",
            table(["item", "events", "clicks", "purchases"]),
            {
                "item": terms("item_id", "Item", 20, "events"),
                "events": count("Events"),
                "clicks": count("Clicks", 'type : "click"'),
                "purchases": count("Purchases", 'type : "purchase"'),
            },
        ),
        lens(
            "tandem-lens-top-categories",
            "Top categories",
            "Catalog categories by the summed popularity of their items (the catalog has no event time).",
            "tandem-items",
            "lnsXY",
            xy("bar_horizontal", "category", ["popularity"]),
            {
                "category": terms("category", "Category", 15, "popularity"),
                "popularity": metric("sum", "popularity", "Popularity (sum)"),
            },
        ),
    ]


# --- Dashboard ----------------------------------------------------------------------------------------

# (lens id, x, y, w, h) on Kibana's 48-column grid
LAYOUT = [
    ("tandem-lens-events-over-time", 0, 0, 48, 12),
    ("tandem-lens-top-queries", 0, 12, 24, 15),
    ("tandem-lens-no-match-queries", 24, 12, 24, 15),
    ("tandem-lens-ctr-by-position", 0, 27, 24, 15),
    ("tandem-lens-top-items", 24, 27, 24, 15),
    ("tandem-lens-top-categories", 0, 42, 48, 15),
]


def dashboard() -> dict[str, Any]:
    """Panels by reference: panel `pN` names its Lens object through reference `pN:panel_pN`."""
    panels, references = [], []
    for n, (lens_id, x, y, w, h) in enumerate(LAYOUT, start=1):
        panel = f"p{n}"
        panels.append(
            {
                "version": PANEL_VERSION,
                "type": "lens",
                "gridData": {"x": x, "y": y, "w": w, "h": h, "i": panel},
                "panelIndex": panel,
                "embeddableConfig": {"enhancements": {}},
                "panelRefName": f"panel_{panel}",
            }
        )
        references.append({"name": f"{panel}:panel_{panel}", "type": "lens", "id": lens_id})
    options = {
        "useMargins": True,
        "syncColors": False,
        "syncCursor": True,
        "syncTooltips": False,
        "hidePanelTitles": False,
    }
    return {
        "type": "dashboard",
        "id": DASHBOARD_ID,
        "attributes": {
            "title": "Tandem overview",
            "description": "Events, searches, queries without a lexical match, click-through rate by position, "
            "top items and categories.",
            "panelsJSON": json.dumps(panels, separators=(",", ":")),
            "optionsJSON": json.dumps(options, separators=(",", ":")),
            "timeRestore": True,
            "timeFrom": "now-1y",
            "timeTo": "now",
            "refreshInterval": {"pause": True, "value": 60000},
            "version": 1,
            "kibanaSavedObjectMeta": {
                "searchSourceJSON": json.dumps({"query": {"query": "", "language": "kuery"}, "filter": []})
            },
        },
        "references": references,
    }


def saved_objects() -> list[dict[str, Any]]:
    """Every object, referenced objects before the objects that reference them."""
    objects = [*DATA_VIEWS, *visualisations(), dashboard()]
    for obj in objects:
        obj["coreMigrationVersion"] = CORE_MIGRATION_VERSION
        obj["typeMigrationVersion"] = TYPE_MIGRATION_VERSION[obj["type"]]
    return objects


def render() -> str:
    return "".join(json.dumps(obj, sort_keys=True, ensure_ascii=False) + "\n" for obj in saved_objects())


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
