"""The score lab, driven through its real widgets: type, click, drag; then check scene and display."""

import math
import re

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QSlider, QSpinBox

from explorer import engine
from explorer.views.jacobian import JacobianView
from explorer.views.score_lab import SCORE_DRAW_LIMIT, ScoreLab
from explorer.views.widgets import messages


@pytest.fixture
def lab(qtbot, scene):
    view = ScoreLab(scene)
    qtbot.addWidget(view)
    view.resize(440, 760)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture
def message_log():
    got = []
    messages.message.connect(got.append)
    yield got
    messages.message.disconnect(got.append)


def type_into(qtbot, edit, text):
    """Replace the field's text by typing, then press Enter."""
    edit.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key_Backspace)
    qtbot.keyClick(edit, Qt.Key_Return)


def plain(text):
    return text.replace("\u2212", "-")


def shown_probabilities(lab):
    return np.asarray(lab.prob_bars.opts["height"], dtype=float)


def assert_lab_shows(lab, scores, label):
    """Bars, printed values and the loss are the engine's values for (scores, label)."""
    p = engine.softmax(scores)
    g = engine.score_gradient(scores, label)
    drawn = np.clip(scores, -SCORE_DRAW_LIMIT, SCORE_DRAW_LIMIT)  # Qt cannot draw taller bars
    assert_array_equal(lab.score_bars.opts["height"], drawn)
    for t, s in zip(lab.score_cut_texts, scores):
        assert t.isVisible() == (abs(s) > SCORE_DRAW_LIMIT)
    assert_array_equal(shown_probabilities(lab), p)
    assert_array_equal(lab.grad_bars.opts["height"], g)
    n = len(scores)
    assert [float(plain(t.toPlainText())) for t in lab.prob_texts] == pytest.approx(p, abs=6e-3 if n > 5 else 6e-4)
    assert [float(plain(t.toPlainText())) for t in lab.grad_texts] == pytest.approx(g, abs=6e-3 if n > 5 else 6e-4)
    loss = engine.cross_entropy(scores, label)
    shown_loss = float(plain(lab.loss_label.text()).rsplit("=", 1)[1])
    assert shown_loss == pytest.approx(loss, rel=1e-3, abs=1e-12)


# ------------------------------------------------------------------ typing
def test_typing_a_score_shows_its_softmax(qtbot, lab, scene):
    assert_lab_shows(lab, scene.scores, scene.true_class)
    with qtbot.waitSignal(scene.scores_changed):
        type_into(qtbot, lab.score_edits[1], "-2.5")
    assert scene.scores[1] == -2.5
    assert scene.scores[0] == 3.2 and scene.scores[2] == -1.7
    assert_array_equal(shown_probabilities(lab), engine.softmax([3.2, -2.5, -1.7]))
    expected = [f"{v:.3f}" for v in engine.softmax([3.2, -2.5, -1.7])]
    assert [t.toPlainText() for t in lab.prob_texts] == expected
    assert lab.score_edits[1].text() == "-2.5"
    assert lab.sliders[1].value() == -250
    assert_lab_shows(lab, scene.scores, scene.true_class)
    assert scene.undo_stack.count() == 1


def test_loss_label_shows_cross_entropy_with_its_numbers(qtbot, lab, scene):
    text = plain(lab.loss_label.text())
    p_y = engine.softmax(scene.scores)[0]
    loss = engine.cross_entropy(scene.scores, 0)
    assert f"-ln {p_y:.4f}" in text  # -ln 0.1300
    assert text.endswith(f"= {loss:.3f}")  # = 2.040
    type_into(qtbot, lab.score_edits[0], "0")
    loss = engine.cross_entropy([0.0, 5.1, -1.7], 0)
    assert float(text.rsplit("=", 1)[1]) != pytest.approx(loss)
    assert float(plain(lab.loss_label.text()).rsplit("=", 1)[1]) == pytest.approx(loss, rel=1e-3)


