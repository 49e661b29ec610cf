"""Scene files and CSV through the Scene: round trips, and bad files that change nothing."""

import dataclasses
import json

import numpy as np
import pytest

from explorer import scene_io
from explorer.state import Scene, SceneData


def fields_of(scene):
    return {f.name: getattr(scene.data, f.name) for f in dataclasses.fields(SceneData)}


def assert_same(a, b):
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        else:
            assert a[k] == b[k], k


def test_round_trip_gives_an_identical_scene(scene, tmp_path):
    scene.set_features(["x1^2", "sin(x2)"])
    scene.set_weight(2, 1, 0.1 + 0.2)  # a value with a long repr
    scene.set_n_classes(4)
    scene.add_point(1.0 / 3.0, -2.5, 3)
    scene.set_temperature(0.7)
    scene.set_batch_size(32)
    scene.set_loss("svm")
    path = tmp_path / "lesson.json"
    scene.save_file(path, {"layout": "Everything"})
    other = Scene(seed=123)
    view = other.load_file(path)
    assert view == {"layout": "Everything"}
    assert_same(fields_of(scene), fields_of(other))
    assert other.undo_stack.count() == 1  # opening is one undoable edit


BAD = {
    "not json": b"this is not json",
    "truncated": None,  # filled in below from a real file
    "wrong version": None,
    "nan": None,
    "labels out of range": None,
    "wrong types": None,
    "huge numbers": None,
    "binary": bytes(range(256)),
    "top level list": b"[1, 2, 3]",
}


def _variants(good: dict) -> dict:
    text = json.dumps(good)
    v = dict(BAD)
    v["truncated"] = text[: len(text) // 2].encode()
    v["wrong version"] = json.dumps({**good, "version": 99}).encode()
    v["nan"] = text.replace('"W":[[', '"W":[[NaN,', 1).encode() if '"W":[[' in text else \
        json.dumps({**good, "W": "NaN"}).encode().replace(b'"NaN"', b"NaN")
    labels = good["points"]["labels"]
    v["labels out of range"] = json.dumps(
        {**good, "points": {"x": good["points"]["x"], "labels": [7] + labels[1:]}}).encode()
    v["wrong types"] = json.dumps({**good, "W": "zero"}).encode()
    v["huge numbers"] = json.dumps({**good, "b": [1e999] * 3}).encode().replace(b"Infinity", b"1e999")
    return v


@pytest.mark.parametrize("kind", list(BAD))
def test_bad_files_are_rejected_with_a_message_and_change_nothing(scene, tmp_path, kind, qtbot):
    good = scene_io.scene_to_dict(scene.data)
    raw = _variants(good)[kind]
    path = tmp_path / f"{kind}.json"
    path.write_bytes(raw)
    before = fields_of(scene)
    with qtbot.assertNotEmitted(scene.dataset_changed), qtbot.assertNotEmitted(scene.weights_changed):
        with pytest.raises(scene_io.SceneFileError) as info:
            scene.load_file(path)
    assert str(info.value).startswith(f"{path}: ")
    assert_same(before, fields_of(scene))
    assert scene.undo_stack.count() == 0


def test_missing_file_and_folder(scene, tmp_path):
    with pytest.raises(scene_io.SceneFileError, match="no such file"):
        scene.load_file(tmp_path / "nope.json")
    with pytest.raises(scene_io.SceneFileError, match="folder"):
        scene.load_file(tmp_path)


def test_save_is_atomic_and_leaves_no_temporary_files(scene, tmp_path):
    path = tmp_path / "s.json"
    path.write_text("old content")
    scene.save_file(path)
    assert json.loads(path.read_text())["format"] == scene_io.FORMAT
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_csv_round_trip(scene, tmp_path):
    path = tmp_path / "points.csv"
    scene.export_csv(path)
    X, y = scene.X.copy(), scene.y.copy()
    scene.clear_points()
    assert scene.import_csv(path) == len(y)
    np.testing.assert_array_equal(scene.X, X)
    np.testing.assert_array_equal(scene.y, y)


@pytest.mark.parametrize("text,message", [
    ("x1,x2,label\n1,2,0\n3,four,1\n", "line 3"),
    ("1,2,0\n1,2\n", "line 2: expected 3 values"),
    ("1,2,9\n", "label 9 is out of range"),
    ("1,nan,0\n", "finite"),
    ("1,2,1.5\n", "not a whole number"),
    ("", "no data rows"),
])
def test_bad_csv_rows_are_named(scene, tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    before = fields_of(scene)
    with pytest.raises(scene_io.SceneFileError, match=message):
        scene.import_csv(path)
    assert_same(before, fields_of(scene))


def test_files_beyond_the_size_limit_are_refused_before_reading(scene, tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    scene.save_file(path)
    monkeypatch.setattr(scene_io, "MAX_FILE_BYTES", 1000)
    with pytest.raises(scene_io.SceneFileError, match="too large"):
        scene.load_file(path)


def test_too_many_points_are_refused(scene, monkeypatch):
    doc = scene_io.scene_to_dict(scene.data)
    monkeypatch.setattr(scene_io, "MAX_POINTS", 10)
    with pytest.raises(ValueError, match="too many points"):
        scene_io.parse_scene(json.dumps(doc))
