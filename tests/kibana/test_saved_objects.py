"""kibana/saved_objects.ndjson: parses, is current, and every index, field and reference it names exists."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import pytest

from api.kibana import SAVED_OBJECTS, load_saved_objects
from indexer.mappings import MAPPINGS_DIR, IndexNames

NUMERIC = {"integer", "long", "short", "byte", "float", "double", "half_float", "scaled_float"}
SUITABLE = {  # Lens operation -> mapping types it can aggregate
    "terms": {"keyword", "boolean", "ip", *NUMERIC},
    "date_histogram": {"date"},
    "average": NUMERIC,
    "sum": NUMERIC,
    "min": NUMERIC,
    "max": NUMERIC,
    "median": NUMERIC,
    "unique_count": {"keyword", "boolean", "ip", *NUMERIC},
}
KQL_FIELD = re.compile(r"([A-Za-z_@][\w.@]*)\s*:")


def mapping_stems(names: IndexNames) -> dict[str, str]:
    """Index (or alias) name -> mappings/<stem>.json, for every name IndexNames defines."""
    base = IndexNames()
    stems = {}
    for attribute in dir(IndexNames):
        if isinstance(getattr(IndexNames, attribute), property):
            stem = getattr(base, attribute)
            if (MAPPINGS_DIR / f"{stem}.json").exists():
                stems[getattr(names, attribute)] = stem
    return stems


def walk(properties: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every field path with its mapping, sub-fields (`query.text`) and object children included."""
    for name, spec in properties.items():
        path = f"{prefix}{name}"
        yield path, spec
        if "properties" in spec:
            yield from walk(spec["properties"], f"{path}.")
        for sub, sub_spec in spec.get("fields", {}).items():
            yield f"{path}.{sub}", sub_spec


def index_fields(stem: str) -> dict[str, dict[str, Any]]:
    body = json.loads((MAPPINGS_DIR / f"{stem}.json").read_text())
    return dict(walk(body["mappings"]["properties"]))


def searchable(spec: dict[str, Any]) -> bool:
    return spec.get("index", True) and spec.get("enabled", True) and spec.get("type") not in (None, "object")


class Views:
    """The data views of one set of objects, with the mapped fields of the indices behind each."""

    def __init__(self, objects: list[dict[str, Any]], names: IndexNames) -> None:
        self.stems = mapping_stems(names)
        self.by_id = {o["id"]: o for o in objects if o["type"] == "index-pattern"}

    def indices(self, view_id: str) -> list[str]:
        return self.by_id[view_id]["attributes"]["title"].split(",")

    def field_types(self, view_id: str, field: str) -> set[str]:
        """The field's type in each index of the view that maps it (empty: no index has it)."""
        found = [index_fields(self.stems[index]).get(field) for index in self.indices(view_id)]
        return {spec.get("type", "object") for spec in found if spec is not None and searchable(spec)}


@pytest.fixture(params=["", "shop1-"], ids=["no-prefix", "prefix"])
def prefix(request: pytest.FixtureRequest) -> str:
    return request.param


