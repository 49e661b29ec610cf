"""Scene and CSV readers under fuzzing: always a clear error, never a crash or a hang.

Every reader call must either return a valid result or raise ``ValueError``
(``SceneFileError`` from the ``load_*`` functions, which name the file), and
finish quickly: each call is timed against a generous bound that only a hang
(or a pathological slowdown) would exceed. No Qt here.
"""

import copy
import json
import math
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from explorer import engine, scene_io

HANG_SECONDS = 2.0  # a hang detector, not a benchmark

FUZZ = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEW = settings(FUZZ, max_examples=40)


def valid_doc() -> dict:
    """A small, valid scene document (3 classes, one extra feature, 4 points)."""
    return {
        "format": scene_io.FORMAT,
        "version": scene_io.VERSION,
        "classes": 3,
        "features": ["x1^2"],
        "points": {"x": [[0.5, -1.0], [2.0, 3.0], [-1.5, 0.25], [0.0, 0.0]],
                   "labels": [0, 1, 2, 1]},
        "W": [[1.0, -0.5, 0.25], [0.0, 2.0, -1.0], [0.1, 0.2, 0.3]],
        "b": [0.0, 0.5, -0.5],
        "scores": [3.2, 5.1, -1.7],
        "true_class": 0,
        "temperature": 1.0,
        "naive": False,
        "training": {"lr": 0.05, "batch_size": None, "reg": 0.001, "momentum": 0.0,
                     "steps_per_frame": 1, "loss": "softmax", "step": 0},
        "preset": {"name": "blobs", "n": 4, "noise": None, "seed": 0},
        "view": {"layout": "Everything"},
    }


VALID_TEXT = json.dumps(valid_doc())


def check_fields(fields: dict) -> None:
    """A parsed scene is self-consistent: shapes, label range, finiteness."""
    C = fields["n_classes"]
    D = 2 + len(fields["features"])
    X, y = fields["X"], fields["y"]
    assert engine.MIN_CLASSES <= C <= engine.MAX_CLASSES
    assert X.shape == (y.shape[0], 2) and X.dtype == np.float64
    assert y.dtype == np.int64 and (y.size == 0 or (y.min() >= 0 and y.max() < C))
    assert fields["W"].shape == (D, C) and fields["b"].shape == (C,)
    assert fields["scores"].shape == (C,)
    for k in ("X", "W", "b", "scores"):
        assert np.all(np.isfinite(fields[k])), k
    assert 0 <= fields["true_class"] < C
    assert isinstance(fields["view"], dict)


def parse_scene_safely(data):
    """parse_scene's contract: a consistent result or a ValueError, quickly."""
    start = time.perf_counter()
    try:
        fields = scene_io.parse_scene(data)
    except ValueError as exc:
        assert str(exc), "an error must say what is wrong"
        fields = None
    finally:
        elapsed = time.perf_counter() - start
        assert elapsed < HANG_SECONDS, f"parse_scene took {elapsed:.1f} s"
    if fields is not None:
        check_fields(fields)
    return fields


def parse_csv_safely(text, n_classes=None):
    start = time.perf_counter()
    try:
        result = scene_io.parse_csv(text, n_classes)
    except ValueError as exc:
        assert str(exc)
        result = None
    finally:
        elapsed = time.perf_counter() - start
        assert elapsed < HANG_SECONDS, f"parse_csv took {elapsed:.1f} s"
    if result is not None:
        X, y = result
        assert X.ndim == 2 and X.shape == (y.shape[0], 2) and X.shape[0] >= 1
        assert np.all(np.isfinite(X)) and np.all(np.abs(X) <= scene_io.MAX_COORD)
        limit = n_classes if n_classes else engine.MAX_CLASSES
        assert y.min() >= 0 and y.max() < limit
    return result


def test_the_valid_document_parses():
    fields = parse_scene_safely(VALID_TEXT)
    assert fields is not None and fields["n_classes"] == 3 and fields["X"].shape == (4, 2)


# ---------------------------------------------------------------- scene: raw input
@FUZZ
@given(st.binary(max_size=2000))
@example(b"")
@example(b"\xff\xfe{}")
@example(b"\x00" * 64)
@example(VALID_TEXT.encode("utf-16"))
def test_random_bytes_never_crash_the_scene_reader(data):
    parse_scene_safely(data)


