"""Fuzzed scene state: random sequences of edits, steps, undo/redo and files.

A hypothesis ``RuleBasedStateMachine`` drives a ``Scene`` and its ``Trainer``
(and, in the second machine, a whole ``MainWindow``) with random valid and
invalid edits. After every rule the invariants must hold: shapes agree,
labels are below C, everything stored is finite, the lab probabilities are
finite and sum to 1 (unless the naive-softmax teaching toggle is on), the
loss terms are finite, the selection is valid, and the views show exactly
the scene's data. Invalid input must raise ``ValueError`` and change nothing.

Deterministic (``derandomize=True``); sizes are tuned so the file runs in
well under a minute.
"""

import dataclasses
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test,
)
from PySide6.QtWidgets import QApplication

from explorer import engine
from explorer.state import LOSSES, PRESETS, Scene, SceneData
from explorer.training import Trainer

SCENE_SETTINGS = settings(max_examples=50, stateful_step_count=35, deadline=None,
                          derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow,
                                                 HealthCheck.filter_too_much])
WINDOW_SETTINGS = settings(SCENE_SETTINGS, max_examples=6, stateful_step_count=25)

coords = st.floats(-8.0, 8.0, allow_nan=False) | st.sampled_from([0.0, -1e6, 1e6, 1e-300, 123456.5])
values = (st.floats(-20.0, 20.0, allow_nan=False)
          | st.sampled_from([0.0, -0.0, 1e6, -1e6, 1e100, -1e200, 1e300, -1e300, 5e-324]))
bad_numbers = st.sampled_from([math.nan, math.inf, -math.inf, 1e301, -1e301, 1e400,
                               "3", "", None, True, [1.0], complex(1, 1)])
bad_coords = st.sampled_from([math.nan, math.inf, -math.inf, 1e6 + 1, -2e6, "1", None, False])
indices = st.integers(0, 10_000)
feature_sets = st.lists(st.sampled_from(sorted(engine.FEATURES)), unique=True, max_size=3)


def fields(data: SceneData) -> dict:
    return {f.name: getattr(data, f.name) for f in dataclasses.fields(SceneData)}


def assert_same_data(a: SceneData, b: SceneData) -> None:
    fa, fb = fields(a), fields(b)
    for k in fa:
        if isinstance(fa[k], np.ndarray):
            np.testing.assert_array_equal(fa[k], fb[k], err_msg=k)
            assert fa[k].dtype == fb[k].dtype, k
        else:
            assert fa[k] == fb[k], k