# The error bubble (QToolTip) of a visible field asks the offscreen platform to raise() it.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
@pytest.mark.parametrize("text", ["abc", "nan", "inf", "1e400", "", "-inf", "1,5"])
def test_rejected_text_changes_nothing_and_says_why(qtbot, lab, scene, message_log, text):
    edit = lab.score_edits[0]
    before = scene.data
    heights = shown_probabilities(lab).copy()
    with qtbot.assertNotEmitted(scene.scores_changed):
        type_into(qtbot, edit, text)
    assert scene.data is before
    assert scene.undo_stack.count() == 0
    assert edit.error()  # the field shows why
    assert edit.text() == text  # and keeps the text to be corrected
    assert message_log and "s1" in message_log[-1]
    assert_array_equal(shown_probabilities(lab), heights)
    # Escape restores the scene's value.
    qtbot.keyClick(edit, Qt.Key_Escape)
    assert edit.text() == "3.2" and not edit.error()


def test_huge_score_is_accepted_and_stays_finite(qtbot, lab, scene):
    type_into(qtbot, lab.score_edits[2], "1e300")
    assert scene.scores[2] == 1e300
    p = shown_probabilities(lab)
    assert np.all(np.isfinite(p))
    assert_array_equal(p, engine.softmax([3.2, 5.1, 1e300]))
    assert_lab_shows(lab, scene.scores, scene.true_class)
    lo, hi = lab.score_vb.viewRange()[1]
    assert math.isfinite(lo) and math.isfinite(hi) and hi >= SCORE_DRAW_LIMIT
    assert lab.score_bars.opts["height"][2] == SCORE_DRAW_LIMIT  # cut to what Qt can draw
    assert lab.score_cut_texts[2].toPlainText() == "1e+300 \u2191"  # with its true value
    assert lab.sliders[2].value() == lab.sliders[2].maximum()  # pinned at the end
    type_into(qtbot, lab.score_edits[2], "-1e300")
    assert scene.scores[2] == -1e300
    assert lab.sliders[2].value() == lab.sliders[2].minimum()
    assert_lab_shows(lab, scene.scores, scene.true_class)


def test_up_down_keys_step_a_score(qtbot, lab, scene):
    edit = lab.score_edits[0]
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key_Up)
    assert scene.scores[0] == pytest.approx(3.7)
    assert edit.text() == "3.7"


# ------------------------------------------------------------------ true class
def test_changing_y_moves_the_minus_one_and_the_mark(qtbot, lab, scene):
    combo = lab.true_class_combo
    assert combo.count() == 3
    g = np.asarray(lab.grad_bars.opts["height"])
    assert np.argmin(g) == 0 and g[0] < 0
    combo.setFocus()
    with qtbot.waitSignal(scene.scores_changed):
        qtbot.keyClick(combo, Qt.Key_Down)
    qtbot.keyClick(combo, Qt.Key_Down)
    assert scene.true_class == 2
    assert combo.currentIndex() == 2
    g = np.asarray(lab.grad_bars.opts["height"])
    p = engine.softmax(scene.scores)
    assert_array_equal(g, engine.score_gradient(scene.scores, 2))
    assert g[2] == p[2] - 1 and np.all(g[:2] == p[:2])
    assert np.count_nonzero(g < 0) == 1 and np.argmin(g) == 2
    assert lab.true_mark.pos().x() == 3.0  # the "y" sits over class 3
    widths = [pen.widthF() for pen in lab.grad_bars.opts["pens"]]
    assert widths[2] > 3 * widths[0] and widths[0] == widths[1]
    assert_lab_shows(lab, scene.scores, 2)
    assert "y = 3" in combo.currentText()


def test_scene_changes_show_in_the_widgets(qtbot, lab, scene):
    scene.set_scores([1.0, 2.0, 30.0])
    scene.set_true_class(1)
    assert [e.text() for e in lab.score_edits] == ["1", "2", "30"]
    assert [s.value() for s in lab.sliders] == [100, 200, 1000]
    assert lab.true_class_combo.currentIndex() == 1
    assert_lab_shows(lab, scene.scores, 1)
    assert scene.undo_stack.count() == 2  # syncing the editors never wrote back
    scene.undo()
    scene.undo()
    assert [e.text() for e in lab.score_edits] == ["3.2", "5.1", "-1.7"]
    assert_lab_shows(lab, scene.scores, 0)


# ------------------------------------------------------------------ sliders
def test_slider_drag_sets_the_score_as_one_undo_entry(qtbot, lab, scene):
    slider = lab.sliders[0]
    slider.setSliderDown(True)  # what pressing the handle does
    for v in (150, 220, 275):
        slider.setValue(v)
    slider.setSliderDown(False)
    assert scene.scores[0] == 2.75
    assert lab.score_edits[0].text() == "2.75"
    assert_lab_shows(lab, scene.scores, 0)
    assert scene.undo_stack.count() == 1
    scene.undo()
    assert scene.scores[0] == 3.2
    assert slider.value() == 320


