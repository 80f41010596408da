"""Dataset format 3 (issue 22): as_of on every place, an appearance's viewpoint and a place's history, checked
the same by the JSON Schema and the loader; format 2 files are still read."""

from __future__ import annotations

import copy
import json
import shutil

import jsonschema
import pytest

from app.core.config import PROJECT_ROOT
from app.db.loader import DatasetError, read_dataset

DATA = PROJECT_ROOT / "data"

VIEWPOINT = {
    "coordinates": [-75.18085, 39.96535],
    "bearing_deg": 235.0,
    "note": "Stand on the top landing by the columns, facing south-west down the Parkway.",
    "basis": "Frames of the final shot against the landing today.",
    "confidence": "medium",
}
MOVE = {
    "date": "2026-04",
    "event": "moved for the museum's exhibition",
    "from": "foot of the steps",
    "to": "museum galleries",
    "cast": "the 1980 original",
    "source": "https://www.phillyvoice.com/rocky-statue-move-philadelphia-art-museums-steps/",
}


def _doc() -> dict:
    return json.loads((DATA / "locations.geojson").read_text(encoding="utf-8"))


def _write(tmp_path, doc: dict):
    for name in ("films.json", "tours.json"):
        shutil.copy(DATA / name, tmp_path / name)
    path = tmp_path / "locations.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _schema_errors(doc: dict) -> list:
    schema = json.loads((DATA / "locations.schema.json").read_text(encoding="utf-8"))
    return list(jsonschema.Draft202012Validator(schema).iter_errors(doc))


def _format3(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["format_version"] = 3
    for f in doc["features"]:
        f["properties"].setdefault("as_of", "2026-12-07")
    return doc


def test_format3_with_viewpoint_and_history_is_read(tmp_path):
    doc = _format3(_doc())
    props = doc["features"][0]["properties"]
    props["appearances"][0]["viewpoint"] = VIEWPOINT
    props["history"] = [
        MOVE,
        {"date": "1990", "event": "placed at the top for Rocky V", "source": MOVE["source"]},
    ]
    assert not _schema_errors(doc)
    data = read_dataset(_write(tmp_path, doc))
    assert data.features[0]["properties"]["appearances"][0]["viewpoint"] == VIEWPOINT
    assert data.features[0]["properties"]["history"][0]["from"] == "foot of the steps"


def test_format2_without_as_of_is_still_read(tmp_path):
    doc = copy.deepcopy(_doc())
    doc["format_version"] = 2
    for f in doc["features"]:
        f["properties"].pop("as_of", None)
    assert not _schema_errors(doc)
    assert len(read_dataset(_write(tmp_path, doc)).features) == len(doc["features"])


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda p: p.pop("as_of"), "as_of"),
        (lambda p: p.update(as_of="7 Dec 2026"), "as_of"),
        (lambda p: p.update(as_of="2026-02-30"), "as_of"),
        (lambda p: p["appearances"][0].update(viewpoint=VIEWPOINT | {"bearing_deg": 360}), "bearing_deg"),
        (lambda p: p["appearances"][0].update(viewpoint=VIEWPOINT | {"confidence": "sure"}), "confidence"),
        (
            lambda p: p["appearances"][0].update(
                viewpoint={k: v for k, v in VIEWPOINT.items() if k != "note"}
            ),
            "note",
        ),
        (lambda p: p.update(history=[MOVE | {"date": "spring 2026"}]), "date"),
        (lambda p: p.update(history=[{k: v for k, v in MOVE.items() if k != "source"}]), "source"),
        (lambda p: p.update(history=[MOVE | {"by": "crane"}]), "by"),
    ],
)
def test_format3_refuses_bad_new_fields_in_schema_and_loader(tmp_path, change, where):
    doc = _format3(_doc())
    change(doc["features"][0]["properties"])
    if doc["features"][0]["properties"].get("as_of") != "2026-02-30":  # JSON Schema checks the shape only
        assert _schema_errors(doc), where
    with pytest.raises(DatasetError) as err:
        read_dataset(_write(tmp_path, doc))
    assert "features.0" in str(err.value) or doc["features"][0]["id"] in str(err.value)