@FUZZ
@given(st.text(max_size=500))
def test_random_text_never_crashes_the_scene_reader(text):
    parse_scene_safely(text)


def test_every_truncation_of_a_scene_is_a_clear_error():
    raw = VALID_TEXT.encode()
    for k in range(0, len(raw), 7):
        with pytest.raises(ValueError):
            scene_io.parse_scene(raw[:k])
    assert parse_scene_safely(raw) is not None


@pytest.mark.parametrize("depth", [10, 1000, 100_000])
def test_deeply_nested_json_is_a_clear_error(depth):
    parse_scene_safely("[" * depth + "]" * depth)
    parse_scene_safely("[" * depth)
    nested = VALID_TEXT[:-1] + ', "extra": ' + "[" * depth + "]" * depth + "}"
    parse_scene_safely(nested)
    in_view = VALID_TEXT.replace('"view": {', '"view": {"deep": ' + '{"a": ' * depth + "0"
                                + "}" * depth + ", ", 1)
    parse_scene_safely(in_view)


# ------------------------------------------------------------ scene: any JSON value
json_scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=-10**400,
                                                                         max_value=10**400)
                | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12))
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children,
                                                                    max_size=5),
    max_leaves=30,
)


@FUZZ
@given(json_values)
def test_any_json_value_never_crashes_the_scene_reader(value):
    parse_scene_safely(json.dumps(value))