def test_slider_keys_step_the_score(qtbot, lab, scene):
    slider = lab.sliders[2]
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key_Right)
    assert scene.scores[2] == pytest.approx(-1.6)
    qtbot.keyClick(slider, Qt.Key_PageDown)
    assert scene.scores[2] == pytest.approx(-2.6)


def test_slider_is_pinned_beyond_its_range(qtbot, lab, scene):
    scene.set_score(1, 42.0)
    assert lab.sliders[1].value() == lab.sliders[1].maximum()
    assert lab.score_edits[1].text() == "42"
    assert scene.scores[1] == 42.0  # syncing the pinned slider did not clip the score


# ------------------------------------------------------------------ dragging bars
def viewport_pos(plot, vb, x, y) -> QPoint:
    return plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


def data_y(plot, vb, pos: QPoint) -> float:
    return vb.mapSceneToView(plot.mapToScene(pos)).y()


def pixel(vb) -> float:
    """The data height of one pixel: how exactly a mouse position can set a value."""
    return vb.viewPixelSize()[1]


def mouse_drag(qtbot, plot, points):
    """Press at points[0], move through the others, release at the last."""
    vp = plot.viewport()
    qtbot.mousePress(vp, Qt.LeftButton, pos=points[0])
    for p in points[1:]:
        qtbot.wait(12)  # pyqtgraph drops mouse moves closer than 10 ms
        qtbot.mouseMove(vp, p)
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=points[-1])