class SceneMachine(RuleBasedStateMachine):
    """Random edits of one Scene and its Trainer."""

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="scene-machine-"))
        self.make()
        self.messages: list[str] = []
        self.trainer.diverged.connect(self.messages.append)
        self.trainer.error.connect(self.messages.append)

    def make(self) -> None:
        self.scene = Scene(seed=0)
        self.trainer = Trainer(self.scene, seed=0)

    def teardown(self) -> None:
        running = self.trainer.running
        self.trainer.pause()
        shutil.rmtree(self.folder, ignore_errors=True)
        assert not running, "training was left running"

    # -- helpers ----------------------------------------------------------------
    @property
    def C(self) -> int:
        return self.scene.n_classes

    @property
    def N(self) -> int:
        return self.scene.n_points

    def refused(self, call, *args, **kwargs) -> None:
        """``call`` must raise ValueError and leave the scene exactly as it was."""
        s = self.scene
        before, count, sel = s.data, s.undo_stack.count(), s.selected
        index = s.undo_stack.index()
        try:
            call(*args, **kwargs)
        except ValueError as exc:
            assert str(exc), "a refusal must say why"
        else:
            raise AssertionError(f"{call.__name__}{args!r} accepted invalid input")
        assert s.data is before, f"{call.__name__}{args!r} changed the scene and raised"
        assert s.undo_stack.count() == count and s.undo_stack.index() == index
        assert s.selected == sel

    def maybe(self, call, *args, **kwargs) -> None:
        """A valid-looking edit the scene may refuse (e.g. scores that overflow): a
        refusal must change nothing."""
        s = self.scene
        before, index = s.data, s.undo_stack.index()
        try:
            call(*args, **kwargs)
        except ValueError:
            assert s.data is before and s.undo_stack.index() == index

    # -- points -----------------------------------------------------------------
    @rule(x=coords, y=coords, label=st.none() | st.integers(0, 9))
    def add_point(self, x, y, label):
        if self.N >= engine.MAX_POINTS:
            return
        label = None if label is None else label % self.C
        i = self.scene.add_point(x, y, label)
        assert i == self.N - 1
        assert tuple(self.scene.X[i]) == (x, y)

    @rule(x=bad_coords, y=coords)
    def add_point_invalid(self, x, y):
        self.refused(self.scene.add_point, x, y)
        self.refused(self.scene.add_point, y, x)

    @rule(label=st.sampled_from([-1, 10, 1.5, True, "0"]))
    def add_point_bad_label(self, label):
        bad = label if not isinstance(label, int) or isinstance(label, bool) or label < 0 \
            else self.C + label - 10
        self.refused(self.scene.add_point, 0.0, 0.0, bad)

    @precondition(lambda self: self.N > 0)
    @rule(i=indices, x=coords, y=coords)
    def move_point(self, i, x, y):
        i %= self.N
        self.scene.move_point(i, x, y)
        assert tuple(self.scene.X[i]) == (x, y)

    @precondition(lambda self: self.N > 0)
    @rule(i=indices, path=st.lists(st.tuples(coords, coords), min_size=1, max_size=5))
    def drag_point(self, i, path):
        """Moves of one point as a drag makes them: one undo entry."""
        i %= self.N
        count = self.scene.undo_stack.count()
        for x, y in path:
            self.scene.move_point(i, x, y, merge_key=("drag", id(path)))
        assert tuple(self.scene.X[i]) == path[-1]
        assert self.scene.undo_stack.count() <= count + 1

    @rule(j=indices, path=st.lists(st.tuples(values, values), min_size=1, max_size=5),
          large=st.booleans())
    def drag_arrow(self, j, path, large):
        """Steps of an arrow drag (live), over a dataset taken as too large to evaluate
        within a frame or not; the metrics are exact again once the drag has ended and
        its evaluation has gone through (the event loop's timer, run by hand here)."""
        s = self.scene
        j %= self.C
        if large:
            s.SPREAD_MIN_POINTS, s.EVAL_BUDGET_S, s._eval_seconds_per_row = 0, 1e-9, 1.0
        try:
            for w in path:
                self.maybe(s.set_class_vector, j, w, merge_key=("drag", id(path)), live=True)
            s.end_live()
            for _ in range(10_000):
                if not s.settling:
                    break
                s._settle()
            assert not s.settling
        finally:
            for name in ("SPREAD_MIN_POINTS", "EVAL_BUDGET_S"):
                s.__dict__.pop(name, None)

    @precondition(lambda self: self.N > 0)
    @rule(i=indices, x=bad_coords)
    def move_point_invalid(self, i, x):
        self.refused(self.scene.move_point, i % self.N, x, 0.0)
        self.refused(self.scene.move_point, self.N, 0.0, 0.0)

    @precondition(lambda self: self.N > 0)
    @rule(i=indices)
    def delete_point(self, i):
        n = self.N
        assert self.scene.remove_points([i % n]) == 1
        assert self.N == n - 1

    @rule(bad=st.sampled_from(["past the end", -1]))
    def delete_point_invalid(self, bad):
        index = self.N if bad == "past the end" else bad
        self.refused(self.scene.remove_points, [index])

    @precondition(lambda self: self.N > 0)
    @rule(i=indices, label=st.integers(0, 9))
    def relabel_point(self, i, label):
        self.scene.set_point_label(i % self.N, label % self.C)

    @rule()
    def clear_points(self):
        self.scene.clear_points()
        assert self.N == 0 and self.scene.selected is None

    @rule(name=st.sampled_from(PRESETS), n=st.integers(1, 300),
          noise=st.none() | st.floats(0.0, 2.0), seed=st.integers(0, 50))
    def load_preset(self, name, n, noise, seed):
        self.scene.load_preset(name, n=n, noise=noise, seed=seed)
        assert self.N == n

    @rule(bad=st.sampled_from([("nope", 10), ("blobs", 0), ("blobs", engine.MAX_POINTS + 1),
                               ("blobs", 2.5), ("spiral", -3)]))
    def load_preset_invalid(self, bad):
        self.refused(self.scene.load_preset, *bad)

    # -- selection ----------------------------------------------------------------
    @rule(i=st.none() | indices)
    def select(self, i):
        if i is None or self.N == 0:
            self.scene.select(None)
        else:
            self.scene.select(i % self.N)

    @rule()
    def select_invalid(self):
        self.refused(self.scene.select, self.N)

    # -- parameters -------------------------------------------------------------
    @rule(i=indices, j=indices, v=values)
    def set_weight(self, i, j, v):
        i, j = i % self.scene.W.shape[0], j % self.C
        self.maybe(self.scene.set_weight, i, j, v)

    @rule(j=indices, v=values)
    def set_bias(self, j, v):
        self.maybe(self.scene.set_bias, j % self.C, v)

    @rule(j=indices, v=values)
    def set_score(self, j, v):
        self.maybe(self.scene.set_score, j % self.C, v)

    @rule(which=st.sampled_from(["weight", "bias", "score"]), v=bad_numbers)
    def set_parameter_invalid(self, which, v):
        call = {"weight": lambda: self.scene.set_weight(0, 0, v),
                "bias": lambda: self.scene.set_bias(0, v),
                "score": lambda: self.scene.set_score(0, v)}[which]
        call.__name__ = f"set_{which}"
        self.refused(call)

    @rule(where=st.sampled_from(["row", "class"]))
    def set_weight_out_of_range(self, where):
        i, j = (self.scene.W.shape[0], 0) if where == "row" else (0, self.C)
        self.refused(self.scene.set_weight, i, j, 1.0)
        self.refused(self.scene.set_bias, self.C, 1.0)
        self.refused(self.scene.set_score, self.C, 1.0)

    @rule(scale=st.sampled_from([0.0, 1.0, 50.0, 1e3]))
    def set_weights(self, scale):
        W = np.full(self.scene.W.shape, scale)
        W[0, 0] = -scale
        self.maybe(self.scene.set_weights, W, np.zeros(self.C))

    @rule()
    def set_weights_invalid(self):
        W = np.array(self.scene.W)
        self.refused(self.scene.set_weights, W[:, :1], self.scene.b)
        W[0, 0] = np.nan
        self.refused(self.scene.set_weights, W, self.scene.b)

    @rule(label=st.integers(0, 9))
    def set_true_class(self, label):
        self.scene.set_true_class(label % self.C)
        assert self.scene.lab_label() == label % self.C

    @rule(bad=st.sampled_from([-1, 10, 1.0, True, None]))
    def set_true_class_invalid(self, bad):
        self.refused(self.scene.set_true_class, self.C if bad == 10 else bad)

    @rule(n=st.integers(engine.MIN_CLASSES, engine.MAX_CLASSES))
    def set_n_classes(self, n):
        self.scene.set_n_classes(n)
        assert self.C == n

    @rule(bad=st.sampled_from([1, 0, 11, 3.0, None, "3"]))
    def set_n_classes_invalid(self, bad):
        self.refused(self.scene.set_n_classes, bad)

    @rule(names=feature_sets)
    def set_features(self, names):
        self.maybe(self.scene.set_features, names)

    @rule(bad=st.sampled_from([["x3"], ["x1^2", "x1^2"], "x1^2"]))
    def set_features_invalid(self, bad):
        self.refused(self.scene.set_features, bad)

    @rule(loss=st.sampled_from(LOSSES))
    def set_loss(self, loss):
        self.maybe(self.scene.set_loss, loss)

    @rule()
    def set_loss_invalid(self):
        self.refused(self.scene.set_loss, "hinge")

    @rule(lr=st.sampled_from([1e-4, 0.01, 0.05, 0.5, 10.0]), reg=st.sampled_from([0.0, 1e-3, 1.0, 10.0]),
          momentum=st.sampled_from([0.0, 0.5, 0.99]), batch=st.none() | st.integers(1, 64),
          spf=st.integers(1, 20))
    def set_hyper(self, lr, reg, momentum, batch, spf):
        for call, v in ((self.scene.set_lr, lr), (self.scene.set_reg, reg),
                        (self.scene.set_momentum, momentum), (self.scene.set_batch_size, batch),
                        (self.scene.set_steps_per_frame, spf)):
            self.maybe(call, v)

    @rule(which=st.sampled_from(["lr", "reg", "momentum", "batch", "spf"]),
          bad=st.sampled_from([0.0, -1.0, 11.0, 1.0, math.nan, math.inf, 1e400, "0.1", None]))
    def set_hyper_invalid(self, which, bad):
        s = self.scene
        call, ok = {"lr": (s.set_lr, lambda v: isinstance(v, float) and 1e-4 <= v <= 10),
                    "reg": (s.set_reg, lambda v: isinstance(v, float) and 0 <= v <= 10),
                    "momentum": (s.set_momentum, lambda v: isinstance(v, float) and 0 <= v <= 0.99),
                    "batch": (s.set_batch_size, lambda v: v is None),
                    "spf": (s.set_steps_per_frame, lambda v: False)}[which]
        if not ok(bad) or (isinstance(bad, float) and not math.isfinite(bad)):
            self.refused(call, bad)

    @rule(t=st.sampled_from([1e-3, 0.5, 1.0, 3.0, 1e3]), naive=st.booleans())
    def set_temperature_and_naive(self, t, naive):
        self.scene.set_temperature(t)
        self.scene.set_naive(naive)

    @rule(bad=st.sampled_from([0.0, -1.0, 1e4, math.nan, "1"]))
    def set_temperature_invalid(self, bad):
        self.refused(self.scene.set_temperature, bad)

    # -- training -----------------------------------------------------------------
    @rule(k=st.integers(1, 4))
    def step(self, k):
        step0 = self.scene.step
        for _ in range(k):
            ok = self.trainer.step()
            if self.N == 0:
                assert not ok and self.messages[-1]
            if not ok:
                break
        assert self.scene.step >= step0 or self.N == 0
        assert not self.trainer.running

    @precondition(lambda self: self.N > 0)
    @rule()
    def diverge(self):
        """A learning rate and weights that blow the loss up: training stops by itself,
        the weights go back to the last finite step, and a message says so."""
        s = self.scene
        with s.batch("Make it diverge"):
            self.maybe(s.set_lr, 10.0)
            self.maybe(s.set_reg, 10.0)
            self.maybe(s.set_momentum, 0.99)
            W = np.full(s.W.shape, 1e150)
            W[0, ::2] = -1e150
            self.maybe(s.set_weights, W, np.zeros(self.C))
        before = s.data
        n = len(self.messages)
        for _ in range(200):
            if not self.trainer.step():
                break
        assert not self.trainer.running
        if s.data is before:  # refused at the first step
            assert len(self.messages) > n and "smaller learning rate" in self.messages[-1]
        assert np.all(np.isfinite(s.W)) and np.all(np.isfinite(s.b))

    @rule(back=st.integers(0, 30))
    def go_to_step(self, back):
        s = self.scene
        tl = s.timeline
        target = s.step - back
        if len(tl) and tl.has_step(target) and tl.shape == s.W.shape:
            s.go_to_step(target)
            assert s.step == target
        else:  # not in the timeline, or recorded with another shape of W
            self.refused(s.go_to_step, max(target, 0) if target >= 0 or not len(tl) else target)

    @rule()
    def step_back(self):
        """Training > Step back (Left arrow): never raises, whatever the timeline holds."""
        s = self.scene
        step0 = s.step
        ok = self.trainer.step_back()
        assert not self.trainer.running
        if ok:
            assert s.step == step0 - 1

    @rule()
    def reset_training(self):
        self.trainer.reset()
        assert self.scene.step == 0 and len(self.scene.history) == 0

    # -- undo / redo ----------------------------------------------------------------
    @rule()
    def undo(self):
        self.scene.undo()

    @rule()
    def redo(self):
        self.scene.redo()

    @precondition(lambda self: self.scene.undo_stack.canUndo())
    @rule()
    def undo_then_redo_restores(self):
        s = self.scene
        before = s.data
        s.undo()
        undone = s.data
        s.redo()
        assert_same_data(before, s.data)
        s.undo()
        assert_same_data(undone, s.data)
        s.redo()

    # -- files ---------------------------------------------------------------------
    @rule(name=st.sampled_from(["a.json", "lesson one.json"]))
    def save_and_load(self, name):
        s = self.scene
        path = self.folder / name
        before = s.data
        s.save_file(path, {"layout": "Everything"})
        view = s.load_file(path)
        assert view == {"layout": "Everything"}
        assert_same_data(before, s.data)
        assert s.selected is None

    @rule()
    def load_broken_file(self):
        path = self.folder / "broken.json"
        path.write_text('{"format": "softmax-explorer-scene", "version": 1, "classes": ')
        self.refused(self.scene.load_file, path)

    @rule()
    def csv_round_trip(self):
        s = self.scene
        if self.N == 0:
            return
        path = self.folder / "points.csv"
        X, y = s.X, s.y
        s.export_csv(path)
        assert s.import_csv(path) == X.shape[0]
        np.testing.assert_array_equal(s.X, X)
        np.testing.assert_array_equal(s.y, y)

    # -- invariants ---------------------------------------------------------------
    @invariant()
    def shapes_agree(self):
        s = self.scene
        N, C, F = self.N, self.C, len(s.features)
        assert engine.MIN_CLASSES <= C <= engine.MAX_CLASSES
        assert s.X.shape == (N, 2) and s.y.shape == (N,)
        assert s.W.shape == (2 + F, C) and s.b.shape == (C,) and s.scores.shape == (C,)
        assert s.Z.shape == (N, 2 + F)
        assert s.point_scores().shape == (N, C)

    @invariant()
    def labels_below_c(self):
        y = self.scene.y
        assert y.size == 0 or (y.min() >= 0 and y.max() < self.C)
        assert 0 <= self.scene.true_class < self.C
        assert 0 <= self.scene.active_class < self.C

    @invariant()
    def everything_stored_is_finite(self):
        s = self.scene
        for name in ("X", "W", "b", "scores"):
            assert np.all(np.isfinite(getattr(s, name))), name
        assert np.all(np.abs(s.X) <= 1e6)

    @invariant()
    def lab_probabilities_are_a_distribution(self):
        s = self.scene
        p = s.lab_probabilities()
        assert p.shape == (self.C,)
        if not s.naive:
            assert np.all(np.isfinite(p)) and np.all(p >= 0)
            assert abs(float(p.sum()) - 1.0) < 1e-9
            np.testing.assert_array_equal(p, engine.softmax(s.lab_scores(), s.temperature))
        g = s.lab_gradient()
        assert np.all(np.isfinite(g))
        assert math.isfinite(s.lab_loss()) or s.lab_loss() == math.inf

    @invariant()
    def loss_terms_are_finite(self):
        t = self.scene.loss_terms()
        if self.N == 0:
            assert t is None and self.scene.accuracy() is None
            return
        assert math.isfinite(t.total) and math.isfinite(t.data) and math.isfinite(t.penalty)
        assert np.all(np.isfinite(t.dW)) and np.all(np.isfinite(t.db))
        assert 0.0 <= self.scene.accuracy() <= 1.0

    @invariant()
    def metrics_equal_a_fresh_evaluation(self):
        """Whatever moves, drags and spread evaluations came before: the metrics, the
        per-point losses and the feature matrix are those of a fresh pass, bit for bit."""
        s = self.scene
        if self.N == 0:
            return
        np.testing.assert_array_equal(s.Z, engine.expand_features(s.X, s.features))
        m = s.metrics()
        assert m.W is s.W and m.step == s.step
        try:
            fresh = engine.core.evaluate(s.W, s.b, s.Z, s.y, reg=s.reg, loss=s.loss)
        except ValueError:
            assert m.terms is None
            return
        assert m.terms.total == fresh.terms.total and m.accuracy == fresh.accuracy
        np.testing.assert_array_equal(m.terms.dW, fresh.terms.dW)
        np.testing.assert_array_equal(s.point_losses(), fresh.losses)

    @invariant()
    def selection_is_valid(self):
        i = self.scene.selected
        assert i is None or 0 <= i < self.N


