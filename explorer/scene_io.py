"""Scene files (JSON) and dataset CSV files: reading with full validation, atomic writing.

Nothing here imports Qt. Readers never use pickle or eval; every value is
type- and range-checked, and any problem raises ``SceneFileError`` (a
``ValueError``) whose message names the file and the problem.

A scene file looks like::

    {"format": "softmax-explorer-scene", "version": 1,
     "classes": 3, "features": ["x1^2"],
     "points": {"x": [[x1, x2], ...], "labels": [0, 2, ...]},
     "W": [[...], ...], "b": [...], "scores": [...], "true_class": 0,
     "training": {"lr": 0.05, "batch_size": null, "reg": 0.001, "momentum": 0.0,
                  "steps_per_frame": 1, "loss": "softmax", "step": 0},
     "preset": {"name": "blobs", "n": 150, "noise": null, "seed": 0} or null,
     "view": {...}}

``view`` holds the window's own options (layout, theme, ...); it is passed
through as a dict and validated by the window.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np

from . import engine

FORMAT = "softmax-explorer-scene"
VERSION = 1
MAX_FILE_BYTES = 64 * 1024 * 1024  # 64 MiB
MAX_POINTS = engine.MAX_POINTS
MAX_ABS_VALUE = 1e300
MAX_COORD = 1e6


class SceneFileError(ValueError):
    """A scene or CSV file that cannot be read; the message says which and why."""


def _fail(path, message: str):
    raise SceneFileError(f"{path}: {message}" if path else message)


# --------------------------------------------------------------------- writing
def write_atomic(path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename.

    A crash mid-write leaves either the old file or the new one, never a
    truncated mix.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with _suppress():
            os.unlink(tmp)
        raise


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, or the usual 0o666 minus the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return exc[0] is not None and issubclass(exc[0], OSError)


def scene_to_dict(data, view: dict | None = None) -> dict:
    """A JSON-ready dict of a ``SceneData`` (and the window's view options)."""
    preset = None
    if data.preset is not None:
        p = data.preset
        preset = {"name": p.name, "n": p.n, "noise": p.noise, "seed": p.seed}
    return {
        "format": FORMAT,
        "version": VERSION,
        "classes": int(data.n_classes),
        "features": list(data.features),
        "points": {"x": data.X.tolist(), "labels": data.y.tolist()},
        "W": data.W.tolist(),
        "b": data.b.tolist(),
        "scores": data.scores.tolist(),
        "true_class": int(data.true_class),
        "temperature": float(data.temperature),
        "naive": bool(data.naive),
        "training": {
            "lr": data.lr, "batch_size": data.batch_size, "reg": data.reg,
            "momentum": data.momentum, "steps_per_frame": data.steps_per_frame,
            "loss": data.loss, "step": int(data.step),
        },
        "preset": preset,
        "view": dict(view or {}),
    }


def scene_to_json(data, view: dict | None = None) -> str:
    # Python's repr of floats round-trips exactly; allow_nan=False guards the format.
    return json.dumps(scene_to_dict(data, view), allow_nan=False, separators=(",", ":"))


def save_scene(path, data, view: dict | None = None) -> None:
    write_atomic(path, scene_to_json(data, view))


# --------------------------------------------------------------------- reading
def _reject_constant(name):
    raise ValueError(f"{name} is not allowed (numbers must be finite)")


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _number(v, where: str, lo=-MAX_ABS_VALUE, hi=MAX_ABS_VALUE) -> float:
    if not _is_number(v):
        raise ValueError(f"{where} must be a number, got {type(v).__name__}")
    try:
        f = float(v)
    except OverflowError:
        raise ValueError(f"{where} is too large") from None
    if not math.isfinite(f):
        raise ValueError(f"{where} must be finite, got {v!r}")
    if not lo <= f <= hi:
        raise ValueError(f"{where} must be between {lo:g} and {hi:g}, got {f:g}")
    return f


def _integer(v, where: str, lo: int, hi: int) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        else:
            raise ValueError(f"{where} must be a whole number, got {v!r}")
    if not lo <= v <= hi:
        raise ValueError(f"{where} must be between {lo} and {hi}, got {v}")
    return v


def _to_array(v, where: str) -> np.ndarray:
    try:
        return np.array(v, dtype=np.float64)
    except OverflowError:
        raise ValueError(f"{where} holds a number too large for a double") from None


def _matrix(v, where: str, shape, lo=-MAX_ABS_VALUE, hi=MAX_ABS_VALUE, dtype=np.float64):
    """A nested list of numbers of the given shape (None: any length) as an array."""
    if len(shape) == 1:
        if not isinstance(v, list):
            raise ValueError(f"{where} must be a list, got {type(v).__name__}")
        if shape[0] is not None and len(v) != shape[0]:
            raise ValueError(f"{where} must have {shape[0]} entries, got {len(v)}")
        if not all(_is_number(e) for e in v):
            bad = next(e for e in v if not _is_number(e))
            raise ValueError(f"{where} must hold numbers only, found {type(bad).__name__}")
        arr = _to_array(v, where) if v else np.empty(0)
    else:
        if not isinstance(v, list):
            raise ValueError(f"{where} must be a list of lists, got {type(v).__name__}")
        if shape[0] is not None and len(v) != shape[0]:
            raise ValueError(f"{where} must have {shape[0]} rows, got {len(v)}")
        for k, row in enumerate(v):
            if not isinstance(row, list) or len(row) != shape[1]:
                raise ValueError(f"{where} row {k + 1} must be a list of {shape[1]} numbers")
            if not all(_is_number(e) for e in row):
                raise ValueError(f"{where} row {k + 1} must hold numbers only")
        arr = _to_array(v, where) if v else np.empty((0, shape[1]))
    if arr.size:
        with np.errstate(over="ignore", invalid="ignore"):
            finite = np.isfinite(arr)
        if not finite.all():
            raise ValueError(f"{where} must hold finite numbers only")
        if arr.min() < lo or arr.max() > hi:
            raise ValueError(f"{where} values must be between {lo:g} and {hi:g}")
    return arr.astype(dtype) if dtype is not np.float64 else arr


def _section(d: dict, key: str, kind, where: str = ""):
    if key not in d:
        raise ValueError(f"missing {where}{key!r}")
    v = d[key]
    if not isinstance(v, kind):
        want = {dict: "an object", list: "a list", str: "a string"}.get(kind, str(kind))
        raise ValueError(f"{where}{key!r} must be {want}, got {type(v).__name__}")
    return v


def parse_scene(text: str | bytes) -> dict:
    """Validate scene JSON; return ``SceneData`` field values plus ``"view"``.

    Raises ``ValueError`` describing the first problem found.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not a text file (UTF-8 decoding failed at byte {exc.start})") from None
    try:
        doc = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("not a scene: the JSON is nested too deeply") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
                         "the file may be truncated or not a scene") from None
    except ValueError as exc:
        raise ValueError(f"not valid scene JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError(f"not a scene: the top level is a {type(doc).__name__}, not an object")
    if doc.get("format") != FORMAT:
        raise ValueError(f"not a Softmax Explorer scene (format is {doc.get('format')!r})")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ValueError(f"the scene version must be a whole number, got {version!r}")
    if version != VERSION:
        newer = " (written by a newer Softmax Explorer)" if version > VERSION else ""
        raise ValueError(f"unsupported scene version {version}{newer}; this app reads version {VERSION}")

    C = _integer(doc.get("classes"), "classes", engine.MIN_CLASSES, engine.MAX_CLASSES)
    features = _section(doc, "features", list)
    if not all(isinstance(f, str) for f in features):
        raise ValueError("'features' must be a list of names")
    try:
        features = engine.check_features(features)
    except ValueError as exc:
        raise ValueError(f"'features': {exc}") from None
    D = 2 + len(features)

    points = _section(doc, "points", dict)
    xs = _section(points, "x", list, "points ")
    labels = _section(points, "labels", list, "points ")
    if len(xs) > MAX_POINTS:
        raise ValueError(f"too many points ({len(xs)}); the limit is {MAX_POINTS}")
    X = _matrix(xs, "points x", (None, 2), -MAX_COORD, MAX_COORD)
    if len(labels) != X.shape[0]:
        raise ValueError(f"points has {X.shape[0]} positions but {len(labels)} labels")
    for k, lab in enumerate(labels):
        if isinstance(lab, bool) or not isinstance(lab, int) or not 0 <= lab < C:
            raise ValueError(f"point {k + 1} has label {lab!r}; labels must be whole numbers "
                             f"in 0..{C - 1} for {C} classes")
    y = np.array(labels, dtype=np.int64) if labels else np.empty(0, dtype=np.int64)

    W = _matrix(_section(doc, "W", list), "W", (D, C))
    b = _matrix(_section(doc, "b", list), "b", (C,))
    scores = _matrix(_section(doc, "scores", list), "scores", (C,))
    true_class = _integer(doc.get("true_class"), "true_class", 0, C - 1)
    temperature = _number(doc.get("temperature", 1.0), "temperature", 1e-3, 1e3)
    naive = doc.get("naive", False)
    if not isinstance(naive, bool):
        raise ValueError(f"'naive' must be true or false, got {naive!r}")

    t = _section(doc, "training", dict)
    batch = t.get("batch_size")
    training = {
        "lr": _number(t.get("lr"), "training lr", 1e-4, 10.0),
        "batch_size": None if batch is None else _integer(batch, "training batch_size", 1, MAX_POINTS),
        "reg": _number(t.get("reg"), "training reg", 0.0, 10.0),
        "momentum": _number(t.get("momentum"), "training momentum", 0.0, 0.99),
        "steps_per_frame": _integer(t.get("steps_per_frame"), "training steps_per_frame", 1, 1000),
        "loss": t.get("loss"),
        "step": _integer(t.get("step", 0), "training step", 0, 2**62),
    }
    if training["loss"] not in engine.LOSSES:
        raise ValueError(f"training loss must be one of {', '.join(engine.LOSSES)}, "
                         f"got {training['loss']!r}")

    preset = doc.get("preset")
    if preset is not None:
        if not isinstance(preset, dict):
            raise ValueError("'preset' must be an object or null")
        if not isinstance(preset.get("name"), str) or preset["name"] not in engine.DATASETS:
            raise ValueError(f"unknown preset {preset.get('name')!r}")
        noise = preset.get("noise")
        preset = {
            "name": preset["name"],
            "n": _integer(preset.get("n"), "preset n", 1, MAX_POINTS),
            "noise": None if noise is None else _number(noise, "preset noise", 0.0, 10.0),
            "seed": _integer(preset.get("seed"), "preset seed", 0, 2**31 - 1),
        }
    view = doc.get("view", {})
    if not isinstance(view, dict):
        raise ValueError("'view' must be an object")
    return {
        "X": X, "y": y, "n_classes": C, "features": features, "W": W, "b": b,
        "scores": scores, "true_class": true_class, "temperature": temperature, "naive": naive,
        "preset": preset, "view": view, **training,
    }


def _read_bounded(path) -> bytes:
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            _fail(path, f"the file is too large ({size / 2**20:.0f} MiB; the limit is "
                        f"{MAX_FILE_BYTES // 2**20} MiB)")
        with open(path, "rb") as f:
            return f.read(MAX_FILE_BYTES + 1)
    except SceneFileError:
        raise
    except IsADirectoryError:
        _fail(path, "is a folder, not a file")
    except FileNotFoundError:
        _fail(path, "no such file")
    except PermissionError:
        _fail(path, "permission denied")
    except OSError as exc:
        _fail(path, f"cannot be read ({exc.strerror or exc})")


def load_scene(path) -> dict:
    """Read and validate a scene file; ``SceneFileError`` names the file and the problem."""
    raw = _read_bounded(path)
    try:
        return parse_scene(raw)
    except SceneFileError:
        raise
    except ValueError as exc:
        _fail(path, str(exc))


# ------------------------------------------------------------------------ CSV
CSV_HEADER = ("x1", "x2", "label")


def dataset_to_csv(X: np.ndarray, y: np.ndarray) -> str:
    """CSV text with a header ``x1,x2,label`` and one row per point (exact floats)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_HEADER)
    for (x1, x2), lab in zip(X.tolist(), y.tolist()):
        w.writerow((repr(x1), repr(x2), lab))
    return out.getvalue()