def test_dragging_a_score_bar_sets_the_score(qtbot, lab, scene):
    plot, vb = lab.score_plot, lab.score_vb
    lo, hi = vb.viewRange()[1]
    start = viewport_pos(plot, vb, 2.0, scene.scores[1])
    end = viewport_pos(plot, vb, 2.1, lo + 0.6 * (hi - lo))
    mid = QPoint(start.x(), (start.y() + end.y()) // 2)
    target = data_y(plot, vb, end)  # the range stays put while the bar shrinks
    mouse_drag(qtbot, plot, [start, mid, end])
    assert scene.scores[1] == pytest.approx(target, abs=pixel(vb))
    assert abs(scene.scores[1] - 5.1) > 1
    assert scene.scores[0] == 3.2 and scene.scores[2] == -1.7
    assert scene.undo_stack.count() == 1  # the whole drag is one undo entry
    assert_lab_shows(lab, scene.scores, 0)
    assert vb.viewRange()[1][0] <= min(scene.scores) and vb.viewRange()[1][1] >= max(scene.scores)


def test_score_range_holds_still_during_a_drag_and_refits_after(qtbot, lab, scene):
    plot, vb = lab.score_plot, lab.score_vb
    before = vb.viewRange()[1]
    ranges = []
    scene.scores_changed.connect(lambda: ranges.append(vb.viewRange()[1]))
    start = viewport_pos(plot, vb, 1.0, 1.0)
    above = [QPoint(start.x(), y) for y in (start.y() - 10, -40, -80, -120)]  # above the chart
    targets = [data_y(plot, vb, p) for p in above]
    mouse_drag(qtbot, plot, [start] + above)
    assert ranges and all(r == before for r in ranges)  # no jumping while dragging
    assert scene.scores[0] == pytest.approx(targets[-1], abs=pixel(vb))  # beyond the old top
    assert scene.scores[0] > before[1]
    lo, hi = vb.viewRange()[1]  # refitted on release
    assert lo <= min(scene.scores) and hi >= scene.scores[0]
    assert scene.undo_stack.count() == 1


def test_dragging_a_probability_bar_sets_that_probability(qtbot, lab, scene):
    plot, vb = lab.prob_plot, lab.prob_vb
    p0 = engine.softmax(scene.scores)
    start = viewport_pos(plot, vb, 3.0, p0[2])
    end = viewport_pos(plot, vb, 3.0, 0.6)
    mid = QPoint(start.x(), (start.y() + end.y()) // 2)
    mouse_drag(qtbot, plot, [start, mid, end])
    q = data_y(plot, vb, end)
    assert q == pytest.approx(0.6, abs=0.02)
    p2 = engine.softmax(scene.scores)[2]
    assert p2 == pytest.approx(q, abs=pixel(vb))  # the bar top is where the mouse let go
    # s3 is the engine's score for that probability, the other scores unchanged
    assert scene.scores[2] == pytest.approx(engine.score_for_probability([3.2, 5.1, -1.7], 2, p2))
    assert scene.scores[:2].tolist() == [3.2, 5.1]
    assert scene.undo_stack.count() == 1
    assert_lab_shows(lab, scene.scores, 0)


def test_dragging_a_probability_bar_beyond_one_is_clamped(qtbot, lab, scene):
    plot, vb = lab.prob_plot, lab.prob_vb
    start = viewport_pos(plot, vb, 1.0, 0.1)
    far = QPoint(start.x(), -300)  # far above the chart: q is clamped to 0.999
    mouse_drag(qtbot, plot, [start, QPoint(start.x(), start.y() - 20), far])
    assert engine.softmax(scene.scores)[0] == pytest.approx(0.999)
    assert np.all(np.isfinite(shown_probabilities(lab)))


def test_draggable_bars_show_a_vertical_resize_cursor(qtbot, lab):
    plot, vb = lab.prob_plot, lab.prob_vb
    qtbot.mouseMove(plot.viewport(), viewport_pos(plot, vb, 2.0, 0.3))
    qtbot.waitUntil(lambda: plot.viewport().cursor().shape() == Qt.SizeVerCursor, timeout=1000)
    qtbot.wait(30)  # pyqtgraph drops mouse moves closer than its rate limit (10 ms)
    qtbot.mouseMove(plot.viewport(), viewport_pos(plot, vb, 0.47, 0.3))  # left of bar 1
    qtbot.waitUntil(lambda: plot.viewport().cursor().shape() == Qt.ArrowCursor, timeout=1000)


def test_drag_outside_the_bars_and_on_the_gradient_does_nothing(qtbot, lab, scene):
    before = scene.data
    for plot, vb in ((lab.score_plot, lab.score_vb), (lab.grad_plot, lab.grad_vb)):
        x_range = vb.viewRange()[0]
        y_range = vb.viewRange()[1]
        start = viewport_pos(plot, vb, 2.0 if vb is lab.grad_vb else x_range[0] + 0.02,
                             sum(y_range) / 2)
        mouse_drag(qtbot, plot, [start, start + QPoint(0, 15), start + QPoint(0, 30)])
        assert vb.viewRange() == [x_range, y_range]  # no pan either
    assert scene.data is before


# ------------------------------------------------------------------ classes
def test_three_to_five_classes(qtbot, lab, scene):
    jac = JacobianView(scene)
    qtbot.addWidget(jac)
    spin = lab.classes_spin
    assert spin.value() == 3
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "5")
    with qtbot.waitSignal(scene.classes_changed):
        qtbot.keyClick(spin, Qt.Key_Return)
    assert scene.n_classes == 5
    assert len(lab.score_edits) == len(lab.sliders) == 5
    assert len(lab.prob_texts) == len(lab.grad_texts) == 5
    assert len(lab.prob_bars.opts["height"]) == 5
    assert lab.true_class_combo.count() == 5
    assert [e.text() for e in lab.score_edits] == ["3.2", "5.1", "-1.7", "0", "0"]
    assert_lab_shows(lab, scene.scores, scene.true_class)
    assert jac.image.image.shape == (5, 5)
    assert_array_equal(jac.image.image, engine.softmax_jacobian(scene.scores))
    assert len(jac.texts) == 5 and all(len(row) == 5 for row in jac.texts)
    # the new rows work
    type_into(qtbot, lab.score_edits[4], "2")
    assert scene.scores[4] == 2.0
    assert_lab_shows(lab, scene.scores, scene.true_class)
    assert_array_equal(jac.image.image, engine.softmax_jacobian(scene.scores))
    # and back down
    scene.set_n_classes(2)
    assert len(lab.score_edits) == 2 and len(lab.prob_texts) == 2
    assert_lab_shows(lab, scene.scores, scene.true_class)


# ------------------------------------------------------------------ linked mode
def test_linked_mode_shows_and_edits_the_selected_point(qtbot, lab, scene):
    assert not lab.banner.isVisible()
    i = 7
    label = int(scene.y[i])
    scene.select(i)
    assert lab.banner.isVisible()
    assert f"#{i + 1}" in lab.banner_label.text() and f"class {label + 1}" in lab.banner_label.text()
    s_i = scene.point_scores()[i]
    assert_lab_shows(lab, s_i, label)
    assert lab.true_class_combo.currentIndex() == label
    W0, b0, free0 = scene.W.copy(), scene.b.copy(), scene.scores.copy()

    j = 2
    type_into(qtbot, lab.score_edits[j], "1.5")
    assert scene.point_scores()[i][j] == pytest.approx(1.5, rel=1e-12)
    assert_array_equal(scene.W, W0)
    changed = np.flatnonzero(scene.b != b0)
    assert changed.tolist() == [j]
    assert_array_equal(scene.scores, free0)  # the free scores are untouched
    assert_lab_shows(lab, scene.point_scores()[i], label)

    # a weight change (e.g. training) shows up live
    scene.set_weights(scene.W * 0.5, scene.b)
    assert_lab_shows(lab, scene.point_scores()[i], label)

    qtbot.mouseClick(lab.unselect_button, Qt.LeftButton)
    assert scene.selected is None
    assert not lab.banner.isVisible()
    assert_lab_shows(lab, scene.scores, scene.true_class)


def test_linked_mode_slider_shifts_the_bias(qtbot, lab, scene):
    scene.select(0)
    b0 = scene.b.copy()
    slider = lab.sliders[1]
    slider.setSliderDown(True)
    slider.setValue(-300)
    slider.setValue(-400)
    slider.setSliderDown(False)
    assert scene.point_scores()[0][1] == pytest.approx(-4.0, rel=1e-12)
    assert np.flatnonzero(scene.b != b0).tolist() == [1]
    assert scene.undo_stack.count() == 1


def test_linked_mode_refusal_shows_in_the_field(qtbot, lab, scene):
    scene.set_reg(0.0)
    W = scene.W.copy()
    W[0, 1] = 1e300  # s_2 = 1e300 * x1 + ...: beyond ±1e300 where |x1| > 1
    scene.set_weights(W, scene.b)
    i = int(np.flatnonzero(np.abs(scene.X[:, 0]) > 1.5)[0])
    scene.select(i)
    before = scene.data
    edit = lab.score_edits[1]
    with qtbot.assertNotEmitted(scene.weights_changed):
        type_into(qtbot, edit, "0")  # b2 would have to become about -x1 * 1e300
    assert scene.data is before
    assert "b2" in edit.error()
    assert edit.text() == "0"
    assert_lab_shows(lab, scene.point_scores()[i], int(scene.y[i]))


def test_linked_mode_true_class_relabels_the_point(qtbot, lab, scene):
    i = 3
    scene.select(i)
    new = (int(scene.y[i]) + 1) % 3
    lab.true_class_combo.setCurrentIndex(new)
    assert scene.y[i] == new
    assert scene.true_class == 0  # the free label is untouched
    assert_lab_shows(lab, scene.point_scores()[i], new)


# ------------------------------------------------------------------ hygiene
def test_every_control_has_a_tooltip(lab, scene):
    scene.select(0)
    kinds = (QAbstractButton, QLineEdit, QSlider, QSpinBox, QComboBox)
    controls = [w for kind in kinds for w in lab.findChildren(kind)
                if not isinstance(w.parent(), (QSpinBox, QComboBox))]
    assert len(controls) >= 3 * 2 + 3
    for w in controls:
        assert w.toolTip().strip(), f"{type(w).__name__} {w.objectName()} has no tooltip"
    assert "b1" in lab.score_edits[0].toolTip()  # linked mode is explained


def test_items_are_updated_not_recreated(qtbot, lab, scene):
    bars = (lab.score_bars, lab.prob_bars, lab.grad_bars)
    texts = list(lab.prob_texts)
    edits = list(lab.score_edits)
    n_items = len(lab.prob_plot.getPlotItem().items)
    for k in range(5):
        scene.set_score(0, float(k))
        scene.select(k % 2 or None)
    assert (lab.score_bars, lab.prob_bars, lab.grad_bars) == bars
    assert lab.prob_texts == texts and lab.score_edits == edits
    assert len(lab.prob_plot.getPlotItem().items) == n_items


def test_loss_label_has_no_stray_markup(lab):
    text = lab.loss_label.text()
    assert re.fullmatch(r"L = −ln p<sub>y</sub> = −ln [0-9.e+−]+ = [0-9.e+−]+", text), text


# ------------------------------------------------------------------ softmax knobs
def test_typing_a_temperature_shows_softmax_over_t(qtbot, lab, scene):
    s = np.array(scene.scores)
    with qtbot.waitSignal(scene.scores_changed):
        type_into(qtbot, lab.temperature_edit, "0.5")
    assert scene.temperature == 0.5
    assert_array_equal(shown_probabilities(lab), engine.softmax(s, temperature=0.5))
    g = engine.score_gradient(s, 0, temperature=0.5)  # (p - onehot) / T
    assert_array_equal(lab.grad_bars.opts["height"], g)
    assert [plain(t.toPlainText()) for t in lab.grad_texts] == ["-1.96", "+1.96", "0.00"]  # ±1/T = ±2
    assert g == pytest.approx([-1.956, 1.956, 0.0], abs=1e-3)
    assert lab.grad_vb.viewRange()[1] == pytest.approx([-2.2, 2.2])  # the gradient spans ±1/T
    text = plain(lab.loss_label.text())
    assert text.startswith("T = 0.5: L = -ln p<sub>y</sub> = -ln ")
    assert float(text.rsplit("=", 1)[1]) == pytest.approx(engine.cross_entropy(s, 0, 0.5), rel=1e-3)
    assert "s / T" in lab.prob_panel.title.text() and "/ T" in lab.grad_panel.title.text()
    assert lab.temperature_slider.value() == round(100 * np.log10(0.5))
    assert lab.temperature_reset.isEnabled()


def test_tiny_temperature_is_one_hot_and_the_reset_button_restores_t_1(qtbot, lab, scene):
    type_into(qtbot, lab.temperature_edit, "0.001")
    p = shown_probabilities(lab)
    assert_array_equal(p, engine.softmax(scene.scores, temperature=0.001))
    assert p.max() > 0.999 and np.argmax(p) == 1
    assert lab.prob_texts[1].toPlainText() == "1.000"
    assert lab.temperature_slider.value() == lab.temperature_slider.minimum()
    qtbot.mouseClick(lab.temperature_reset, Qt.LeftButton)
    assert scene.temperature == 1.0
    assert lab.temperature_edit.text() == "1"
    assert_lab_shows(lab, scene.scores, scene.true_class)
    assert not lab.temperature_reset.isEnabled()


def test_temperature_slider_moves_by_decades(qtbot, lab, scene):
    slider = lab.temperature_slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key_PageUp)  # one page = one decade
    assert scene.temperature == pytest.approx(10.0)
    assert lab.temperature_edit.text() == "10"
    assert_array_equal(shown_probabilities(lab), engine.softmax(scene.scores, temperature=scene.temperature))
    type_into(qtbot, lab.temperature_edit, "5000")  # beyond 1000: refused, says why
    assert scene.temperature == pytest.approx(10.0)
    assert "temperature" in lab.temperature_edit.error()