class WindowMachine(SceneMachine):
    """The same rules through a whole MainWindow: the views must show the scene."""

    def make(self) -> None:
        from explorer.main_window import MainWindow

        self.window = MainWindow()
        self.window.ask_before_closing = False
        self.window.show()
        QApplication.processEvents()
        self.scene = self.window.scene
        self.trainer = self.window.trainer

    def teardown(self) -> None:
        try:
            super().teardown()
        finally:
            self.window.close()
            self.window.deleteLater()
            QApplication.processEvents()

    @invariant()
    def dataset_view_shows_the_points(self):
        s, view = self.scene, self.window.dataset_view
        assert len(view.scatters) == self.C
        for j, scatter in enumerate(view.scatters):
            xs, ys = scatter.getData()
            np.testing.assert_array_equal(np.column_stack([xs, ys]).reshape(-1, 2), s.X[s.y == j],
                                          err_msg=f"class {j}")

    @invariant()
    def score_lab_shows_the_probabilities(self):
        s, lab = self.scene, self.window.score_lab
        assert len(lab.score_edits) == self.C
        heights = np.asarray(lab.prob_bars.opts["height"], dtype=float)
        if s.naive:  # (a NaN or inf probability is a full-height hatched bar)
            p = s.lab_probabilities()
            np.testing.assert_array_equal(heights, np.where(np.isfinite(p), p, 1.0))
        else:
            np.testing.assert_array_equal(heights, engine.softmax(s.lab_scores(), s.temperature))
            for t in lab.prob_texts:
                text = t.toPlainText().lower()
                assert "nan" not in text and "inf" not in text, text

    @invariant()
    def weights_view_shows_w_and_b(self):
        s, wv = self.scene, self.window.weights_view
        assert len(wv.value_edits) == s.W.shape[0]
        for i, row in enumerate(wv.value_edits):
            assert len(row) == self.C
            for j, edit in enumerate(row):
                assert edit.value() == s.W[i, j], (i, j)
                assert "nan" not in edit.text().lower()
        for j, edit in enumerate(wv.bias_edits):
            assert edit.value() == s.b[j], j


