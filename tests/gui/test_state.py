"""The scene state: validation, no-op edits, derived values, undo/redo, training runs."""

import dataclasses
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer import engine
from explorer.state import Scene, SceneData


def snapshot(scene: Scene) -> dict:
    return {f.name: getattr(scene.data, f.name) for f in dataclasses.fields(SceneData)}


def assert_same_scene(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
            assert a[k].dtype == b[k].dtype, k
        else:
            assert a[k] == b[k], k


def test_default_scene_is_consistent(scene):
    d = scene.data
    assert d.n_classes == 3
    assert d.X.shape == (scene.n_points, 2) and d.y.shape == (scene.n_points,)
    assert d.W.shape == (2, 3) and d.b.shape == (3,) and d.scores.shape == (3,)
    assert set(np.unique(d.y)) == {0, 1, 2}
    # Arrays are read-only: nobody can change the scene behind its back.
    with pytest.raises(ValueError):
        d.W[0, 0] = 1.0


def test_derived_values_come_from_the_engine(scene):
    t = scene.loss_terms()
    ref = engine.loss_terms(scene.W, scene.b, scene.X, scene.y, reg=scene.reg)
    assert t.total == ref.total and t.data == ref.data and t.penalty == ref.penalty
    np.testing.assert_array_equal(t.dW, ref.dW)
    acc = np.mean((scene.X @ scene.W + scene.b).argmax(axis=1) == scene.y)
    assert scene.accuracy() == acc


def test_free_score_edit_and_noop(scene, qtbot):
    with qtbot.waitSignal(scene.scores_changed):
        assert scene.set_score(1, 2.5)
    assert scene.scores[1] == 2.5
    with qtbot.assertNotEmitted(scene.scores_changed):
        assert not scene.set_score(1, 2.5)
    np.testing.assert_array_equal(scene.lab_probabilities(), engine.softmax(scene.scores))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), 1e301, "3", None, True])
def test_bad_score_is_rejected_and_changes_nothing(scene, qtbot, bad):
    before = snapshot(scene)
    with qtbot.assertNotEmitted(scene.scores_changed):
        with pytest.raises(ValueError, match="s1"):
            scene.set_score(0, bad)
    assert_same_scene(before, snapshot(scene))
    assert scene.undo_stack.count() == 0


def test_linked_score_edit_shifts_only_that_bias(scene):
    i = 7
    scene.select(i)
    W0, b0 = scene.W.copy(), scene.b.copy()
    scene.set_score(2, 4.25)
    s = scene.point_scores()[i]
    assert s[2] == pytest.approx(4.25, rel=1e-12)
    np.testing.assert_array_equal(scene.W, W0)
    np.testing.assert_array_equal(scene.b[:2], b0[:2])
    assert scene.b[2] != b0[2]
    np.testing.assert_array_equal(scene.lab_scores(), scene.X[i] @ scene.W + scene.b)
    assert scene.lab_label() == scene.y[i]


def test_weights_that_overflow_the_loss_are_refused(scene):
    before = snapshot(scene)
    W = np.full((2, 3), 1e300)
    with pytest.raises(ValueError, match="overflow"):
        scene.set_weights(W, np.zeros(3))  # reg * sum(W**2) overflows
    assert_same_scene(before, snapshot(scene))


def test_extreme_but_computable_weights_are_accepted(scene):
    scene.set_reg(0.0)
    W = np.array([[1e300, 0.0, 0.0], [0.0, 0.0, 0.0]])
    assert scene.set_weights(W, np.zeros(3))
    t = scene.loss_terms()
    assert np.isfinite(t.total) and np.all(np.isfinite(t.dW))


