"""The scene: everything the user can edit, as one QObject.

``Scene`` is the only place that changes the scene. Every public setter
validates its input (raising ``ValueError`` with a message the GUI shows),
returns early when nothing changes, records an undo entry, and emits one
typed signal per changed part. Views read the scene and call its setters;
they never write each other.

The editable content lives in an immutable ``SceneData`` whose arrays are
read-only: an edit builds a new ``SceneData``. Undo entries are therefore
just the (before, after) pair of ``SceneData`` values, and old arrays are
shared, not copied.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import numbers
import time
import weakref
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from . import engine, scene_io
from .perf import DeferredRefresh

LOSSES = engine.LOSSES
PRESETS = tuple(engine.DATASETS)
PRESET_LABELS = {
    "blobs": "Gaussian blobs",
    "circles": "Concentric circles",
    "xor": "XOR / quadrants",
    "spiral": "Spiral",
    "linear": "Linearly separable",
}
LR_RANGE = (1e-4, 10.0)
REG_RANGE = (0.0, 10.0)
MOMENTUM_RANGE = (0.0, 0.99)
STEPS_PER_FRAME_RANGE = (1, 1000)
MAX_SCORE = 1e300  # typed scores, weights and biases must stay within this
MAX_COORD = 1e6  # data coordinates
MAX_INTERACTIVE_POINTS = engine.MAX_POINTS


@dataclass(frozen=True)
class PresetSpec:
    """How a generated dataset was made, so it can be remade (e.g. with more classes)."""

    name: str = "blobs"
    n: int = 150
    noise: float | None = None  # None: the generator's default
    seed: int = 0


@dataclass(frozen=True)
class SceneData:
    """The editable scene. Arrays are read-only; an edit makes a new SceneData."""

    X: np.ndarray  # (N, 2) float64 raw points
    y: np.ndarray  # (N,) int64 labels in [0, n_classes)
    n_classes: int
    features: tuple  # extra feature names, canonical order
    W: np.ndarray  # (2 + len(features), n_classes)
    b: np.ndarray  # (n_classes,)
    scores: np.ndarray  # (n_classes,) free scores of the score lab
    true_class: int  # y of the free scores
    lr: float = 0.05
    batch_size: int | None = None  # None: full batch
    reg: float = 0.001
    momentum: float = 0.0
    steps_per_frame: int = 1
    loss: str = "softmax"
    preset: PresetSpec | None = field(default=None)  # set while the points are a pristine preset
    step: int = 0  # SGD steps taken since the last reset
    temperature: float = 1.0  # the score lab shows softmax(s / T)
    naive: bool = False  # the score lab shows the naive exp(s) / sum(exp(s)) (teaching)

    def replace(self, **changes) -> "SceneData":
        return dataclasses.replace(self, **changes)


# Which signal each SceneData field feeds.
_GROUPS = {
    "X": "dataset", "y": "dataset", "n_classes": "classes", "features": "features",
    "W": "weights", "b": "weights", "scores": "scores", "true_class": "scores",
    "lr": "hyper", "batch_size": "hyper", "reg": "hyper", "momentum": "hyper",
    "steps_per_frame": "hyper", "loss": "hyper", "preset": "dataset", "step": "weights",
    "temperature": "scores", "naive": "scores",
}
# The fields every derived value (features, scores, losses, metrics of the points) depends on.
_EVALUATED_FROM = ("X", "y", "n_classes", "features", "W", "b", "reg", "loss")
TEMPERATURE_RANGE = (1e-3, 1e3)


def _frozen(a, dtype) -> np.ndarray:
    arr = np.array(a, dtype=dtype, copy=True)
    arr.flags.writeable = False
    return arr


def _same(a, b) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return a is b or (np.shape(a) == np.shape(b) and np.array_equal(a, b))
    return a == b


def _changed(old: "SceneData", new: "SceneData", known=()) -> set:
    """The names of the fields that differ; those in ``known`` are taken as different
    without a look (e.g. the points of a move: comparing 10**6 of them takes ~5 ms)."""
    return {f.name for f in dataclasses.fields(SceneData)
            if f.name in known or not _same(getattr(old, f.name), getattr(new, f.name))}


def _check_real(value, name: str, lo: float, hi: float) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be between {lo:g} and {hi:g}, got {v:g}")
    return v


def _check_int(value, name: str, lo: int, hi: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
    return int(value)


class _SceneCommand(QUndoCommand):
    """An undo entry: the scene before and after one edit.

    It holds its scene by a weak reference: the scene owns its undo stack, which owns
    the entries, and a strong one would make a cycle through Qt's ownership. Python's
    collector breaking such a cycle freed the entry first, its scene with it, and the
    scene's undo stack then deleted that entry a second time (a crash: a scene made and
    dropped without a window, e.g. by a script or a test, then collected).
    """

    def __init__(self, scene: "Scene", text: str, before: SceneData, after: SceneData,
                 merge_key=None, applied: bool = False):
        super().__init__(text)
        self._scene_ref = weakref.ref(scene)
        self.before = before
        self.after = after
        self.merge_key = merge_key
        self._skip_redo = applied  # the edit was already applied when pushed

    def id(self) -> int:  # noqa: A003 - Qt's name
        return 1 if self.merge_key is not None else -1

    def mergeWith(self, other) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, _SceneCommand) or other.merge_key is None:
            return False
        if other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self._scene_ref()._apply(self.after)

    def undo(self) -> None:
        self._scene_ref()._apply(self.before)


class Scene(QObject):
    """The whole editable scene, its derived quantities, and its undo stack."""

    dataset_changed = Signal()  # points or labels
    classes_changed = Signal()  # the number of classes (everything resized)
    features_changed = Signal()  # the feature maps (W's rows changed)
    weights_changed = Signal()  # W, b or the step counter
    scores_changed = Signal()  # the free scores or their true class
    hyper_changed = Signal()  # lr, batch size, reg, momentum, steps per frame, loss
    selection_changed = Signal()  # the selected point
    active_class_changed = Signal()  # the class new points get
    history_changed = Signal()  # the training curves
    metrics_changed = Signal()  # a new full-batch evaluation (see ``metrics``)
    edit_started = Signal()  # a user edit, undo or redo is about to change the scene
    highlight_changed = Signal()  # the quantity to emphasise across views (hover)
    # what the score lab shows changed: the free scores, their class or T, the selection,
    # C, or (with a point selected) W, b, the points or the features that make its scores
    lab_changed = Signal()

    def __init__(self, parent=None, seed: int | None = 0):
        super().__init__(parent)
        self._rng = np.random.default_rng(seed)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(500)
        self._data = self._default_data()
        self._selected: int | None = None
        self._last_move = None  # (X before, X after, rows): see ``moved_rows``
        self._active_class = 0
        self._highlight = None
        self._cache: dict = {}
        self._history = TrainingCurves()
        self._timeline = ParameterHistory()
        self._published: Metrics | None = None  # the last full evaluation while training
        self._spreading = False  # metrics spread over frames (training or a live drag)
        self._training = False  # between a training step and end_training
        self._job: _EvaluationJob | None = None
        # Paused after training a large dataset: the current W's evaluation goes on over
        # the next frames (the metrics stay the last published until it completes).
        self._settling = False
        self._settle_timer = QTimer(self)
        self._settle_timer.setInterval(0)
        self._settle_timer.timeout.connect(self._settle)
        # seconds per row of a full-batch evaluation, measured at each one; it decides
        # whether to spread the evaluation over frames (first guess: ~0.15 µs, as here)
        self._eval_seconds_per_row = 1.5e-7
        self._batch_depth = 0
        self._pending: set[str] = set()
        self._pending_before: SceneData | None = None

    # ------------------------------------------------------------------ data
    def _default_data(self) -> SceneData:
        spec = PresetSpec("blobs", 150, None, 0)
        X, y = engine.make_dataset(spec.name, spec.n, classes=3, rng=spec.seed)
        W = self.random_weights(2, 3)
        return SceneData(
            X=_frozen(X, np.float64), y=_frozen(y, np.int64), n_classes=3, features=(),
            W=_frozen(W, np.float64), b=_frozen(np.zeros(3), np.float64),
            scores=_frozen([3.2, 5.1, -1.7], np.float64), true_class=0, preset=spec,
        )

    @property
    def data(self) -> SceneData:
        return self._data

    X = property(lambda self: self._data.X)
    y = property(lambda self: self._data.y)
    n_classes = property(lambda self: self._data.n_classes)
    features = property(lambda self: self._data.features)
    W = property(lambda self: self._data.W)
    b = property(lambda self: self._data.b)
    scores = property(lambda self: self._data.scores)
    true_class = property(lambda self: self._data.true_class)
    lr = property(lambda self: self._data.lr)
    batch_size = property(lambda self: self._data.batch_size)
    reg = property(lambda self: self._data.reg)
    momentum = property(lambda self: self._data.momentum)
    steps_per_frame = property(lambda self: self._data.steps_per_frame)
    loss = property(lambda self: self._data.loss)
    preset = property(lambda self: self._data.preset)
    step = property(lambda self: self._data.step)
    temperature = property(lambda self: self._data.temperature)
    naive = property(lambda self: self._data.naive)
    selected = property(lambda self: self._selected)
    active_class = property(lambda self: self._active_class)
    history = property(lambda self: self._history)
    timeline = property(lambda self: self._timeline)

    @property
    def n_points(self) -> int:
        return int(self._data.X.shape[0])

    @property
    def feature_names(self) -> tuple:
        return engine.feature_names(self._data.features)

    # ------------------------------------------------------------- derived
    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _derive(self, new: SceneData, moved_rows=None, keep_exps: bool = True) -> dict:
        """The derived values of ``new`` that every view needs, computed now.

        ``moved_rows``: the only points of ``new.X`` that differ from the current ones
        (a drag), if known: only the blocks of rows holding them are evaluated again
        (``engine.core.BlockedEvaluation``, the same numbers as a full pass). New weights
        on the same points are evaluated from the current evaluation (``reweighted``:
        for an edit of one class's weights, that class's exponentials only);
        ``keep_exps=False`` (training, where every class changes) makes a plain pass.

        Raises ``ValueError`` when the engine cannot compute them (e.g. the
        scores overflow), so that ``_commit`` can refuse the edit unchanged.
        """
        old = self._data
        if moved_rows is None and "terms" in self._cache and all(
                _same(getattr(old, f), getattr(new, f)) for f in _EVALUATED_FROM):
            return dict(self._cache)  # e.g. a score lab edit: the points' values stand
        blocked = self._cache.get("blocked")
        if (moved_rows is not None and blocked is not None and "Z" in self._cache
                and new.X.shape == old.X.shape and new.y is old.y
                and all(_same(getattr(old, f), getattr(new, f)) for f in _EVALUATED_FROM if f != "X")):
            rows = np.asarray(moved_rows, dtype=np.intp)
            if new.features:
                Z = self._cache["Z"].copy()
                Z[rows] = engine.expand_features(new.X[rows], new.features)
                Z.flags.writeable = False
            else:
                Z = self._expand(new)
            blocked = blocked.moved(Z, rows)
            return {"Z": Z, **self._results(blocked)}
        cache = {}
        if new.X is old.X and new.features == old.features and "Z" in self._cache:
            cache["Z"] = self._cache["Z"]
            if (keep_exps and blocked is not None and blocked.X is cache["Z"] and blocked.y is new.y
                    and new.reg == old.reg and new.loss == old.loss and new.W.shape == old.W.shape):
                # new weights on the same points: an edit of one class's weights forms
                # again only that class's exponentials (the same numbers as a full pass)
                cache.update(self._results(blocked.reweighted(new.W, new.b)))
                return cache
        else:
            cache["Z"] = self._expand(new)
        cache.update(self._evaluate(new, cache["Z"], keep_exps))
        return cache

    @staticmethod
    def _expand(d: SceneData) -> np.ndarray:
        if not d.features:
            return d.X  # (read-only, as every array of the scene)
        # Read-only, like the scene's arrays: the engine then checks it once, not every step.
        Z = engine.expand_features(d.X, d.features)
        Z.flags.writeable = False
        return Z

    @staticmethod
    def _evaluate(d: SceneData, Z: np.ndarray, keep_exps: bool = True) -> dict:
        """Full-batch loss terms and accuracy, and the per-point losses on demand: one pass
        of the engine (``keep_exps``: keeping what an edit of one class's weights reuses)."""
        if d.X.shape[0] == 0:
            return {"terms": None, "acc": None, "blocked": None}
        return Scene._results(engine.core.BlockedEvaluation(d.W, d.b, Z, d.y, reg=d.reg, loss=d.loss,
                                                            keep_exps=keep_exps))

    @staticmethod
    def _results(blocked) -> dict:
        # (the per-point losses are formed when a view asks for them: ``point_losses``)
        return {"terms": blocked.terms, "acc": blocked.accuracy, "blocked": blocked}

    def _evaluated(self, key):
        if key not in self._cache:
            self._cache.update(self._evaluate(self._data, self.Z))
        return self._cache[key]

    @property
    def Z(self) -> np.ndarray:
        """The points with the feature maps applied: (N, 2 + len(features)), read-only."""
        return self._cached("Z", lambda: self._expand(self._data))

    def point_scores(self) -> np.ndarray:
        """Scores of every point, (N, C)."""
        d = self._data
        return self._cached("S", lambda: engine.compute_scores(d.W, d.b, self.Z))

    def loss_terms(self):
        """Full-batch ``engine.LossTerms(total, data, penalty, dW, db)``; None without points."""
        return self._evaluated("terms")

    def accuracy(self) -> float | None:
        """Training accuracy in [0, 1]; None without points."""
        if self._data.X.shape[0] == 0:
            return None
        return self._evaluated("acc")

    def metrics(self) -> "Metrics":
        """The latest full-batch evaluation: loss terms and accuracy, and the step of W they
        belong to.

        Outside training, and while training a dataset small enough to evaluate in
        every frame, it is exact for the current W and b. While training a large
        dataset it is spread over several frames (so that no frame stalls) and lags
        a few steps behind: ``metrics().step`` says which step it describes.
        ``metrics_changed`` fires when it changes. Views that show full-batch numbers
        read this, not ``loss_terms()``, which always evaluates the current W now.

        Its ``terms`` and ``accuracy`` are None without points, or when the engine
        cannot evaluate W (a gradient that overflows): it never raises.
        """
        if self._published is not None and (self._spreading or self._settling):
            return self._published
        d = self._data
        try:
            return Metrics(d.step, d.W, d.b, self.loss_terms(), self.accuracy())
        except ValueError:
            return Metrics(d.step, d.W, d.b, None, None)

    def lab_scores(self) -> np.ndarray:
        """The score vector the score lab shows: the selected point's, or the free scores."""
        if self._selected is None:
            return self._data.scores
        if "S" in self._cache:
            return self._cache["S"][self._selected]
        d, i = self._data, self._selected
        return self._cached(("S", i), lambda: engine.compute_scores(d.W, d.b, self.Z[i:i + 1])[0])

    def lab_label(self) -> int:
        """The true class the score lab uses."""
        if self._selected is None:
            return self._data.true_class
        return int(self._data.y[self._selected])

    def lab_probabilities(self) -> np.ndarray:
        """p = softmax(s / T) of the lab's scores (the naive formula when ``naive`` is on:
        then it may hold inf or NaN, which is the point of that teaching toggle)."""
        d = self._data
        if d.naive:
            return engine.naive_softmax(self.lab_scores(), d.temperature)
        return engine.softmax(self.lab_scores(), d.temperature)

    def lab_gradient(self) -> np.ndarray:
        """dL/ds = (p - onehot(y)) / T, always computed stably."""
        return engine.score_gradient(self.lab_scores(), self.lab_label(), self._data.temperature)

    def lab_loss(self) -> float:
        """L = -ln p_y (stable; ``lab_naive_loss`` gives the naive value)."""
        return engine.cross_entropy(self.lab_scores(), self.lab_label(), self._data.temperature)

    def lab_naive_loss(self) -> float:
        return engine.naive_cross_entropy(self.lab_scores(), self.lab_label(), self._data.temperature)

    def lab_jacobian(self) -> np.ndarray:
        return engine.softmax_jacobian(self.lab_scores(), self._data.temperature)

    def point_losses(self) -> np.ndarray:
        """Per-point loss L_i under the training loss (cross-entropy or hinge), (N,)."""
        blocked = self._evaluated("blocked")
        return np.empty(0) if blocked is None else blocked.losses

    def point_gradient(self, i: int | None = None):
        """``(dL_i/dW, dL_i/db)`` of point i (default: the selected point), or None."""
        i = self._selected if i is None else self._check_index(i)
        if i is None:
            return None
        d = self._data
        return engine.point_gradients(d.W, d.b, self.Z[i], int(d.y[i]), d.loss)

    # ----------------------------------------------------- applying changes
    def _apply(self, new: SceneData, derived: dict | None = None, known=()) -> None:
        """Make ``new`` current and emit one signal per changed group (``known``: as
        ``_changed``'s)."""
        old = self._data
        changed = {_GROUPS[name] for name in _changed(old, new, known)}
        if not changed:
            return
        self._last_move = None  # (a move sets it again once applied)
        if self._settling:  # an edit (or training again): its own metrics from now on
            self._stop_settling()
        if derived is not None:
            self._cache = derived
        elif changed & {"dataset", "features", "weights", "classes", "hyper"}:
            self._cache = {}
        self._data = new
        if new.step < old.step:
            self._history.truncate(new.step)
            changed.add("history")
        if self._selected is not None and (self._selected >= new.X.shape[0]):
            self._selected = None
            changed.add("selection")
        if self._active_class >= new.n_classes:
            self._active_class = new.n_classes - 1
            changed.add("active_class")
        self._emit(changed)

    def _emit(self, groups: set) -> None:
        if self._batch_depth:
            self._pending |= groups
            return
        if "classes" in groups:
            groups = groups | {"dataset", "weights", "scores"}
        if groups & {"classes", "features", "dataset", "weights", "hyper"} and not self._spreading:
            groups = groups | {"metrics"}
        if groups & {"scores", "selection", "classes"} or (
                self._selected is not None and groups & {"weights", "dataset", "features"}):
            groups = groups | {"lab"}
        order = ("classes", "features", "dataset", "weights", "scores", "hyper",
                 "selection", "active_class", "metrics", "history", "lab")
        with DeferredRefresh.coalescing():  # a view following several groups redraws once
            for g in order:
                if g in groups:
                    getattr(self, f"{g}_changed").emit()

    @contextlib.contextmanager
    def batch(self, text: str | None = None):
        """Group edits: one undo entry (if ``text``) and one emit per signal at the end."""
        if self._batch_depth == 0:
            self.edit_started.emit()
        before = self._data
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0:
                pending, self._pending = self._pending, set()
                if text is not None and self._data is not before:
                    self.undo_stack.push(_SceneCommand(self, text, before, self._data, applied=True))
                self._emit(pending)

    def _commit(self, new: SceneData, text: str, merge_key=None, moved_rows=None,
                derived: dict | None = None) -> bool:
        """Record an edit as an undo entry and apply it; False if nothing changed.
        ``moved_rows``: as ``_derive``'s (the caller knows that these points moved);
        ``derived``: the derived values of ``new``, if the caller has them."""
        known = ("X",) if moved_rows is not None else ()
        if not _changed(self._data, new, known):
            return False
        if derived is None:
            derived = self._derive(new, moved_rows)  # raises ValueError: nothing changes
        if self._batch_depth:
            self._apply(new, derived, known)
            return True
        self.edit_started.emit()
        command = _SceneCommand(self, text, self._data, new, merge_key)
        self._apply(new, derived, known)
        command._skip_redo = True
        self.undo_stack.push(command)
        return True

    # ------------------------------------------------------------- files
    def save_file(self, path, view: dict | None = None) -> None:
        """Write the scene (and the window's view options) as JSON, atomically."""
        scene_io.save_scene(path, self._data, view)

    def load_file(self, path) -> dict:
        """Open a scene file as one undoable edit; returns its view options.

        A broken or hostile file raises ``scene_io.SceneFileError`` naming the
        problem, and the current scene is left untouched.
        """
        fields = scene_io.load_scene(path)
        data = self.data_from_fields(fields)
        with self.batch(f"Open {Path(path).name}"):
            self.select(None)
            self._commit(data, "Open")
        self._history.clear()
        self._timeline.reset(data.W.shape)
        self._emit({"history"})
        return fields["view"]

    @staticmethod
    def data_from_fields(fields: dict) -> SceneData:
        """A ``SceneData`` from ``scene_io.parse_scene`` output (already validated)."""
        preset = fields["preset"]
        return SceneData(
            X=_frozen(fields["X"], np.float64), y=_frozen(fields["y"], np.int64),
            n_classes=fields["n_classes"], features=tuple(fields["features"]),
            W=_frozen(fields["W"], np.float64), b=_frozen(fields["b"], np.float64),
            scores=_frozen(fields["scores"], np.float64), true_class=fields["true_class"],
            lr=fields["lr"], batch_size=fields["batch_size"], reg=fields["reg"],
            momentum=fields["momentum"], steps_per_frame=fields["steps_per_frame"],
            loss=fields["loss"], step=fields["step"], temperature=fields["temperature"],
            naive=fields["naive"], preset=None if preset is None else PresetSpec(**preset),
        )

    def import_csv(self, path) -> int:
        """Replace the points by those of a CSV file (x1, x2, label); one undo entry."""
        X, y = scene_io.load_csv(path, self._data.n_classes)
        d = self._data
        with self.batch(f"Import {Path(path).name}"):
            self.select(None)
            self._commit(d.replace(X=_frozen(X, np.float64), y=_frozen(y, np.int64), preset=None),
                         "Import")
        return int(X.shape[0])

    def export_csv(self, path) -> None:
        scene_io.save_csv(path, self._data.X, self._data.y)

    def undo(self) -> None:
        if self.undo_stack.canUndo():
            self.edit_started.emit()
            self.undo_stack.undo()

    def redo(self) -> None:
        if self.undo_stack.canRedo():
            self.edit_started.emit()
            self.undo_stack.redo()

    def restore(self, data: SceneData, text: str = "Restore scene") -> None:
        """Replace the whole scene (undoable), e.g. when opening a file."""
        self._commit(data, text)

    # ------------------------------------------------------------ weights
    def _check_params(self, W, b, rows: int, classes: int):
        W = np.asarray(W, dtype=float) if not isinstance(W, np.ndarray) else W
        b = np.asarray(b, dtype=float) if not isinstance(b, np.ndarray) else b
        if W.shape != (rows, classes):
            raise ValueError(f"W must have shape ({rows}, {classes}), got {W.shape}")
        if b.shape != (classes,):
            raise ValueError(f"b must have shape ({classes},), got {b.shape}")
        for name, a in (("W", W), ("b", b)):
            if not np.all(np.isfinite(a)):
                raise ValueError(f"{name} must hold finite numbers (no NaN or infinity)")
            if np.any(np.abs(a) > MAX_SCORE):
                raise ValueError(f"{name} entries must be within ±{MAX_SCORE:g}")
        return _frozen(W, np.float64), _frozen(b, np.float64)

    def set_weights(self, W, b, text: str = "Edit weights", merge_key=None) -> bool:
        d = self._data
        W, b = self._check_params(W, b, d.W.shape[0], d.n_classes)
        return self._commit(d.replace(W=W, b=b), text, merge_key)

    def set_weight(self, i: int, j: int, value: float) -> bool:
        d = self._data
        i = _check_int(i, "weight row", 0, d.W.shape[0] - 1)
        j = _check_int(j, "class", 0, d.n_classes - 1)
        v = _check_real(value, f"W[{self.feature_names[i]}, {j + 1}]", -MAX_SCORE, MAX_SCORE)
        W = d.W.copy()
        W[i, j] = v
        return self.set_weights(W, d.b, f"Set W[{self.feature_names[i]}, class {j + 1}] = {v:g}")

    def set_bias(self, j: int, value: float) -> bool:
        d = self._data
        j = _check_int(j, "class", 0, d.n_classes - 1)
        v = _check_real(value, f"b[{j + 1}]", -MAX_SCORE, MAX_SCORE)
        b = d.b.copy()
        b[j] = v
        return self.set_weights(d.W, b, f"Set b[class {j + 1}] = {v:g}")

    def set_class_vector(self, j: int, w, merge_key=None, live: bool = False) -> bool:
        """Set the raw-feature weights (W[0, j], W[1, j]), e.g. by dragging an arrow.

        ``live``: a step of a drag. For a dataset too large to evaluate within a frame,
        the full-batch metrics then follow a few steps behind, as while training (each
        step evaluates a share of the points; ``metrics()`` stays the last complete
        evaluation), until ``end_live`` makes them exact again; the rest (W, the regions,
        any one point's values) is exact at every step."""
        d = self._data
        j = _check_int(j, "class", 0, d.n_classes - 1)
        w = np.asarray(w, dtype=float)
        if w.shape != (2,):
            raise ValueError(f"a class vector has 2 entries (x1, x2), got shape {w.shape}")
        W = d.W.copy()
        W[:2, j] = w
        text = f"Drag w{j + 1}"
        if live and d.X.shape[0] and self._spread(d.X.shape[0]):
            W, b = self._check_params(W, d.b, d.W.shape[0], d.n_classes)
            new = d.replace(W=W, b=b)
            derived = self._unevaluated(new)
            if derived is not None and _changed(d, new):
                self._spread_metrics()
                self._commit(new, text, merge_key, derived=derived)
                try:
                    self._advance_job()
                except ValueError:  # (an overflowing gradient: end_live's evaluation says so)
                    pass
                return True
        return self.set_weights(W, d.b, text, merge_key)

    def end_live(self) -> None:
        """A drag (``set_class_vector(..., live=True)``) ended: the metrics become exact
        again, over the next frames for a large dataset (see ``end_training``), unless
        training goes on meanwhile (then its own evaluations go on)."""
        if not self._training:
            self.end_training()

    def random_weights(self, rows: int, classes: int) -> np.ndarray:
        """Random W: each class vector (x1, x2) points in a random direction with
        length in [1, 2], so that every arrow is visible; feature rows ~ N(0, 0.3^2)."""
        angle = self._rng.uniform(0, 2 * np.pi, classes)
        length = self._rng.uniform(1.0, 2.0, classes)
        W = np.empty((rows, classes))
        W[0], W[1] = length * np.cos(angle), length * np.sin(angle)
        W[2:] = self._rng.normal(scale=0.3, size=(rows - 2, classes))
        return W

    def randomize_weights(self) -> bool:
        d = self._data
        return self.set_weights(self.random_weights(*d.W.shape), np.zeros(d.n_classes),
                                "Randomise weights")

    def zero_weights(self) -> bool:
        d = self._data
        return self.set_weights(np.zeros(d.W.shape), np.zeros(d.n_classes), "Zero weights")

    # -------------------------------------------------------------- scores
    def set_scores(self, scores, merge_key=None) -> bool:
        d = self._data
        s = np.asarray(scores, dtype=float)
        if s.shape != (d.n_classes,):
            raise ValueError(f"scores must have {d.n_classes} entries, got shape {s.shape}")
        if not np.all(np.isfinite(s)):
            raise ValueError("scores must be finite numbers (no NaN or infinity)")
        if np.any(np.abs(s) > MAX_SCORE):
            raise ValueError(f"scores must be within ±{MAX_SCORE:g}")
        return self._commit(d.replace(scores=_frozen(s, np.float64)), "Edit scores", merge_key)

    def set_score(self, j: int, value: float, merge_key=None) -> bool:
        """Set the score lab's score s_j.

        With a selected point, the point's score becomes ``value`` by shifting
        the bias b_j (scores are W^T x + b, so only b_j moves this score alone).
        """
        d = self._data
        j = _check_int(j, "class", 0, d.n_classes - 1)
        v = _check_real(value, f"s{j + 1}", -MAX_SCORE, MAX_SCORE)
        if self._selected is None:
            s = d.scores.copy()
            s[j] = v
            return self._commit(d.replace(scores=_frozen(s, np.float64)), f"Set s{j + 1} = {v:g}",
                                merge_key)
        current = float(self.lab_scores()[j])
        b = d.b.copy()
        b[j] = b[j] + (v - current)
        if not np.isfinite(b[j]) or abs(b[j]) > MAX_SCORE:
            raise ValueError(f"setting s{j + 1} to {v:g} would push b{j + 1} out of range")
        return self.set_weights(d.W, b, f"Set s{j + 1} of point {self._selected + 1} = {v:g}",
                                merge_key)

    def set_temperature(self, value: float) -> bool:
        v = _check_real(value, "temperature", *TEMPERATURE_RANGE)
        return self._commit(self._data.replace(temperature=v), f"Temperature {v:g}",
                            merge_key="temperature")

    def set_naive(self, on: bool) -> bool:
        on = bool(on)
        return self._commit(self._data.replace(naive=on),
                            "Naive softmax " + ("on" if on else "off"))

    def shift_scores(self, c: float, merge_key=None) -> bool:
        """Add c to every free score (softmax is shift invariant: p does not move)."""
        d = self._data
        c = _check_real(c, "shift", -MAX_SCORE, MAX_SCORE)
        with np.errstate(over="ignore"):
            s = d.scores + c
        if not np.all(np.isfinite(s)) or np.any(np.abs(s) > MAX_SCORE):
            raise ValueError(f"shifting by {c:g} would push a score beyond ±{MAX_SCORE:g}")
        return self._commit(d.replace(scores=_frozen(s, np.float64)), f"Shift scores by {c:g}",
                            merge_key)

    def set_true_class(self, label: int) -> bool:
        d = self._data
        label = _check_int(label, "true class", 0, d.n_classes - 1)
        if self._selected is not None:
            return self.set_point_label(self._selected, label)
        return self._commit(d.replace(true_class=label), f"True class {label + 1}")

    # ------------------------------------------------------------- classes
    def set_n_classes(self, n: int) -> bool:
        """Resize everything to ``n`` classes (2..10).

        A pristine preset is regenerated with ``n`` classes; hand-made points
        of removed classes are removed. New classes get random weights, zero
        bias and score 0.
        """
        d = self._data
        n = _check_int(n, "number of classes", engine.MIN_CLASSES, engine.MAX_CLASSES)
        if n == d.n_classes:
            return False
        keep = min(n, d.n_classes)
        W = np.zeros((d.W.shape[0], n))
        W[:, :keep] = d.W[:, :keep]
        b = np.zeros(n)
        b[:keep] = d.b[:keep]
        scores = np.zeros(n)
        scores[:keep] = d.scores[:keep]
        if n > d.n_classes:
            W[:, keep:] = self.random_weights(d.W.shape[0], n - keep)
        if d.preset is not None:
            X, y = self._make_preset(d.preset, n)
        else:
            mask = d.y < n
            X, y = d.X[mask], d.y[mask]
        new = d.replace(
            n_classes=n, W=_frozen(W, np.float64), b=_frozen(b, np.float64),
            scores=_frozen(scores, np.float64), true_class=min(d.true_class, n - 1),
            X=_frozen(X, np.float64), y=_frozen(y, np.int64),
        )
        if self._selected is not None and (d.preset is not None or not d.y[self._selected] < n):
            self.select(None)
        return self._commit(new, f"{n} classes")

    # ------------------------------------------------------------ features
    def set_features(self, names) -> bool:
        """Choose the feature maps; W gains (zero) or loses the matching rows."""
        d = self._data
        names = engine.check_features(names)
        if names == d.features:
            return False
        old_rows = dict(zip(engine.feature_names(d.features), d.W))
        W = np.array([old_rows.get(f, np.zeros(d.n_classes)) for f in engine.feature_names(names)])
        return self._commit(d.replace(features=names, W=_frozen(W, np.float64)),
                            "Features: " + (", ".join(names) or "none"))

    # -------------------------------------------------------------- points
    def _check_xy(self, x, y):
        x = _check_real(x, "x1", -MAX_COORD, MAX_COORD)
        y = _check_real(y, "x2", -MAX_COORD, MAX_COORD)
        return x, y

    def _check_index(self, i) -> int:
        return _check_int(i, "point index", 0, self.n_points - 1) if self.n_points else \
            _check_int(i, "point index", 0, -1)

    def add_point(self, x: float, y: float, label: int | None = None) -> int:
        """Append a point (of the active class by default); returns its index."""
        d = self._data
        x, y = self._check_xy(x, y)
        label = self._active_class if label is None else _check_int(label, "label", 0, d.n_classes - 1)
        if d.X.shape[0] >= MAX_INTERACTIVE_POINTS:
            raise ValueError(f"the dataset is full ({MAX_INTERACTIVE_POINTS} points)")
        X = np.vstack([d.X, [[x, y]]])
        yy = np.append(d.y, label)
        self._commit(d.replace(X=_frozen(X, np.float64), y=_frozen(yy, np.int64), preset=None),
                     f"Add point of class {label + 1}")
        return X.shape[0] - 1

    def move_point(self, i: int, x: float, y: float, merge_key=None) -> bool:
        d = self._data
        i = self._check_index(i)
        x, y = self._check_xy(x, y)
        if d.X[i, 0] == x and d.X[i, 1] == y:
            return False
        X = d.X.copy()
        X[i] = (x, y)
        X.flags.writeable = False
        if not self._commit(d.replace(X=X, preset=None), f"Move point {i + 1}", merge_key,
                            moved_rows=(i,)):
            return False
        self._last_move = (d.X, X, np.array([i]))
        return True

    def moved_rows(self, since: np.ndarray) -> np.ndarray | None:
        """The rows in which the points differ from ``since`` (the points one edit ago)
        when that edit was a move: the views then need not compare every point (~5 ms at
        10**6). None otherwise."""
        last = self._last_move
        if last is not None and last[0] is since and last[1] is self._data.X:
            return last[2].copy()
        return None

    def set_point_label(self, i: int, label: int) -> bool:
        d = self._data
        i = self._check_index(i)
        label = _check_int(label, "label", 0, d.n_classes - 1)
        if d.y[i] == label:
            return False
        yy = d.y.copy()
        yy[i] = label
        return self._commit(d.replace(y=_frozen(yy, np.int64), preset=None),
                            f"Point {i + 1} to class {label + 1}")

    def remove_points(self, indices) -> int:
        """Remove the points at ``indices``; returns how many were removed."""
        d = self._data
        idx = np.unique(np.asarray(indices, dtype=np.int64).ravel())
        if idx.size == 0:
            return 0
        if idx[0] < 0 or idx[-1] >= d.X.shape[0]:
            raise ValueError(f"point index out of range [0, {d.X.shape[0]})")
        keep = np.ones(d.X.shape[0], dtype=bool)
        keep[idx] = False
        sel = self._selected
        new_sel = None
        if sel is not None and keep[sel]:
            new_sel = sel - int(np.count_nonzero(idx < sel))
        text = f"Delete point {idx[0] + 1}" if idx.size == 1 else f"Delete {idx.size} points"
        with self.batch(text):
            self._commit(d.replace(X=_frozen(d.X[keep], np.float64), y=_frozen(d.y[keep], np.int64),
                                   preset=None), text)
            self.select(new_sel)
        return int(idx.size)

    def clear_points(self) -> bool:
        d = self._data
        if d.X.shape[0] == 0:
            return False
        with self.batch("Clear points"):
            self.select(None)
            self._commit(d.replace(X=_frozen(np.empty((0, 2)), np.float64),
                                   y=_frozen(np.empty(0), np.int64), preset=None), "Clear points")
        return True

    def _make_preset(self, spec: PresetSpec, classes: int):
        return engine.make_dataset(spec.name, spec.n, classes=classes, noise=spec.noise,
                                   rng=np.random.default_rng(spec.seed))

    def load_preset(self, name: str, n: int = 150, noise: float | None = None, seed: int = 0) -> bool:
        """Replace the points by a generated dataset with the current number of classes."""
        if name not in engine.DATASETS:
            raise ValueError(f"unknown preset {name!r}; expected one of {', '.join(engine.DATASETS)}")
        n = _check_int(n, "number of points", 1, engine.MAX_POINTS)
        seed = _check_int(seed, "seed", 0, 2**31 - 1)
        if noise is not None:
            noise = _check_real(noise, "noise", 0.0, 10.0)
        spec = PresetSpec(name, n, noise, seed)
        d = self._data
        X, y = self._make_preset(spec, d.n_classes)
        with self.batch(f"Preset: {PRESET_LABELS[name]}"):
            self.select(None)
            self._commit(d.replace(X=_frozen(X, np.float64), y=_frozen(y, np.int64), preset=spec),
                         "Preset")
        return True

    # ---------------------------------------------------- hyper-parameters
    def set_lr(self, value: float) -> bool:
        v = _check_real(value, "learning rate", *LR_RANGE)
        return self._commit(self._data.replace(lr=v), f"Learning rate {v:g}", merge_key="lr")

    def set_reg(self, value: float) -> bool:
        v = _check_real(value, "L2 strength", *REG_RANGE)
        return self._commit(self._data.replace(reg=v), f"L2 strength {v:g}", merge_key="reg")

    def set_momentum(self, value: float) -> bool:
        v = _check_real(value, "momentum", *MOMENTUM_RANGE)
        return self._commit(self._data.replace(momentum=v), f"Momentum {v:g}", merge_key="momentum")

    def set_batch_size(self, value: int | None) -> bool:
        if value is not None:
            value = _check_int(value, "batch size", 1, engine.MAX_POINTS)
        text = "Full batch" if value is None else f"Batch size {value}"
        return self._commit(self._data.replace(batch_size=value), text, merge_key="batch")

    def set_steps_per_frame(self, value: int) -> bool:
        v = _check_int(value, "steps per frame", *STEPS_PER_FRAME_RANGE)
        return self._commit(self._data.replace(steps_per_frame=v), f"{v} steps per frame",
                            merge_key="spf")

    def set_loss(self, name: str) -> bool:
        if name not in LOSSES:
            raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
        return self._commit(self._data.replace(loss=name), f"Loss: {name}")

    # --------------------------------------------------- view-only state
    def select(self, index: int | None) -> bool:
        """Select a point (the score lab then shows its scores); None unselects."""
        if index is not None:
            index = self._check_index(index)
        if index == self._selected:
            return False
        self._selected = index
        self._emit({"selection"})
        return True

    # Targets views can highlight: which quantity, and its indices.
    HIGHLIGHT_KINDS = ("score", "prob", "grad", "jacobian", "W", "b", "dW", "db", "point_dW", "x")

    @property
    def highlight(self):
        """The quantity hovered somewhere, e.g. ("prob", j) or ("jacobian", i, j); or None."""
        return self._highlight

    def release_highlight(self, target) -> bool:
        """Clear the highlight if it is still ``target`` (a view's hover ends; another
        view may have set its own since)."""
        if target is None or self._highlight != tuple(target):
            return False
        return self.set_highlight(None)

    def set_highlight(self, target) -> bool:
        """Ask every view to emphasise one quantity (view-only; no undo).

        Kinds: "score" j, "prob" j, "grad" j, "jacobian" i j, "W" i j, "b" j,
        "dW" i j and "db" j (full-batch gradients), "point_dW" i j (the selected point's),
        "x" d (a feature of the selected point). None clears.
        """
        if target is not None:
            target = tuple(target)
            if not target or target[0] not in self.HIGHLIGHT_KINDS or not all(
                    isinstance(v, (int, np.integer)) for v in target[1:]):
                raise ValueError(f"not a highlight target: {target!r}")
            target = (target[0], *(int(v) for v in target[1:]))
        if target == self._highlight:
            return False
        self._highlight = target
        self.highlight_changed.emit()
        return True

    def set_active_class(self, j: int) -> bool:
        j = _check_int(j, "active class", 0, self._data.n_classes - 1)
        if j == self._active_class:
            return False
        self._active_class = j
        self._emit({"active_class"})
        return True

    # ------------------------------------------------------------ training
    EVAL_BUDGET_S = 0.006  # full-batch evaluation per training frame, at most
    # Up to this many points the evaluation runs in every frame (~3 ms at 20,000), whatever
    # the last one measured: one slow evaluation on a busy machine must not make a small
    # dataset's metrics lag behind for the next frames.
    SPREAD_MIN_POINTS = 20_000

    def apply_training(self, W: np.ndarray, b: np.ndarray, steps: int, records=(),
                       evaluated=None) -> None:
        """Store parameters reached by ``steps`` SGD updates (no undo entry of its own).

        ``records`` are the ``(W, b, loss)`` after each of the steps, for the
        timeline. The training controller wraps a run in one undo entry (see
        ``push_training_run``). Records a point of the curves whenever a
        full-batch evaluation completes: every frame for a dataset that can be
        evaluated within ``EVAL_BUDGET_S``, otherwise every few frames (see
        ``metrics``). Raises ``ValueError`` (changing nothing) if the new
        parameters cannot be evaluated.

        ``evaluated``: ``(W, b, LossTerms, accuracy)``, a full-batch evaluation of the
        parameters one step before the new ones (``engine.SGD.last_evaluation`` of a
        full-batch step). For a large dataset it is published as the metrics of that
        step, instead of an evaluation spread over the next frames.
        """
        d = self._data
        W, b = self._check_params(W, b, d.W.shape[0], d.n_classes)
        new = d.replace(W=W, b=b, step=d.step + int(steps))
        self._training = True
        n = d.X.shape[0]
        spread = self._spread(n)
        if not spread:
            t0 = time.perf_counter()
            derived = self._derive(new, keep_exps=False)  # raises ValueError: nothing changes
            if n:
                self._eval_seconds_per_row = (time.perf_counter() - t0) / n
            self._spreading = False
            self._job = None
            self._apply(new, derived)
        else:
            derived = self._unevaluated(new)
            if derived is None:
                self._derive(new)  # the exact check, which raises the engine's message
            self._spread_metrics(keep_published=evaluated is not None)
            self._apply(new, derived)
        self._record_timeline(d, records)
        if spread and evaluated is not None:
            self._publish(Metrics(new.step - 1, *evaluated))
        elif spread:
            self._advance_job()
        else:
            t = self.loss_terms()
            if t is not None:
                self._history.append(new.step, t.data, t.penalty, t.total, self.accuracy())
        self._emit({"history"})

    def _record_timeline(self, d: SceneData, records) -> None:
        tl = self._timeline
        if not len(tl) or tl.shape != d.W.shape or not tl.has_step(d.step):
            tl.reset(d.W.shape)
            tl.record(d.step, d.W, d.b, np.nan)
        tl.truncate_after(d.step)
        for k, (Wk, bk, loss) in enumerate(records, start=1):
            tl.record(d.step + k, Wk, bk, loss)

    def _unevaluated(self, new: SceneData) -> dict | None:
        """The derived values of ``new`` (same points as now, new W or b) without a pass
        over the points, for a frame whose metrics are spread over frames; None unless a
        cheap proof says the engine can evaluate it: every score is finite (then so are
        the losses' mean and the gradient, the coordinates being bounded) and so is the
        L2 penalty."""
        Z = self.Z
        if not self._scores_bounded(new.W, new.b, Z):
            return None
        try:
            engine.l2_penalty(new.W, new.reg)
        except ValueError:
            return None
        return {"Z": Z, "absmax": self._cache["absmax"]}

    def _spread_metrics(self, keep_published: bool = False) -> None:
        """From now on the metrics are spread over frames (a large dataset's training or
        live drag). Until the first spread evaluation completes they stay those of the
        current W (computed once, usually kept; ``keep_published``: the caller publishes
        its own): never a full evaluation of a new W within a frame."""
        if not keep_published and (self._published is None
                                    or not (self._spreading or self._settling)):
            d = self._data
            self._published = Metrics(d.step, d.W, d.b, self._evaluated("terms"),
                                      self._evaluated("acc"))
        self._spreading = True

    def _scores_bounded(self, W, b, Z) -> bool:
        """A cheap proof that every score of ``Z @ W + b`` is finite (|s| < 1e300)."""
        if "absmax" not in self._cache:
            # Column by column (a reduction over axis 0 of an (N, 2) array runs a loop of
            # length 2 per row: ~40 ms at a million points, against ~3 ms this way).
            self._cache["absmax"] = np.array(
                [max(float(Z[:, d].max()), -float(Z[:, d].min())) for d in range(Z.shape[1])]
                if Z.shape[0] else np.zeros(Z.shape[1]))
        bound = float(self._cache["absmax"] @ np.abs(W).max(axis=1)) + float(np.abs(b).max())
        return np.isfinite(bound) and bound < 1e300

    def _spread(self, n: int) -> bool:
        """Whether a full-batch evaluation of n points is spread over frames while training."""
        return n >= self.SPREAD_MIN_POINTS and self._eval_seconds_per_row * n > self.EVAL_BUDGET_S

    def _advance_job(self) -> None:
        """Evaluate the next rows of the current full-batch job; publish it when done (when
        settling after a pause, keep the paused W's own as the exact evaluation)."""
        d = self._data
        job = self._job
        if job is None or not job.valid_for(d, self.Z):
            job = self._job = _EvaluationJob(d, self.Z)
        rows = max(1000, int(self.EVAL_BUDGET_S / max(self._eval_seconds_per_row, 1e-9)))
        t0 = time.perf_counter()
        done = job.parts.advance(rows)
        self._eval_seconds_per_row = (time.perf_counter() - t0) / max(job.parts.last_rows, 1)
        if not done:
            return
        if self._settling and job.evaluates(d, self.Z):
            # the paused W itself: its metrics are exact now, as an edit's would be
            self._cache.update(self._results(job.parts))
            self._stop_settling(exact=True)
        else:
            self._publish(job.result())

    def _settle(self) -> None:
        """One frame's share of the paused W's evaluation (see ``end_training``)."""
        if not self._settling:
            self._settle_timer.stop()
            return
        try:
            self._advance_job()
        except ValueError:  # W cannot be evaluated: the metrics say so (see ``metrics``)
            self._stop_settling(exact=True)

    def _stop_settling(self, exact: bool = False) -> None:
        """No more of the paused W's evaluation over frames. ``exact``: the metrics are the
        current W's from now on (computed, or known not to be computable): say so."""
        self._settling = False
        self._settle_timer.stop()
        if exact:
            self._job = self._published = None
            self.metrics_changed.emit()

    def _publish(self, m: "Metrics") -> None:
        """While training a large dataset: ``m`` becomes the metrics shown, and a point of
        the curves."""
        self._published = m
        self._job = None
        if m.terms is not None:
            self._history.append(m.step, m.terms.data, m.terms.penalty, m.terms.total,
                                 m.accuracy)
        self.metrics_changed.emit()

    def end_training(self) -> None:
        """Training paused: the metrics are exact again.

        For a dataset too large to evaluate within a frame, the paused W's evaluation
        goes on over the next frames, as while training (Pause itself never stalls:
        ~0.13 s at 10**6 points); until it completes, ``metrics()`` stays the last
        published. Otherwise they are computed on demand."""
        self._training = False
        if not self._spreading:
            return
        self._spreading = False
        d = self._data
        if (self._published is not None and "terms" not in self._cache
                and self._spread(d.X.shape[0])):
            if self._job is None or not self._job.evaluates(d, self.Z):
                self._job = _EvaluationJob(d, self.Z)  # (an earlier step's is of no use now)
            self._settling = True
            self._settle_timer.start()
            return
        self._job = None
        self._published = None
        self.metrics_changed.emit()

    @property
    def settling(self) -> bool:
        """Whether the paused W's metrics are still being computed (see ``end_training``)."""
        return self._settling

    def go_to_step(self, step: int, merge_key=None) -> bool:
        """Set W and b to those recorded at an earlier (or later) step of the timeline."""
        tl = self._timeline
        step = _check_int(step, "step", 0, 2**62)
        if not tl.has_step(step):
            raise ValueError(f"step {step} is not in the timeline "
                             f"({tl.first_step()}..{tl.last_step()})" if len(tl) else
                             "the timeline is empty: train first")
        if tl.shape != self._data.W.shape:
            raise ValueError("the timeline was recorded with another number of classes or features")
        W, b, _ = tl.at(step)
        d = self._data
        return self._commit(d.replace(W=_frozen(W, np.float64), b=_frozen(b, np.float64), step=step),
                            f"Go to step {step}", merge_key)

    def push_training_run(self, before: SceneData, steps: int) -> None:
        """Record a finished training run (already applied) as one undo entry."""
        if self._data is before or steps <= 0:
            return
        text = f"Train {steps} step" + ("s" if steps != 1 else "")
        self.undo_stack.push(_SceneCommand(self, text, before, self._data, applied=True))

    def reset_training(self) -> None:
        """New random weights, step counter 0 and cleared curves (one undo entry)."""
        d = self._data
        W = self.random_weights(*d.W.shape)
        self._commit(d.replace(W=_frozen(W, np.float64), b=_frozen(np.zeros(d.n_classes), np.float64),
                               step=0), "Reset training")
        self._history.clear()
        self._timeline.reset(self._data.W.shape)
        self._emit({"history"})


class TrainingCurves:
    """Growable arrays of (step, data loss, reg loss, total loss, accuracy).

    Beyond ``max_points`` every other point is dropped, so memory stays
    bounded over arbitrarily long runs while the curve keeps its shape.
    """

    COLUMNS = ("step", "data_loss", "reg_loss", "total_loss", "accuracy")

    def __init__(self, max_points: int = 20_000):
        self.max_points = max_points
        self._buf = np.empty((1024, len(self.COLUMNS)))
        self._n = 0
        self._stride = 1
        self._skip = 0

    def __len__(self) -> int:
        return self._n

    def clear(self) -> None:
        self._n = 0
        self._stride = 1
        self._skip = 0

    def append(self, step, data_loss, reg_loss, total_loss, accuracy) -> None:
        self._skip += 1
        if self._skip < self._stride:
            return
        self._skip = 0
        if self._n == self._buf.shape[0]:
            if self._n >= self.max_points:
                kept = self._buf[: self._n : 2].copy()
                self._n = kept.shape[0]
                self._buf[: self._n] = kept
                self._stride *= 2
            else:
                self._buf = np.vstack([self._buf, np.empty_like(self._buf)])
        acc = np.nan if accuracy is None else accuracy
        self._buf[self._n] = (step, data_loss, reg_loss, total_loss, acc)
        self._n += 1

    def truncate(self, step: int) -> None:
        """Drop the points recorded after ``step`` (e.g. when a run is undone)."""
        steps = self._buf[: self._n, 0]
        self._n = int(np.searchsorted(steps, step, side="right"))

    def column(self, name: str) -> np.ndarray:
        return self._buf[: self._n, self.COLUMNS.index(name)]


class ParameterHistory:
    """The last ``capacity`` SGD steps' (step, W, b, loss), for the timeline scrubber.

    A ring buffer of preallocated arrays; recording costs one small copy.
    Steps are consecutive integers; ``truncate_after`` drops a future that
    is being rewritten (training resumed from an earlier step).
    """

    def __init__(self, capacity: int = 10_000):
        self.capacity = capacity
        self.shape = None
        self._n = 0
        self._first = 0  # step number of the oldest entry

    def __len__(self) -> int:
        return self._n

    def reset(self, shape) -> None:
        D, C = shape
        if self.shape != tuple(shape):
            self._W = np.empty((self.capacity, D, C))
            self._b = np.empty((self.capacity, C))
            self._loss = np.empty(self.capacity)
        self.shape = (D, C)
        self._n = 0
        self._first = 0

    def first_step(self) -> int:
        return self._first

    def last_step(self) -> int:
        return self._first + self._n - 1

    def has_step(self, step: int) -> bool:
        return self._n > 0 and self._first <= step <= self.last_step()

    def _slot(self, step: int) -> int:
        return step % self.capacity

    def record(self, step: int, W, b, loss) -> None:
        if self._n and step != self.last_step() + 1:
            self._n = 0
        if self._n == 0:
            self._first = step
        k = self._slot(step)
        self._W[k] = W
        self._b[k] = b
        self._loss[k] = loss
        if self._n == self.capacity:
            self._first += 1
        else:
            self._n += 1

    def truncate_after(self, step: int) -> None:
        if self._n and step < self.last_step():
            self._n = max(0, step - self._first + 1)

    def at(self, step: int):
        """``(W, b, loss)`` recorded at ``step`` (copies)."""
        if not self.has_step(step):
            raise KeyError(step)
        k = self._slot(step)
        return self._W[k].copy(), self._b[k].copy(), float(self._loss[k])

    def losses(self):
        """``(steps, losses)`` of every entry, oldest first."""
        steps = np.arange(self._first, self._first + self._n)
        return steps, self._loss[steps % self.capacity]


@dataclass(frozen=True)
class Metrics:
    """A full-batch evaluation of the parameters of one step."""

    step: int
    W: np.ndarray
    b: np.ndarray
    terms: "engine.LossTerms | None"
    accuracy: float | None


class _EvaluationJob:
    """A full-batch evaluation of one step's (W, b) spread over several frames
    (``engine.core.BlockedEvaluation.in_steps``), and what it was started for."""

    def __init__(self, d: SceneData, Z: np.ndarray):
        self.step, self.W, self.b = d.step, d.W, d.b
        self.Z, self.y, self.reg, self.loss = Z, d.y, d.reg, d.loss
        self.parts = engine.core.BlockedEvaluation.in_steps(d.W, d.b, Z, d.y, reg=d.reg,
                                                            loss=d.loss)

    def valid_for(self, d: SceneData, Z: np.ndarray) -> bool:
        return self.Z is Z and self.y is d.y and self.reg == d.reg and self.loss == d.loss

    def evaluates(self, d: SceneData, Z: np.ndarray) -> bool:
        """Whether it evaluates ``d`` itself (its W and b, not an earlier step's)."""
        return self.valid_for(d, Z) and self.W is d.W and self.b is d.b

    def result(self) -> Metrics:
        return Metrics(self.step, self.W, self.b, self.parts.terms, self.parts.accuracy)