# ------------------------------------------------------- scene: mutated valid documents
def _paths(node, prefix=()):
    """Every path (tuple of keys / indices) into a JSON document."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


PATHS = [p for p in _paths(valid_doc()) if p]

weird_values = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1, 2**31, 2**63, -(2**63), 10**30, 10**400,
                     0.5, -0.0, 1e300, -1e300, 1e308, 5e-324, float("nan"), float("inf"),
                     -float("inf"), "", "x", "softmax", "svm", "blobs", "NaN", "1e400", [], {},
                     [[]], [None], {"name": []}, [1e400], ["x1^2", "x1^2"], ["nope"],
                     [[0.0, 0.0]] * 3, list(range(11)), [0] * 100]),
    json_values,
)


def _mutate(doc, path, op, value):
    doc = copy.deepcopy(doc)
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    if op == "drop":
        if isinstance(parent, dict):
            del parent[key]
        else:
            parent.pop(key)
    elif op == "replace":
        parent[key] = value
    elif op == "wrap":
        parent[key] = [parent[key]]
    elif op == "stringify":
        parent[key] = json.dumps(parent[key])
    elif op == "duplicate" and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    return doc


@FUZZ
@given(st.lists(st.tuples(st.sampled_from(PATHS),
                          st.sampled_from(["drop", "replace", "replace", "wrap", "stringify",
                                           "duplicate"]),
                          weird_values),
                min_size=1, max_size=3))
@example([(("preset", "name"), "replace", [])])  # an unhashable preset name
@example([(("preset", "name"), "replace", {})])
@example([(("training", "loss"), "replace", {})])
@example([(("classes",), "replace", 10**400)])
@example([(("W", 0, 0), "replace", 10**400)])
@example([(("W", 0, 0), "replace", float("nan"))])
@example([(("points", "x", 0, 0), "replace", 1e308)])
@example([(("points", "labels", 0), "replace", 2**63)])
@example([(("version",), "replace", 10**400)])
@example([(("temperature",), "replace", float("inf"))])
def test_mutated_scene_documents_never_crash_the_reader(mutations):
    doc = valid_doc()
    for path, op, value in mutations:
        try:
            doc = _mutate(doc, path, op, value)
        except (KeyError, IndexError, TypeError):
            pass  # an earlier mutation removed or replaced that path
    text = json.dumps(doc, allow_nan=True)  # NaN and Infinity tokens on purpose
    parse_scene_safely(text)


@pytest.mark.parametrize("key", ["x", "labels"])
def test_long_point_lists_near_the_limit(monkeypatch, key):
    limit = 500
    monkeypatch.setattr(scene_io, "MAX_POINTS", limit)
    for n, ok in ((limit, True), (limit + 1, False)):
        doc = valid_doc()
        doc["preset"] = None
        doc["points"] = {"x": [[0.1 * k, -0.1 * k] for k in range(n)], "labels": [k % 3 for k in range(n)]}
        if key == "labels" and not ok:
            doc["points"]["x"] = doc["points"]["x"][:limit]  # more labels than positions
        fields = parse_scene_safely(json.dumps(doc))
        assert (fields is not None) == ok, n


def test_the_real_point_limit_is_checked_before_converting():
    """A document announcing more than MAX_POINTS points is refused quickly."""
    doc = valid_doc()
    doc["points"] = {"x": [0] * (scene_io.MAX_POINTS + 1), "labels": []}
    start = time.perf_counter()
    with pytest.raises(ValueError, match="too many points"):
        scene_io.parse_scene(json.dumps(doc))
    assert time.perf_counter() - start < 10 * HANG_SECONDS


# ------------------------------------------------------------------------------ CSV
csv_cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**30, max_value=10**30).map(str),
    st.sampled_from(["", " ", "nan", "inf", "-inf", "1e400", "-1e400", "1e6", "1000000.1",
                     "0x10", "1_0", "label", "x1", "\"", "\"\"", "1,2", "\x00", "\ufeff1",
                     "\u2212" "1", "9" * 5000, " 3 ", "+1", "-0", "2.0"]),
    st.text(max_size=6),
)
csv_rows = st.lists(csv_cells, min_size=0, max_size=5).map(lambda cells: ",".join(cells))


@FUZZ
@given(st.lists(csv_rows, max_size=12), st.sampled_from(["\n", "\r\n", "\r"]),
       st.sampled_from([None, 2, 3, 10]), st.booleans())
def test_csv_variants_never_crash_the_reader(rows, newline, n_classes, header):
    text = newline.join((["x1,x2,label"] if header else []) + rows)
    parse_csv_safely(text, n_classes)


@FUZZ
@given(st.text(max_size=400), st.sampled_from([None, 3]))
@example("x" * 200_000, None)  # a field beyond the csv module's field limit
@example("1,2,0\n" + "\"" * 3, None)
@example("1,2,0\n" * 3 + "1,2", 3)
def test_random_text_never_crashes_the_csv_reader(text, n_classes):
    parse_csv_safely(text, n_classes)


def test_every_truncation_of_a_csv_file_is_handled():
    X = np.array([[0.5, -1.25], [1e-300, 3.0], [-1e6, 1e6]])
    y = np.array([0, 2, 1])
    text = scene_io.dataset_to_csv(X, y)
    for k in range(0, len(text), 7):
        parse_csv_safely(text[:k], 3)
    X2, y2 = parse_csv_safely(text, 3)
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def test_too_many_csv_rows_are_refused(monkeypatch):
    monkeypatch.setattr(scene_io, "MAX_POINTS", 100)
    assert parse_csv_safely("0,0,0\n" * 100) is not None
    with pytest.raises(ValueError, match="too many points"):
        scene_io.parse_csv("0,0,0\n" * 101)


# ------------------------------------------------------------------------ load_*
def _load_safely(load, path, *args):
    start = time.perf_counter()
    try:
        result = load(path, *args)
    except scene_io.SceneFileError as exc:
        assert path.name in str(exc), "the message names the file"
        result = None
    finally:
        assert time.perf_counter() - start < HANG_SECONDS
    return result


@FEW
@given(st.binary(max_size=3000) | st.sampled_from([VALID_TEXT.encode()[:k]
                                                  for k in range(0, len(VALID_TEXT), 13)]))
def test_load_functions_turn_every_bad_file_into_a_scene_file_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "lesson.json"
    path.write_bytes(data)
    fields = _load_safely(scene_io.load_scene, path)
    if fields is not None:
        check_fields(fields)
    _load_safely(scene_io.load_csv, path, 3)


def test_load_errors_for_odd_paths(tmp_path, monkeypatch):
    with pytest.raises(scene_io.SceneFileError, match="no such file"):
        scene_io.load_scene(tmp_path / "missing.json")
    with pytest.raises(scene_io.SceneFileError, match="folder"):
        scene_io.load_csv(tmp_path)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 5000)
    monkeypatch.setattr(scene_io, "MAX_FILE_BYTES", 4096)
    for load in (scene_io.load_scene, scene_io.load_csv):
        with pytest.raises(scene_io.SceneFileError, match="too large"):
            load(big)


def test_a_valid_file_round_trips_through_load_scene(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text(VALID_TEXT)
    fields = scene_io.load_scene(path)
    check_fields(fields)
    assert fields["view"] == {"layout": "Everything"}
    assert math.isclose(fields["lr"], 0.05)
