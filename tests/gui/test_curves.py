"""The training curves follow the scene's history."""

import time

import numpy as np
import pytest

from explorer import engine
from explorer.views.curves import CurvesView


@pytest.fixture
def view(qtbot, scene):
    v = CurvesView(scene)
    qtbot.addWidget(v)
    v.resize(440, 360)
    v.show()
    qtbot.waitExposed(v)
    return v


def curve_data(curve):
    """All the data handed to the curve (getData() gives only the clipped, decimated
    part that is drawn)."""
    x, y = curve.getOriginalDataset()
    return (np.empty(0), np.empty(0)) if x is None else (np.asarray(x), np.asarray(y))


def assert_curves_match_history(view, scene):
    h = scene.history
    for curve, column, factor in ((view.data_curve, "data_loss", 1.0),
                                  (view.reg_curve, "reg_loss", 1.0),
                                  (view.total_curve, "total_loss", 1.0),
                                  (view.acc_curve, "accuracy", 100.0)):
        x, y = curve_data(curve)
        np.testing.assert_array_equal(x, h.column("step"))
        np.testing.assert_array_equal(y, factor * h.column(column))


def test_starts_empty_with_a_hint(view, scene):
    assert len(scene.history) == 0
    for curve in (view.data_curve, view.reg_curve, view.total_curve, view.acc_curve):
        assert curve_data(curve)[0].size == 0
    assert view.hint.isVisible()


def test_curves_follow_training_ticks(view, scene, trainer, qtbot):
    scene.set_reg(0.05)
    scene.set_steps_per_frame(3)
    items = (view.data_curve, view.reg_curve, view.total_curve, view.acc_curve)
    for _ in range(7):
        trainer.tick()
    assert (view.data_curve, view.reg_curve, view.total_curve, view.acc_curve) == items
    assert not view.hint.isVisible()
    assert_curves_match_history(view, scene)
    x, _ = curve_data(view.total_curve)
    np.testing.assert_array_equal(x, np.arange(1, 8) * 3)

    # the last point is the current scene, from the engine directly
    t = engine.loss_terms(scene.W, scene.b, scene.Z, scene.y, reg=scene.reg, loss=scene.loss)
    assert curve_data(view.reg_curve)[1][-1] == pytest.approx(engine.l2_penalty(scene.W, 0.05),
                                                              rel=1e-12)
    assert curve_data(view.data_curve)[1][-1] == pytest.approx(t.data, rel=1e-12)
    assert curve_data(view.total_curve)[1][-1] == pytest.approx(t.data + t.penalty, rel=1e-12)
    acc = 100 * engine.accuracy(scene.W, scene.b, scene.Z, scene.y)
    assert curve_data(view.acc_curve)[1][-1] == pytest.approx(acc)
    assert np.all((curve_data(view.acc_curve)[1] >= 0) & (curve_data(view.acc_curve)[1] <= 100))


def test_reg_curve_is_the_l2_penalty_at_every_recorded_step(view, scene, trainer):
    scene.set_reg(0.2)
    penalties = []
    for _ in range(5):
        trainer.tick()
        penalties.append(0.2 * float(np.sum(scene.W ** 2)))
    np.testing.assert_allclose(curve_data(view.reg_curve)[1], penalties, rtol=1e-12)


def test_reset_empties_the_curves(view, scene, trainer, qtbot):
    for _ in range(4):
        trainer.step()
    assert curve_data(view.total_curve)[0].size == 4
    with qtbot.waitSignal(scene.history_changed):
        trainer.reset()
    for curve in (view.data_curve, view.reg_curve, view.total_curve, view.acc_curve):
        assert curve_data(curve)[0].size == 0
    assert view.hint.isVisible()


def test_undoing_a_run_truncates_the_curves(view, scene, trainer):
    trainer.step()
    trainer.play()
    for _ in range(5):
        trainer.tick()
    trainer.pause()
    assert curve_data(view.total_curve)[0].size == 6
    scene.undo()  # the 5-step run
    assert scene.step == 1
    assert_curves_match_history(view, scene)
    assert curve_data(view.total_curve)[0].size == 1


def test_legend_and_line_styles_tell_the_losses_apart(view):
    pens = [c.opts["pen"] for c in (view.data_curve, view.reg_curve, view.total_curve)]
    assert len({p.color().name() for p in pens}) == 3
    assert len({p.style() for p in pens}) == 3
    labels = [label.text for _, label in view.legend.items]
    assert labels == ["data loss", "L2 penalty", "total"]
    assert view.acc_plot.getAxis("left").labelText == "accuracy (%)"
    assert view.acc_plot.getAxis("bottom").labelText == "SGD step"
    assert view.loss_plot.getAxis("left").labelText == "loss"


def test_twenty_thousand_points_stay_cheap(view, scene, qtbot):
    h = scene.history
    n = h.max_points
    for k in range(1, n + 1):
        h.append(k, 1.0 / k, 0.01, 1.0 / k + 0.01, 0.5)
    t0 = time.perf_counter()
    scene.history_changed.emit()
    view.grab()
    elapsed = time.perf_counter() - t0
    assert curve_data(view.total_curve)[0].size == len(h) == n
    assert_curves_match_history(view, scene)
    print(f"update + paint of {n} points: {1000 * elapsed:.1f} ms")
