"""The loss-shape plot: −ln p_y and the hinge along s_y, the current value marked."""

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.views.loss_shape import LossShapeView


@pytest.fixture
def view(qtbot, scene):
    v = LossShapeView(scene)
    qtbot.addWidget(v)
    v.resize(450, 360)
    v.show()
    qtbot.waitExposed(v)
    return v


def ref_ce(s, y, T=1.0):
    z = [v / T for v in s]
    m = max(z)
    return m - z[y] + math.log(sum(math.exp(v - m) for v in z))


def ref_hinge(s, y):
    return sum(max(0.0, s[j] - s[y] + 1.0) for j in range(len(s)) if j != y)


def at_current(view):
    k = int(np.flatnonzero(view.s_grid == view.current[0])[0])
    return view.ce_values[k], view.hinge_values[k]


def assert_current_matches_scene(view, scene):
    s = scene.lab_scores()
    y = scene.lab_label()
    assert view.current[0] == s[y]
    ce, hinge = at_current(view)
    assert ce == pytest.approx(scene.lab_loss(), rel=1e-12, abs=1e-15)
    assert view.current[1] == ce
    assert hinge == pytest.approx(ref_hinge(list(s), y), rel=1e-12, abs=1e-15)
    # the drawn items
    x, yy = view.ce_curve.getData()
    assert np.array_equal(x, view.s_grid) and np.array_equal(yy, view.ce_values)
    dot = view.ce_dot.getData()
    assert dot[0][0] == s[y] and dot[1][0] == pytest.approx(scene.lab_loss(), rel=1e-12)
    assert view.vline.value() == s[y]


def test_curve_at_current_s_y_is_the_lab_loss(view, scene):
    assert_current_matches_scene(view, scene)
    lo, hi = view.view.viewRange()[0]
    assert lo < scene.lab_scores()[scene.lab_label()] < hi


def test_curves_are_the_losses_along_s_y(view, scene):
    s = list(scene.lab_scores())
    y = scene.lab_label()
    for k in (0, 50, 200, len(view.s_grid) - 1):
        t = list(s)
        t[y] = view.s_grid[k]
        assert view.ce_values[k] == pytest.approx(ref_ce(t, y), rel=1e-12, abs=1e-14)
        assert view.hinge_values[k] == pytest.approx(ref_hinge(t, y), rel=1e-12, abs=1e-14)
    # cross-entropy decreases in s_y and stays positive; the hinge reaches 0
    assert np.all(np.diff(view.ce_values) < 0) and np.all(view.ce_values > 0)
    assert view.hinge_values[-1] == 0.0


def test_live_on_scores_selection_weights_and_temperature(view, scene, trainer):
    scene.set_score(0, 7.5)
    assert_current_matches_scene(view, scene)
    scene.select(12)
    assert_current_matches_scene(view, scene)
    trainer.step()
    assert_current_matches_scene(view, scene)
    scene.set_temperature(3.0)
    assert_current_matches_scene(view, scene)
    scene.set_n_classes(5)
    assert_current_matches_scene(view, scene)


def test_extreme_scores_stay_finite(view, scene):
    scene.set_scores([1e6, -1e6, 0.0])
    assert np.all(np.isfinite(view.ce_values)) and np.all(np.isfinite(view.hinge_values))
    assert_current_matches_scene(view, scene)


def test_hinge_is_distinct_in_colour_style_and_legend(view):
    ce_pen, hinge_pen = view.ce_curve.opts["pen"], view.hinge_curve.opts["pen"]
    assert ce_pen.color() != hinge_pen.color()
    assert ce_pen.style() == Qt.SolidLine and hinge_pen.style() == Qt.DashLine
    names = [label.text for _, label in view.legend.items]
    assert len(names) == 2
    assert "cross-entropy" in names[1] or "cross-entropy" in names[0]
    assert any("hinge" in n for n in names)
    assert "−ln p" in view.readout.text() and "hinge" in view.readout.text()


def test_appearance_changes_are_applied(view):
    from explorer import style

    width = view.ce_curve.opts["pen"].widthF()
    try:
        style.appearance.set_scale(2.0)
        assert view.ce_curve.opts["pen"].widthF() == pytest.approx(2 * width)
        assert len(view.legend.items) == 2  # re-created, not duplicated
        style.appearance.set_theme("dark")
        assert view.plot.backgroundBrush().color() == style.background()
    finally:
        style.appearance.set_scale(1.0)
        style.appearance.set_theme("light")
    assert view.plot.backgroundBrush().color() == style.background()