def test_every_line_is_a_json_object_and_the_file_is_current() -> None:
    lines = SAVED_OBJECTS.read_text(encoding="utf-8").splitlines()
    objects = [json.loads(line) for line in lines]
    assert all(isinstance(o, dict) and {"type", "id", "attributes", "references"} <= set(o) for o in objects)
    assert len({(o["type"], o["id"]) for o in objects}) == len(objects)
    spec = importlib.util.spec_from_file_location("make_saved_objects", SAVED_OBJECTS.parent / "make_saved_objects.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert SAVED_OBJECTS.read_text(encoding="utf-8") == module.render(), "run kibana/make_saved_objects.py"


def test_data_views_cover_every_index_with_its_time_field(prefix: str) -> None:
    names = IndexNames(prefix)
    objects = load_saved_objects(prefix)
    views = Views(objects, names)
    stems = views.stems
    assert set(stems.values()) == {"items", "events", "users", "impressions", "searches"}
    viewed = {index for view_id in views.by_id for index in views.indices(view_id)}
    assert viewed == set(stems), "every index has a data view, and every data view title is an index name"
    for view_id, view in views.by_id.items():
        time_field = view["attributes"].get("timeFieldName")
        for index in views.indices(view_id):
            mapped = index_fields(stems[index])
            expected = "@timestamp" if mapped.get("@timestamp", {}).get("type") == "date" else None
            assert time_field == expected, (view_id, index)
    assert {f.name for f in fields(IndexNames)} == {"prefix"}  # names come from properties only


def test_every_reference_points_to_an_object_in_the_file(prefix: str) -> None:
    objects = load_saved_objects(prefix)
    present = {(o["type"], o["id"]) for o in objects}
    for obj in objects:
        for reference in obj["references"]:
            assert (reference["type"], reference["id"]) in present, (obj["id"], reference)
        assert obj["id"].startswith(f"{prefix}tandem-")


def lens_layers(obj: dict[str, Any]) -> dict[str, Any]:
    return obj["attributes"]["state"]["datasourceStates"]["formBased"]["layers"]


def test_lens_columns_use_mapped_fields_of_a_suitable_type(prefix: str) -> None:
    objects = load_saved_objects(prefix)
    views = Views(objects, IndexNames(prefix))
    lenses = [o for o in objects if o["type"] == "lens"]
    assert len(lenses) >= 6
    for obj in lenses:
        state = obj["attributes"]["state"]
        refs = {r["name"]: r["id"] for r in obj["references"]}
        for layer_id, layer in lens_layers(obj).items():
            view_id = refs[f"indexpattern-datasource-layer-{layer_id}"]
            columns = layer["columns"]
            assert set(layer["columnOrder"]) == set(columns)
            kql = [state["query"]["query"]]
            for column_id, column in columns.items():
                operation, field = column["operationType"], column.get("sourceField")
                assert set(column.get("references", [])) <= set(columns), (obj["id"], column_id)
                if column.get("filter"):
                    kql.append(column["filter"]["query"])
                if operation in ("count", "formula", "math"):
                    assert field in (None, "___records___"), (obj["id"], column_id)
                    continue
                types = views.field_types(view_id, field)
                assert types, f"{obj['id']}: {field} is not a searchable field of {views.indices(view_id)}"
                assert len(types) == 1 and types <= SUITABLE[operation], (obj["id"], field, operation, types)
            for query in kql:
                for field in KQL_FIELD.findall(query):
                    assert views.field_types(view_id, field), f"{obj['id']}: KQL field {field} is not mapped"


def test_lens_visualisations_show_columns_that_exist() -> None:
    for obj in (o for o in load_saved_objects() if o["type"] == "lens"):
        visualization = obj["attributes"]["state"]["visualization"]
        columns = {c for layer in lens_layers(obj).values() for c in layer["columns"]}
        layers = visualization.get("layers", [visualization])
        for layer in layers:
            shown = [layer.get("xAccessor"), layer.get("splitAccessor"), *layer.get("accessors", [])]
            shown += [c["columnId"] for c in layer.get("columns", [])]
            shown = [c for c in shown if c]
            assert shown and set(shown) <= columns, obj["id"]
            assert layer["layerId"] in lens_layers(obj)


def test_the_ctr_panel_divides_clicks_by_impressions_per_position() -> None:
    objects = {o["id"]: o for o in load_saved_objects()}
    ctr = objects["tandem-lens-ctr-by-position"]
    layer = next(iter(lens_layers(ctr).values()))
    view = objects[ctr["references"][0]["id"]]
    assert sorted(view["attributes"]["title"].split(",")) == ["events", "impressions"]
    by_operation = {c["operationType"]: c for c in layer["columns"].values() if c["operationType"] != "count"}
    assert by_operation["terms"]["sourceField"] == "position"
    formula = by_operation["formula"]["params"]["formula"]
    assert formula == "count(kql='type : \"click\"') / count(kql='endpoint : *')"
    math = by_operation["math"]["params"]["tinymathAst"]
    numerator, denominator = (layer["columns"][c]["filter"]["query"] for c in math["args"])
    assert math["name"] == "divide" and (numerator, denominator) == ('type : "click"', "endpoint : *")
    # the two sides must count the same positions: both indices map `position` the same way
    assert index_fields("events")["position"] == index_fields("impressions")["position"] == {"type": "integer"}
    assert "endpoint" not in index_fields("events") and "type" not in index_fields("impressions")


def test_dashboard_panels_reference_existing_visualisations(prefix: str) -> None:
    objects = load_saved_objects(prefix)
    present = {(o["type"], o["id"]) for o in objects}
    [dashboard] = [o for o in objects if o["type"] == "dashboard"]
    assert dashboard["attributes"]["title"].startswith("Tandem overview")
    panels = json.loads(dashboard["attributes"]["panelsJSON"])
    references = {r["name"]: r for r in dashboard["references"]}
    shown = set()
    for panel in panels:
        reference = references[f"{panel['panelIndex']}:{panel['panelRefName']}"]
        assert panel["panelRefName"] == f"panel_{panel['panelIndex']}" == f"panel_{panel['gridData']['i']}"
        assert reference["type"] == panel["type"] and (reference["type"], reference["id"]) in present
        grid = panel["gridData"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 48
        shown.add(reference["id"])
    assert shown == {o["id"] for o in objects if o["type"] == "lens"}, "every visualisation is on the dashboard"


# Kibana 8.15's dashboard attribute schema (create, unknowns forbidden):
# src/plugins/dashboard/server/dashboard_saved_object/schema/v1/v1.ts in elastic/kibana.
DASHBOARD_ATTRIBUTES = {
    "title", "description", "kibanaSavedObjectMeta", "timeRestore", "timeFrom", "timeTo", "refreshInterval",
    "controlGroupInput", "panelsJSON", "optionsJSON", "hits", "version",
}  # fmt: skip
# Newest migration version per type that Kibana 8.x exports carry (import refuses a newer one than it knows).
MAX_TYPE_MIGRATION_VERSION = {"index-pattern": (8, 0, 0), "lens": (8, 9, 0), "dashboard": (10, 2, 0)}


def version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def test_objects_carry_migration_versions_kibana_815_accepts() -> None:
    for obj in load_saved_objects():
        # without typeMigrationVersion Kibana takes the object as current and skips its migrations
        assert version(obj["coreMigrationVersion"]) <= (8, 15, 0), obj["id"]
        assert version(obj["typeMigrationVersion"]) <= MAX_TYPE_MIGRATION_VERSION[obj["type"]], obj["id"]


def test_dashboard_has_only_attributes_kibana_allows_and_panels_by_reference() -> None:
    [dashboard] = [o for o in load_saved_objects() if o["type"] == "dashboard"]
    attributes = dashboard["attributes"]
    assert set(attributes) <= DASHBOARD_ATTRIBUTES
    assert isinstance(attributes["panelsJSON"], str) and isinstance(attributes["optionsJSON"], str)
    json.loads(attributes["kibanaSavedObjectMeta"]["searchSourceJSON"])
    for panel in json.loads(attributes["panelsJSON"]):
        # by-reference panels: the id comes from reference "<panelIndex>:<panelRefName>", never from the panel
        assert {"type", "gridData", "panelIndex", "embeddableConfig", "panelRefName"} <= set(panel)
        assert "id" not in panel and "attributes" not in panel["embeddableConfig"]


def test_formula_columns_come_with_their_helper_columns_in_order() -> None:
    """As Lens' formula editor saves them: `<id>X0`.. helpers after the formula, the math helper last."""
    for obj in (o for o in load_saved_objects() if o["type"] == "lens"):
        for layer in lens_layers(obj).values():
            columns, order = layer["columns"], layer["columnOrder"]
            assert order == [c for c in order if columns[c]["isBucketed"]] + [
                c for c in order if not columns[c]["isBucketed"]
            ], obj["id"]
            for column_id, column in columns.items():
                if column["operationType"] != "formula":
                    continue
                helpers = sorted(c for c in columns if c.startswith(f"{column_id}X"))
                assert order[order.index(column_id) + 1 :][: len(helpers)] == helpers, obj["id"]
                [math] = column["references"]
                assert columns[math]["operationType"] == "math" and math == helpers[-1]
                ast = columns[math]["params"]["tinymathAst"]
                assert ast["text"] == column["params"]["formula"] and set(ast["args"]) <= set(helpers)