def test_scene_state_machine(qapp, monkeypatch):
    # blocks of a few rows: moves, drags and spread evaluations cross block boundaries
    monkeypatch.setattr(engine.core, "_BLOCK_ENTRIES", 60)
    monkeypatch.setattr(engine.core, "_MIN_BLOCK", 3)
    run_state_machine_as_test(SceneMachine, settings=SCENE_SETTINGS)


def test_window_state_machine(qapp):
    run_state_machine_as_test(WindowMachine, settings=WINDOW_SETTINGS)


def test_step_back_after_changing_the_classes_or_features(qapp):
    """Found by the machine: the timeline was recorded with another shape of W."""
    for change in (lambda s: s.set_n_classes(4), lambda s: s.set_features(["x1^2"])):
        scene = Scene(seed=0)
        trainer = Trainer(scene, seed=0)
        errors = []
        trainer.error.connect(errors.append)
        trainer.step()
        trainer.step()
        change(scene)
        before = scene.data
        assert trainer.step_back() is False  # reported, not raised
        assert scene.data is before and errors


@pytest.mark.parametrize("machine", [SceneMachine])
def test_a_fixed_long_sequence(qapp, machine):
    """A hand-written scenario through the same rules (a readable smoke test)."""
    m = machine()
    try:
        m.load_preset("spiral", 120, None, 3)
        m.set_n_classes(5)
        m.select(7)
        m.set_score(2, 4.0)
        m.step(3)
        m.set_features(["x1^2", "sin(x2)"])
        m.step(2)
        m.undo_then_redo_restores()
        m.diverge()
        m.save_and_load("a.json")
        m.go_to_step(1)
        m.delete_point(3)
        m.csv_round_trip()
        for check in (m.shapes_agree, m.labels_below_c, m.everything_stored_is_finite,
                      m.lab_probabilities_are_a_distribution, m.loss_terms_are_finite,
                      m.selection_is_valid):
            check()
    finally:
        m.teardown()