def test_shifting_every_score_leaves_p_unchanged(qtbot, lab, scene):
    s0 = np.array(scene.scores)
    p0 = shown_probabilities(lab).copy()
    qtbot.mouseClick(lab.shift_plus, Qt.LeftButton)
    qtbot.mouseClick(lab.shift_plus, Qt.LeftButton)
    qtbot.mouseClick(lab.shift_minus, Qt.LeftButton)
    assert_array_equal(scene.scores, s0 + 1.0)
    assert lab.shift_value.text() == "c = +1"
    slider = lab.shift_slider
    assert slider.value() == 100
    slider.setSliderDown(True)  # a drag: one undo entry
    for v in (250, 400, 350):
        slider.setValue(v)
    slider.setSliderDown(False)
    np.testing.assert_allclose(scene.scores, s0 + 3.5, rtol=1e-12)
    assert_array_equal(lab.score_bars.opts["height"], scene.scores)  # s moved...
    np.testing.assert_allclose(shown_probabilities(lab), p0, rtol=1e-12)  # ...p did not
    assert [t.toPlainText() for t in lab.prob_texts] == ["0.130", "0.869", "0.001"]
    assert lab.shift_value.text() == "c = +3.5"
    assert "softmax(s + c) = softmax(s)" in lab.shift_caption.text()
    assert scene.undo_stack.count() == 4  # three clicks and one drag
    scene.undo()
    np.testing.assert_allclose(scene.scores, s0 + 1.0, rtol=1e-12)
    assert lab.shift_value.text() == "c = 0" and slider.value() == 0  # c counts from here