def save_csv(path, X, y) -> None:
    write_atomic(path, dataset_to_csv(X, y))


def parse_csv(text: str, n_classes: int | None = None):
    """Parse ``x1,x2,label`` rows (header optional); return ``(X, y)``.

    Labels are whole numbers from 0; with ``n_classes`` they must be below it.
    A bad row raises ``ValueError`` naming its line number and the problem.
    """
    try:
        return _parse_csv_rows(csv.reader(io.StringIO(text, newline=None)), n_classes)
    except csv.Error as exc:
        raise ValueError(f"not a readable CSV file ({exc})") from None


def _parse_csv_rows(rows, n_classes):
    xs, labels = [], []
    max_label = (n_classes - 1) if n_classes else engine.MAX_CLASSES - 1
    for line_no, row in enumerate(rows, start=1):
        if not row or all(not c.strip() for c in row):
            continue
        if line_no == 1 and [c.strip().lower() for c in row] == list(CSV_HEADER):
            continue
        if len(row) != 3:
            raise ValueError(f"line {line_no}: expected 3 values (x1, x2, label), got {len(row)}")
        try:
            x1, x2 = float(row[0]), float(row[1])
        except ValueError:
            raise ValueError(f"line {line_no}: {row[0].strip()!r}, {row[1].strip()!r} "
                             "are not both numbers") from None
        if not (math.isfinite(x1) and math.isfinite(x2)):
            raise ValueError(f"line {line_no}: coordinates must be finite numbers")
        if abs(x1) > MAX_COORD or abs(x2) > MAX_COORD:
            raise ValueError(f"line {line_no}: coordinates must be within ±{MAX_COORD:g}")
        try:
            lab = int(row[2].strip())
        except ValueError:
            raise ValueError(f"line {line_no}: label {row[2].strip()!r} is not a whole number") from None
        if not 0 <= lab <= max_label:
            raise ValueError(f"line {line_no}: label {lab} is out of range 0..{max_label}")
        xs.append((x1, x2))
        labels.append(lab)
        if len(xs) > MAX_POINTS:
            raise ValueError(f"too many points; the limit is {MAX_POINTS}")
    if not xs:
        raise ValueError("no data rows (expected lines of x1,x2,label)")
    return np.array(xs, dtype=np.float64), np.array(labels, dtype=np.int64)


def load_csv(path, n_classes: int | None = None):
    raw = _read_bounded(path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        _fail(path, f"not a text file (UTF-8 decoding failed at byte {exc.start})")
    try:
        return parse_csv(text, n_classes)
    except ValueError as exc:
        _fail(path, str(exc))