def test_classes_resize_regenerates_a_pristine_preset(scene):
    scene.set_n_classes(5)
    X, y = engine.make_dataset("blobs", 150, classes=5, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(scene.X, X)
    np.testing.assert_array_equal(scene.y, y)
    assert scene.W.shape == (2, 5) and scene.b.shape == (5,) and scene.scores.shape == (5,)


def test_classes_shrink_drops_hand_made_points_of_removed_classes(scene):
    scene.clear_points()
    for label in (0, 1, 2, 2):
        scene.add_point(float(label), 1.0, label)
    scene.set_true_class(2)
    scene.set_active_class(2)
    scene.set_n_classes(2)
    np.testing.assert_array_equal(scene.y, [0, 1])
    assert scene.true_class == 1 and scene.active_class == 1
    assert scene.W.shape == (2, 2)


def test_each_edit_undoes_and_redoes_exactly(scene):
    edits = [
        lambda: scene.set_score(0, -2.0),
        lambda: scene.set_true_class(2),
        lambda: scene.set_weight(1, 2, 0.75),
        lambda: scene.set_bias(0, -1.5),
        lambda: scene.add_point(1.0, 2.0, 1),
        lambda: scene.move_point(3, 0.5, 0.25),
        lambda: scene.remove_points([4, 9]),
        lambda: scene.load_preset("spiral", 90, None, 3),
        lambda: scene.set_n_classes(4),
        lambda: scene.set_features(["x1^2", "x2^2"]),
        lambda: scene.set_lr(0.3),
        lambda: scene.set_batch_size(16),
        lambda: scene.set_reg(0.01),
        lambda: scene.set_momentum(0.5),
        lambda: scene.set_steps_per_frame(5),
        lambda: scene.set_loss("svm"),
        lambda: scene.randomize_weights(),
        lambda: scene.zero_weights(),
        lambda: scene.clear_points(),
    ]
    for edit in edits:
        before = snapshot(scene)
        count = scene.undo_stack.count()
        edit()
        after = snapshot(scene)
        assert scene.undo_stack.count() == count + 1
        scene.undo()
        assert_same_scene(before, snapshot(scene))
        scene.redo()
        assert_same_scene(after, snapshot(scene))


def test_merge_key_makes_a_drag_one_undo_entry(scene):
    before = snapshot(scene)
    for k in range(10):
        scene.move_point(0, 0.1 * k, -0.1 * k, merge_key=("drag", 1))
    assert scene.undo_stack.count() == 1
    scene.undo()
    assert_same_scene(before, snapshot(scene))


def test_remove_points_keeps_the_selected_point_selected(scene):
    scene.select(10)
    x = scene.X[10].copy()
    scene.remove_points([2, 3])
    assert scene.selected == 8
    np.testing.assert_array_equal(scene.X[8], x)
    scene.remove_points([8])
    assert scene.selected is None


def test_features_grow_w_and_keep_raw_rows(scene):
    W0 = scene.W.copy()
    scene.set_features(["x1*x2", "x1^2"])
    assert scene.feature_names == ("x1", "x2", "x1^2", "x1*x2")
    np.testing.assert_array_equal(scene.W[:2], W0)
    np.testing.assert_array_equal(scene.W[2:], 0.0)
    np.testing.assert_array_equal(scene.Z, engine.expand_features(scene.X, ["x1^2", "x1*x2"]))


def test_training_run_is_one_undo_entry_and_edits_split_it(scene, trainer):
    start = snapshot(scene)
    trainer.play()
    for _ in range(5):
        trainer.tick()
    scene.set_lr(0.2)  # an edit while running closes the run so far
    for _ in range(3):
        trainer.tick()
    trainer.pause()
    texts = [scene.undo_stack.text(i) for i in range(scene.undo_stack.count())]
    assert texts == ["Train 5 steps", "Learning rate 0.2", "Train 3 steps"]
    assert scene.step == 8 and len(scene.history) == 8
    scene.undo()
    assert scene.step == 5 and scene.lr == 0.2
    assert len(scene.history) == 5  # the curves follow the undo
    scene.undo()
    scene.undo()
    assert_same_scene(start, snapshot(scene))


def test_divergence_pauses_and_restores_the_last_finite_weights(scene, trainer, qtbot):
    scene.load_preset("spiral", 300, None, 0)
    scene.set_weights(np.full((2, 3), 1e150) * np.array([[1, -1, 0.5]]), np.zeros(3))
    scene.set_lr(10.0)
    scene.set_reg(10.0)
    W0 = scene.W.copy()
    with qtbot.waitSignal(trainer.diverged) as blocker:
        trainer.play()
        for _ in range(50):
            if not trainer.running:
                break
            trainer.tick()
    assert not trainer.running
    assert "smaller learning rate" in blocker.args[0]
    assert np.all(np.isfinite(scene.W))
    assert scene.step == 0 or np.all(np.isfinite(scene.loss_terms().dW))
    del W0


def test_timeline_records_every_step_and_go_to_step_restores_it(scene, trainer):
    scene.set_steps_per_frame(7)
    trainer.play()
    seen = {}
    for _ in range(3):
        trainer.tick()
        seen[scene.step] = (scene.W.copy(), scene.b.copy())
    trainer.pause()
    tl = scene.timeline
    assert (tl.first_step(), tl.last_step()) == (0, 21)
    for step, (W, b) in seen.items():
        scene.go_to_step(step)
        np.testing.assert_array_equal(scene.W, W)
        np.testing.assert_array_equal(scene.b, b)
        assert scene.step == step
    # Each recorded step is one SGD update of the one before (full batch, no momentum).
    W3, b3, _ = tl.at(3)
    W4, _, loss4 = tl.at(4)
    total, dW, _ = engine.loss_and_gradients(W3, b3, scene.Z, scene.y, reg=scene.reg)
    np.testing.assert_array_equal(W4, W3 - scene.lr * dW)
    assert loss4 == total


def test_step_back_then_training_rewrites_the_future(scene, trainer):
    for _ in range(5):
        trainer.step()
    assert trainer.step_back() and scene.step == 4
    np.testing.assert_array_equal(scene.W, scene.timeline.at(4)[0])
    scene.set_lr(0.5)
    trainer.step()
    assert scene.step == 5 and scene.timeline.last_step() == 5
    np.testing.assert_array_equal(scene.timeline.at(5)[0], scene.W)
    with pytest.raises(ValueError, match="not in the timeline"):
        scene.go_to_step(99)


def test_timeline_is_bounded():
    from explorer.state import ParameterHistory
    tl = ParameterHistory(capacity=100)
    tl.reset((2, 3))
    for k in range(250):
        tl.record(k, np.full((2, 3), k), np.full(3, k), float(k))
    assert len(tl) == 100 and tl.first_step() == 150 and tl.last_step() == 249
    W, b, loss = tl.at(200)
    assert W[0, 0] == 200 and b[0] == 200 and loss == 200.0
    assert not tl.has_step(149)


def test_temperature_and_naive_toggle_feed_the_lab(scene):
    scene.set_scores([1000.0, 0.0, -1000.0])
    scene.set_temperature(2.0)
    np.testing.assert_array_equal(scene.lab_probabilities(), engine.softmax(np.array([500.0, 0, -500])))
    assert np.all(np.isfinite(scene.lab_probabilities()))
    scene.set_temperature(1.0)
    scene.set_naive(True)
    assert np.isnan(scene.lab_probabilities()[0])  # exp(1000) overflowed: that is the lesson
    assert np.isfinite(scene.lab_loss())  # the stable loss stays available beside it
    scene.undo()
    assert not scene.naive


def test_shift_leaves_probabilities_unchanged(scene):
    p = scene.lab_probabilities()
    scene.shift_scores(100.0)
    np.testing.assert_allclose(scene.lab_probabilities(), p, rtol=1e-12)
    assert scene.scores[0] == pytest.approx(103.2)


def test_point_losses_and_gradient(scene):
    L = scene.point_losses()
    # The losses come from the engine's one-pass evaluation (a BLAS product; scores shifted
    # by their best rounded down to a step of 8), the scores from a row-by-row sum: the
    # same numbers up to the rounding of the two sums and a few ulps of the step.
    np.testing.assert_allclose(L, engine.per_sample_cross_entropy(scene.point_scores(), scene.y),
                               rtol=1e-13, atol=4e-15)
    scene.select(3)
    dW, db = scene.point_gradient()
    p = engine.softmax(scene.X[3] @ scene.W + scene.b)
    g = p - np.eye(3)[scene.y[3]]
    np.testing.assert_allclose(dW, np.outer(scene.X[3], g), rtol=1e-14, atol=1e-15)
    scene.set_loss("svm")
    np.testing.assert_allclose(scene.point_losses(),
                               engine.per_sample_hinge(scene.point_scores(), scene.y), rtol=1e-13)


def test_a_jump_in_the_timeline_clears_the_momentum(scene, trainer):
    scene.set_momentum(0.9)
    for _ in range(4):
        trainer.step()
    scene.go_to_step(2)
    W2, b2 = scene.W.copy(), scene.b.copy()
    trainer.step()
    total, dW, db = engine.loss_and_gradients(W2, b2, scene.Z, scene.y, reg=scene.reg)
    np.testing.assert_array_equal(scene.W, W2 - scene.lr * dW)  # no velocity carried over


def test_an_edit_in_place_keeps_the_momentum(scene, trainer):
    scene.set_momentum(0.9)
    trainer.step()
    scene.set_bias(0, 0.5)
    W1, b1 = scene.W.copy(), scene.b.copy()
    trainer.step()
    _, dW, _ = engine.loss_and_gradients(W1, b1, scene.Z, scene.y, reg=scene.reg)
    v1 = scene.timeline.at(1)[0] - scene.timeline.at(0)[0]  # the velocity after step 1
    np.testing.assert_allclose(scene.W, W1 + 0.9 * v1 - scene.lr * dW, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("batch", [None, 64], ids=["full batch", "minibatch"])
def test_large_datasets_spread_the_full_batch_evaluation_over_frames(scene, trainer, qtbot,
                                                                     spread, batch):
    """Minibatches: an evaluation spread over frames; full batch: each step's own pass
    (of the parameters it started from). Either way the published metrics are exact."""
    scene.load_preset("blobs", 5000, None, 0)
    scene.set_batch_size(batch)
    spread(scene, 1000)  # as if 5000 points were too many
    trainer.play()
    published = []
    scene.metrics_changed.connect(lambda: published.append(scene.metrics()))
    for _ in range(12):
        trainer.tick()
    assert scene._spreading
    assert published, "no evaluation completed"
    for m in published:
        W, b, _ = scene.timeline.at(m.step)
        np.testing.assert_array_equal(m.W, W)
        ref = engine.loss_terms(W, b, scene.Z, scene.y, reg=scene.reg)
        assert m.terms.total == pytest.approx(ref.total, rel=1e-12)
        np.testing.assert_allclose(m.terms.dW, ref.dW, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(m.terms.db, ref.db, rtol=1e-10, atol=1e-14)
        assert m.accuracy == engine.accuracy(W, b, scene.Z, scene.y)
    assert scene.metrics().step < scene.step  # it lags while training
    np.testing.assert_array_equal(scene.history.column("step")[-len(published):],
                                  [m.step for m in published])
    trainer.pause()  # the paused W is evaluated over the next frames, then exact
    qtbot.waitUntil(lambda: not scene.settling)
    m = scene.metrics()
    d = scene.data
    exact = engine.core.evaluate(d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss)
    assert m.step == scene.step
    assert m.terms.total == exact.terms.total and m.accuracy == exact.accuracy
    np.testing.assert_array_equal(m.terms.dW, exact.terms.dW)


def test_a_loss_that_blows_up_stops_training_at_the_best_step(scene, trainer, qtbot):
    """lr far too large with a strong L2 penalty: the loss explodes long before any
    overflow; training pauses and W goes back to the run's best step."""
    scene.load_preset("spiral", 300, None, 0)
    scene.set_reg(2.0)
    scene.set_lr(10.0)  # each step multiplies W by about (1 - 2 * lr * reg) = -39
    start = scene.loss_terms().total
    with qtbot.waitSignal(trainer.diverged) as blocker:
        trainer.play()
        for _ in range(20):
            if not trainer.running:
                break
            trainer.tick()
    assert not trainer.running
    message = blocker.args[0]
    assert "blew up" in message and "smaller learning rate, e.g. 1" in message
    assert np.all(np.isfinite(scene.W))
    assert scene.loss_terms().total <= start  # back at the best step of the run
    texts = [scene.undo_stack.text(i) for i in range(scene.undo_stack.count())]
    assert texts[-2].startswith("Train") and texts[-1].startswith("Go to step")


def test_training_a_large_dataset_never_evaluates_it_whole_in_a_frame(scene, trainer, qtbot,
                                                                       spread, passes):
    """Before the first spread evaluation completes, the metrics shown are those of the
    step the run started from: no frame pays for a pass over every point."""
    scene.load_preset("blobs", 5000, None, 0)
    scene.set_batch_size(64)
    start = scene.metrics()  # (the app shows these before Play)
    spread(scene, 1000)
    rows = passes
    rows.clear()
    trainer.play()
    for _ in range(3):
        trainer.tick()
        m = scene.metrics()
        assert m.step == start.step and m.terms.total == start.terms.total
    assert rows and max(rows) < scene.n_points  # chunks only
    trainer.pause()
    qtbot.waitUntil(lambda: scene.metrics().step == scene.step)
    assert max(rows) < scene.n_points  # pausing too
    d = scene.data
    rows.clear()
    np.testing.assert_array_equal(  # (and what it computed is kept)
        scene.point_losses(), engine.core.evaluate(d.W, d.b, scene.Z, d.y, loss=d.loss).losses)
    assert rows == [scene.n_points]  # (the reference above)


def test_pausing_a_large_dataset_evaluates_the_paused_w_over_the_next_frames(
        scene, trainer, qtbot, spread, passes):
    """Pause never evaluates a large dataset whole: until the paused W's evaluation has
    gone through every block over the next frames, the metrics stay the last published
    ones (their step says so); an edit meanwhile brings its own exact metrics, and Play
    takes the training on without a full pass."""
    scene.load_preset("blobs", 5000, None, 0)
    scene.set_batch_size(64)
    spread(scene, 500)  # blocks of 500 rows, 1000 rows per frame
    rows = passes
    changes = []
    scene.metrics_changed.connect(lambda: changes.append(scene.metrics().step))
    trainer.play()
    for _ in range(4):
        trainer.tick()
    trainer.pause()
    last = scene.metrics()
    assert scene.settling and last.step < scene.step
    rows.clear()
    changes.clear()
    qtbot.waitUntil(lambda: not scene.settling)
    assert rows == [500] * 10  # block by block, each once
    assert changes == [scene.step]  # then once, exact
    d = scene.data
    exact = engine.core.evaluate(d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss)
    assert scene.metrics().terms.total == exact.terms.total

    # an edit while settling: its own metrics, exact, at once
    trainer.play()
    trainer.tick()
    trainer.pause()
    assert scene.settling
    scene.set_weight(0, 0, 0.25)
    assert not scene.settling
    d = scene.data
    assert scene.metrics().step == scene.step
    assert scene.metrics().terms.total == engine.core.evaluate(
        d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss).terms.total

    # Play while settling: training goes on from the last published metrics
    trainer.play()
    trainer.tick()
    trainer.pause()
    assert scene.settling
    rows.clear()
    trainer.play()
    trainer.tick()
    assert not scene.settling and max(rows) <= 500  # no full pass
    assert scene.metrics().step < scene.step  # (training spreads its evaluations again)
    trainer.pause()
    qtbot.waitUntil(lambda: not scene.settling)
    assert scene.metrics().step == scene.step


def test_lab_changed_fires_when_what_the_score_lab_shows_changes(scene, qtbot):
    """Free scores: their own edits, not W or the points. A selected point: also W, b and
    the points (its scores are W^T x + b)."""
    fired = []
    scene.lab_changed.connect(lambda: fired.append(1))

    def count(edit) -> int:
        fired.clear()
        edit()
        return len(fired)

    assert count(lambda: scene.set_score(0, 2.5)) == 1
    assert count(lambda: scene.set_weight(0, 0, 0.3)) == 0
    assert count(lambda: scene.move_point(0, 1.0, 1.0)) == 0
    assert count(lambda: scene.select(0)) == 1
    assert count(lambda: scene.set_weight(0, 0, 0.4)) == 1
    assert count(lambda: scene.move_point(0, 1.5, 1.0)) == 1
    assert count(lambda: scene.set_lr(0.2)) == 0
    assert count(lambda: scene.select(None)) == 1


def test_a_released_highlight_clears_only_if_still_shown(scene):
    scene.set_highlight(("W", 0, 1))
    assert not scene.release_highlight(("b", 1))  # another view's: left as it is
    assert scene.highlight == ("W", 0, 1)
    assert not scene.release_highlight(None)
    assert scene.release_highlight(("W", 0, 1)) and scene.highlight is None


def test_metrics_never_raise_when_w_cannot_be_evaluated(scene, monkeypatch):
    def overflow():
        raise ValueError("the gradient X.T @ (P - Y) overflows: the points are too large")

    monkeypatch.setattr(scene, "loss_terms", overflow)
    m = scene.metrics()
    assert m.step == scene.step and m.terms is None and m.accuracy is None


def test_score_lab_edits_do_not_evaluate_the_points_again(scene, passes):
    """The score lab's scores, class, temperature and naive switch leave every point's
    score and loss as they are: an edit of them reuses the evaluation (a pass over all
    points: ~10 ms at 100,000); an edit of W still evaluates, exactly."""
    scene.load_preset("blobs", 2000, None, 0)
    scene.select(None)
    losses, metrics = scene.point_losses(), scene.metrics()
    rows = passes
    rows.clear()
    scene.set_score(0, float(scene.scores[0]) + 0.5)
    scene.set_true_class(1)
    scene.set_temperature(2.0)
    scene.set_naive(True)
    assert rows == []
    assert scene.point_losses() is losses
    assert scene.metrics().terms.total == metrics.terms.total
    scene.set_weight(0, 0, float(scene.W[0, 0]) + 0.5)
    assert rows == [scene.n_points]
    d = scene.data
    expected = engine.core.evaluate(d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss)
    np.testing.assert_array_equal(scene.point_losses(), expected.losses)
    scene.undo()  # back to the scores edited above, W as before: the same values again
    np.testing.assert_array_equal(scene.point_losses(), losses)


def test_one_slow_evaluation_does_not_make_a_small_dataset_lag(scene, trainer, monkeypatch):
    """Whether a frame evaluates every point is decided from the last evaluation's time; on
    a busy machine one of them can take ten times as long. Below SPREAD_MIN_POINTS every
    training frame still shows the exact metrics of its own step."""
    scene.load_preset("blobs", 150, None, 0)
    trainer.play()
    try:
        for _ in range(3):
            monkeypatch.setattr(scene, "_eval_seconds_per_row", 1.0)  # as after a hiccup
            trainer.tick()
            m = scene.metrics()
            assert m.step == scene.step
            d = scene.data
            exact = engine.core.evaluate(d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss)
            assert m.terms.total == exact.terms.total and m.accuracy == exact.accuracy
    finally:
        trainer.pause()


def assert_a_fresh_pass(scene, Z=None):
    """The scene's loss terms, accuracy and per-point losses equal a fresh evaluation of
    its data (on ``Z``, by default its own feature matrix) bit for bit."""
    d = scene.data
    fresh = engine.core.evaluate(d.W, d.b, scene.Z if Z is None else Z, d.y, reg=d.reg,
                                 loss=d.loss)
    t = scene.loss_terms()
    assert (t.total, t.data, t.penalty) == (fresh.terms.total, fresh.terms.data,
                                            fresh.terms.penalty)
    np.testing.assert_array_equal(t.dW, fresh.terms.dW)
    np.testing.assert_array_equal(t.db, fresh.terms.db)
    assert scene.accuracy() == fresh.accuracy
    np.testing.assert_array_equal(scene.point_losses(), fresh.losses)


@pytest.mark.parametrize("features", [(), ("x1^2", "sin(x2)")])
def test_an_edit_of_one_class_forms_only_its_exponentials_with_the_same_numbers(
        scene, monkeypatch, features):
    """A weight, a bias and an arrow edit (one class's weights) form that class's
    exponentials again (``BlockedEvaluation.reweighted``), not every class's, and every
    number equals a fresh evaluation bit for bit; training steps (every class changes)
    keep no exponentials, and an edit after them makes a full pass again."""
    scene.load_preset("blobs", 1000, None, 0)
    scene.set_features(features)
    scene.set_reg(0.01)
    scene.point_losses()
    again = []
    exps_again = engine.core._exps_again
    monkeypatch.setattr(engine.core, "_exps_again",
                        lambda S, *a: again.append(S.shape[1]) or exps_again(S, *a))

    for edit in (lambda: scene.set_weight(0, 1, 0.7), lambda: scene.set_bias(2, -0.4),
                 lambda: scene.set_class_vector(0, (1.5, -0.5)), lambda: scene.set_weight(1, 0, 0.2)):
        again.clear()
        edit()
        assert again == [1000]  # the one block, from the kept exponentials
        assert_a_fresh_pass(scene)
    scene.apply_training(scene.W + 0.1, scene.b, 1)
    assert_a_fresh_pass(scene)
    assert scene._cache["blocked"]._exps is None  # (training keeps none)
    again.clear()
    scene.set_weight(0, 0, 0.3)
    assert again == []  # a full pass, which keeps them again
    assert_a_fresh_pass(scene)
    scene.set_weight(0, 0, 0.4)
    assert again == [1000]
    assert_a_fresh_pass(scene)


@pytest.mark.parametrize("features", [(), ("x1^2", "sin(x2)")])
def test_moving_a_point_evaluates_only_its_block_with_the_same_numbers(scene, monkeypatch,
                                                                      passes, features):
    """A drag step (move_point) evaluates only the block of rows that holds the point, and
    every number (loss terms, accuracy, per-point losses, the feature columns) equals a
    fresh evaluation of the moved points bit for bit."""
    monkeypatch.setattr(engine.core, "_BLOCK_ENTRIES", 3 * 64)
    monkeypatch.setattr(engine.core, "_MIN_BLOCK", 3)
    scene.load_preset("blobs", 1000, None, 0)
    scene.set_features(features)
    scene.set_reg(0.01)
    scene.point_losses()
    rows = passes
    rows.clear()
    for step, i in enumerate((5, 5, 700, 999)):
        scene.move_point(i, 0.3 * step - 4.0, 2.0 - 0.7 * step, merge_key="drag")
        assert rows == [40 if i == 999 else 64], step  # one block (of 64 rows) of 16
        rows.clear()
        d = scene.data
        Z = engine.expand_features(d.X, d.features)
        np.testing.assert_array_equal(scene.Z, Z)
        assert_a_fresh_pass(scene, Z)
        rows.clear()
    scene.undo()  # the whole drag, at once
    scene.point_losses()
    assert rows == [1000]  # a full pass


def test_the_scene_names_the_rows_a_move_changed(scene):
    """After move_point, views learn which rows moved without comparing every point; after
    any other change, or asked about other points, they must compare (None)."""
    X0 = scene.X
    assert scene.moved_rows(X0) is None
    scene.move_point(3, 1.25, -0.5)
    X1 = scene.X
    np.testing.assert_array_equal(scene.moved_rows(X0), [3])
    assert scene.moved_rows(X1) is None  # (nothing moved since X1)
    scene.move_point(7, 0.0, 0.0, merge_key="drag")
    np.testing.assert_array_equal(scene.moved_rows(X1), [7])
    assert scene.moved_rows(X0) is None
    rows = scene.moved_rows(X1)
    rows[0] = 99  # a copy: the scene's answer stays
    np.testing.assert_array_equal(scene.moved_rows(X1), [7])
    X2 = scene.X
    scene.set_weight(0, 0, 0.5)  # not a move of points: still asked of X2, it is X itself
    assert scene.X is X2 and scene.moved_rows(X2) is None
    scene.add_point(0.5, 0.5)
    assert scene.moved_rows(X2) is None
    assert not scene.move_point(0, *scene.X[0])  # no move: nothing to tell
    assert scene.moved_rows(X2) is None
    scene.undo()
    assert scene.moved_rows(X2) is None


def test_raw_points_are_their_own_feature_matrix(scene):
    """Without feature maps Z is the (read-only) points themselves, not a copy of them."""
    assert scene.Z is scene.X and not scene.Z.flags.writeable
    scene.move_point(2, 0.5, 0.25)
    assert scene.Z is scene.X
    scene.set_features(("x1^2",))
    assert scene.Z is not scene.X and scene.Z.shape == (scene.n_points, 3)
    np.testing.assert_array_equal(scene.Z[:, :2], scene.X)


def test_a_live_arrow_drag_over_a_large_dataset_spreads_the_metrics(scene, qtbot, spread,
                                                                     passes):
    """Steps of a drag (live) over a dataset too large to evaluate within a frame: no step
    evaluates every point, the metrics shown are complete evaluations of the W before the
    drag or of one of its steps, the drag is one undo entry; once it ends they become
    exact over the next frames. A step that is not live evaluates at once, exactly."""
    scene.load_preset("blobs", 5000, None, 0)
    spread(scene, 500)
    before = scene.metrics()
    entries = scene.undo_stack.count()
    rows = passes
    rows.clear()
    Ws = [scene.W]
    changes = []
    scene.metrics_changed.connect(lambda: changes.append(scene.metrics()))
    for k in range(8):
        assert scene.set_class_vector(1, (0.3 * k - 1.0, 1.5 - 0.2 * k), merge_key="drag",
                                      live=True)
        Ws.append(scene.W)
        assert max(rows) <= 1000  # a share of the points per step
        m = scene.metrics()
        assert any(m.W is W for W in Ws[:-1])  # a complete evaluation of an earlier W
    assert changes and all(any(m.W is W for W in Ws) for m in changes)
    m = changes[-1]
    exact = engine.core.evaluate(m.W, m.b, scene.Z, scene.y, reg=scene.reg, loss=scene.loss)
    assert m.terms.total == exact.terms.total and m.accuracy == exact.accuracy
    assert scene.undo_stack.count() == entries + 1
    rows.clear()
    scene.end_live()
    qtbot.waitUntil(lambda: not scene.settling)
    assert max(rows) <= 1000
    d = scene.data
    exact = engine.core.evaluate(d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss)
    m = scene.metrics()
    assert m.W is d.W and m.terms.total == exact.terms.total and m.accuracy == exact.accuracy
    scene.undo()  # the whole drag
    np.testing.assert_array_equal(scene.W, Ws[0])
    # the W before the drag, evaluated exactly (by the blocks of 500 rows that ``before``,
    # taken before ``spread``, was not: equal to rounding)
    d = scene.data
    exact = engine.core.evaluate(d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss)
    assert scene.metrics().terms.total == exact.terms.total
    assert scene.metrics().terms.total == pytest.approx(before.terms.total, rel=1e-14)
    rows.clear()
    scene.set_class_vector(1, (2.0, 2.0))  # not live: exact at once
    assert rows == [scene.n_points]  # one full pass
    assert scene.metrics().W is scene.W


def test_a_live_drag_step_whose_share_cannot_be_evaluated_still_moves_w(scene, monkeypatch,
                                                                          spread):
    """(Defensive: bounded coordinates keep the gradient finite.) A share of the evaluation
    that raises leaves the step applied and the last complete metrics shown."""
    scene.load_preset("blobs", 3000, None, 0)
    spread(scene, 500)
    before = scene.metrics()

    def overflow():
        raise ValueError("the gradient X.T @ (P - Y) overflows: the points are too large")

    monkeypatch.setattr(scene, "_advance_job", overflow)
    assert scene.set_class_vector(0, (1.5, -0.5), merge_key="drag", live=True)
    np.testing.assert_array_equal(scene.W[:2, 0], [1.5, -0.5])
    assert scene.metrics().terms.total == before.terms.total


def test_a_live_drag_to_weights_the_engine_cannot_evaluate_is_refused(scene, spread):
    """Scores can stay finite while the L2 penalty overflows (|w| ~ 1e200): a live step
    is refused as any edit is (the engine's message, nothing changed), not applied with
    metrics that could never be computed."""
    scene.load_preset("blobs", 600, None, 0)
    scene.set_reg(0.001)
    spread(scene, 100)
    before, count = scene.data, scene.undo_stack.count()
    with pytest.raises(ValueError, match="L2 penalty"):
        scene.set_class_vector(0, (0.0, -1e200), merge_key="drag", live=True)
    assert scene.data is before and scene.undo_stack.count() == count
    assert scene.set_class_vector(0, (0.0, -1e100), merge_key="drag", live=True)
    scene.end_live()
    assert math.isfinite(scene.loss_terms().total)


def test_a_dropped_scene_with_undo_entries_is_freed_without_a_crash(tmp_path):
    """Its undo entries hold it weakly: dropping a scene frees it at once, and a
    collection after it (here of a scene the collector must free, held in a cycle)
    crashes nothing (a strong reference made a cycle through Qt's ownership that,
    broken by the collector, deleted an entry twice: a segmentation fault)."""
    code = """
import gc, weakref
from explorer.state import Scene
refs = []
for n in (300, 2000):
    s = Scene(); s.load_preset("blobs", n=n, seed=0); s.set_weight(0, 0, 0.5); s.undo()
    assert s.undo_stack.count() == 2, s.undo_stack.count()
    refs.append(weakref.ref(s))
del s
freed = [r() is None for r in refs]
held = Scene(); held.load_preset("blobs", n=300, seed=1); held.set_weight(0, 0, 0.5)
held.me = held  # only the collector can free this one
ref = weakref.ref(held)
del held
gc.collect()
print(freed, ref() is None)
"""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(root)},
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["[True,", "True]", "True"]