def test_shift_is_off_in_linked_mode(qtbot, lab, scene):
    scene.select(2)
    for w in (lab.shift_plus, lab.shift_minus, lab.shift_slider):
        assert not w.isEnabled()
        assert "W and b" in w.toolTip()
    before = scene.data
    qtbot.mouseClick(lab.shift_plus, Qt.LeftButton)
    assert scene.data is before
    qtbot.mouseClick(lab.unselect_button, Qt.LeftButton)
    assert lab.shift_plus.isEnabled() and "p does not change" in lab.shift_plus.toolTip()


def test_naive_softmax_shows_nan_as_text_without_warnings(qtbot, lab, scene):
    scene.set_scores([1000.0, 0.0, -1000.0])
    assert not lab.naive_banner.isVisible()
    with qtbot.waitSignal(scene.scores_changed):
        qtbot.mouseClick(lab.naive_check, Qt.LeftButton)
    assert scene.naive and lab.naive_check.isChecked()
    assert [t.toPlainText() for t in lab.prob_texts] == ["NaN", "0.000", "0.000"]
    assert lab.prob_texts[0].color.name() == "#c00000"  # the warning colour
    heights = shown_probabilities(lab)
    assert np.all(np.isfinite(heights))  # never a NaN height: a full hatched bar instead
    assert heights.tolist() == [1.0, 0.0, 0.0]
    assert lab.prob_bars.opts["brushes"][0].style() == Qt.BDiagPattern
    assert lab.naive_banner.isVisible()
    banner = lab.naive_banner.text()
    assert "overflows above s ≈ 709: this is what subtracting max(s) prevents" in banner
    assert "NaN" in banner
    loss = plain(lab.loss_label.text())
    assert "naive: " in loss and "NaN" in loss
    assert f"= {engine.cross_entropy([1000.0, 0.0, -1000.0], 0):.3f}" in loss  # the stable loss
    assert_array_equal(lab.grad_bars.opts["height"], engine.score_gradient([1000.0, 0.0, -1000.0], 0))
    lab.grab()  # paint it: pyqtgraph must not warn about non-finite values
    qtbot.mouseClick(lab.naive_check, Qt.LeftButton)
    assert not scene.naive and not lab.naive_banner.isVisible()
    assert_lab_shows(lab, scene.scores, 0)  # exactly engine.softmax again
    assert lab.prob_bars.opts["brushes"][0].style() == Qt.SolidPattern


def test_naive_softmax_of_moderate_scores_matches_the_stable_one(qtbot, lab, scene):
    qtbot.mouseClick(lab.naive_check, Qt.LeftButton)
    np.testing.assert_allclose(shown_probabilities(lab), engine.softmax(scene.scores), rtol=1e-12)
    assert "try s₁ = 1000" in lab.naive_banner.text()
    assert "naive p = exp(s)" in lab.prob_panel.title.text()


# ------------------------------------------------------------------ multiclass SVM
def test_svm_section_shows_margins_hinge_loss_and_subgradient(qtbot, lab, scene):
    assert lab.svm_box.isHidden()
    scene.set_scores([3.2, 3.5, -1.7])
    with qtbot.waitSignal(scene.hyper_changed):
        scene.set_loss("svm")
    assert lab.svm_box.isVisible()
    assert "multiclass SVM (hinge)" in lab.svm_panel.title.text()
    s = np.array(scene.scores)
    margins = s - s[0] + 1.0
    margins[0] = 0.0
    np.testing.assert_allclose(lab.svm_bars.opts["height"], margins, rtol=1e-12)
    assert [t.toPlainText() for t in lab.svm_texts[1:]] == ["+1.3", "\u22123.9"]
    loss = engine.per_sample_hinge(s, 0)[0]
    text = plain(lab.svm_label.text())
    shown = float(re.search(r"max\(0, m<sub>j</sub>\) = ([0-9.e+-]+)", text).group(1))
    assert shown == pytest.approx(loss, rel=1e-3) and loss == pytest.approx(1.3)
    assert "(-1, +1, 0)" in text
    assert engine.hinge_score_gradient(s, 0).tolist() == [-1.0, 1.0, 0.0]
    # a positive margin is drawn thick and filled, a satisfied one pale and dashed
    pens = lab.svm_bars.opts["pens"]
    assert pens[1].widthF() > 2 * pens[2].widthF() and pens[2].style() == Qt.DashLine
    type_into(qtbot, lab.score_edits[1], "0")  # now both margins are satisfied
    assert engine.per_sample_hinge(scene.scores, 0)[0] == 0.0
    assert "m<sub>j</sub>) = 0.000<" in plain(lab.svm_label.text())
    assert "(0, 0, 0)" in plain(lab.svm_label.text())
    scene.set_loss("softmax")
    assert lab.svm_box.isHidden()


# ------------------------------------------------------------------ highlight
def test_hovering_bars_sets_and_clears_the_scene_highlight(qtbot, lab, scene):
    vp = lab.prob_plot.viewport()
    qtbot.mouseMove(vp, viewport_pos(lab.prob_plot, lab.prob_vb, 2.0, 0.5))
    qtbot.waitUntil(lambda: scene.highlight == ("prob", 1), timeout=1000)
    assert lab.highlighted_bar("prob") == 1 and lab.glows["prob"].isVisible()
    qtbot.wait(15)  # pyqtgraph drops mouse moves closer than 10 ms
    qtbot.mouseMove(vp, viewport_pos(lab.prob_plot, lab.prob_vb, 3.0, 0.5))
    qtbot.waitUntil(lambda: scene.highlight == ("prob", 2), timeout=1000)
    qtbot.wait(15)
    qtbot.mouseMove(lab.grad_plot.viewport(), viewport_pos(lab.grad_plot, lab.grad_vb, 1.0, 0.5))
    qtbot.waitUntil(lambda: scene.highlight == ("grad", 0), timeout=1000)
    qtbot.wait(15)
    qtbot.mouseMove(lab.loss_label)  # off the charts
    qtbot.waitUntil(lambda: scene.highlight is None, timeout=1000)
    assert not any(g.isVisible() for g in lab.glows.values())


def test_scene_highlight_outlines_the_matching_bar(lab, scene):
    scene.set_highlight(("score", 1))
    glow = lab.glows["score"]
    assert lab.highlighted_bar("score") == 1 and glow.isVisible()
    assert glow.opts["x"] == [2.0] and glow.opts["height"] == [scene.scores[1]]
    assert glow.opts["pen"].widthF() >= 5  # thick, and thicker than the true-class outline
    assert glow.opts["pen"].widthF() > max(p.widthF() for p in lab.grad_bars.opts["pens"])
    assert not lab.glows["prob"].isVisible()
    scene.set_highlight(("grad", 0))
    assert lab.highlighted_bar("grad") == 0 and not glow.isVisible()
    assert lab.glows["grad"].opts["height"] == [scene.lab_gradient()[0]]
    scene.set_highlight(("jacobian", 2, 0))  # dp_3/ds_1: p_3's bar and s_1's bar
    assert (lab.highlighted_bar("prob"), lab.highlighted_bar("score")) == (2, 0)
    scene.set_score(0, 1.0)  # the outline follows its bar
    assert lab.glows["score"].opts["height"] == [1.0]
    scene.set_highlight(("W", 0, 0))  # not a lab quantity
    assert not any(g.isVisible() for g in lab.glows.values())
    scene.set_highlight(None)
    assert all(lab.highlighted_bar(k) is None for k in ("score", "prob", "grad"))


def test_a_score_edit_repaints_no_control_it_leaves_unchanged(qtbot, lab, scene):
    """The classes spin box and the true-class box are set only when their value changes:
    a spin box repaints itself at every ``setValue``, and what lies behind it too (~1 ms
    of every score edit in the window)."""
    from PySide6.QtCore import QEvent

    from event_log import EventLog

    paints = EventLog(QEvent.Paint).watch(
        lab.classes_spin, *lab.classes_spin.findChildren(QLineEdit), lab.true_class_combo)
    qtbot.wait(20)
    paints.seen.clear()
    for k in range(3):
        scene.set_score(0, 0.5 * k - 1.0)
        qtbot.wait(10)
    assert paints.seen == []
    assert lab.classes_spin.value() == scene.n_classes
    scene.set_n_classes(4)  # a change still shows
    qtbot.wait(10)
    assert lab.classes_spin.value() == 4 and lab.classes_spin.text() == "4"
    paints.stop()
