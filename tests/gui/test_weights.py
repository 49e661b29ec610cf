"""The weights editor, driven through its real widgets."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer import engine, style
from explorer.views.weights import WeightsView

# A rejected input pops up a tooltip bubble; the offscreen platform cannot raise() it.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def view(qtbot, scene):
    v = WeightsView(scene)
    qtbot.addWidget(v)
    v.resize(440, 360)
    v.show()
    qtbot.waitExposed(v)
    return v


def type_into(qtbot, edit, text):
    """Replace the edit's text by typing, then press Enter."""
    edit.setFocus()
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key_Backspace)
    qtbot.keyClick(edit, Qt.Key_Return)


def shown_gradient(label) -> float:
    """The number a gradient label shows, e.g. '−0.0123' -> -0.0123."""
    return float(label.text().replace("\u2212", "-"))


def assert_gradients_shown(view, scene):
    t = scene.loss_terms()
    for i, row in enumerate(view.grad_labels):
        for j, label in enumerate(row):
            assert shown_gradient(label) == pytest.approx(t.dW[i, j], rel=5e-3, abs=1e-12)
    for j, label in enumerate(view.bias_grad_labels):
        assert shown_gradient(label) == pytest.approx(t.db[j], rel=5e-3, abs=1e-12)


def test_table_has_a_row_per_feature_plus_bias_and_a_column_per_class(view, scene):
    assert [lab.text() for lab in view.row_labels] == ["x\u2081", "x\u2082"]
    assert len(view.value_edits) == 2 and all(len(r) == 3 for r in view.value_edits)
    assert len(view.bias_edits) == 3 and len(view.bias_grad_labels) == 3
    assert [h.text() for h in view.header_labels] == ["class 1", "class 2", "class 3"]
    for j, head in enumerate(view.header_labels):
        assert style.class_color(j).name() in head.styleSheet()
    for i in range(2):
        for j in range(3):
            assert float(view.value_edits[i][j].text()) == pytest.approx(scene.W[i, j], rel=1e-5)


def test_typing_a_weight_sets_exactly_that_entry(view, scene, qtbot):
    W0 = scene.W.copy()
    with qtbot.waitSignal(scene.weights_changed):
        type_into(qtbot, view.value_edits[1][2], "-0.1234567")
    expected = W0.copy()
    expected[1, 2] = -0.1234567
    np.testing.assert_array_equal(scene.W, expected)
    assert view.value_edits[1][2].text() == "-0.123457"  # 6 significant digits shown
    assert view.value_edits[1][2].error() == ""
    assert scene.undo_stack.undoText().startswith("Set W[x2, class 3]")


def test_typing_a_bias_sets_exactly_that_entry(view, scene, qtbot):
    W0 = scene.W.copy()
    type_into(qtbot, view.bias_edits[0], "2.5e-3")
    np.testing.assert_array_equal(scene.b, [2.5e-3, 0.0, 0.0])
    np.testing.assert_array_equal(scene.W, W0)
    assert view.bias_edits[0].text() == "0.0025"


def test_gradient_labels_show_the_full_batch_gradient_and_follow_edits(view, scene, qtbot):
    assert_gradients_shown(view, scene)
    before = [lab.text() for lab in view.bias_grad_labels]
    type_into(qtbot, view.bias_edits[1], "4")
    assert [lab.text() for lab in view.bias_grad_labels] != before
    assert_gradients_shown(view, scene)
    # coloured by sign: positive orange, negative blue
    t = scene.loss_terms()
    for j, label in enumerate(view.bias_grad_labels):
        want = style.POSITIVE if t.db[j] > 0 else style.NEGATIVE
        assert label.color().name() == want.name()
        assert ("\u2212" in label.text()) == (t.db[j] < 0)
        # what it shows: its text's pixels in that colour (and none in the other sign's)
        img = label.grab().toImage()
        drawn = {img.pixelColor(x, y).name() for x in range(img.width()) for y in range(img.height())}
        other = style.NEGATIVE if t.db[j] > 0 else style.POSITIVE
        assert want.name() in drawn and other.name() not in drawn


def test_gradient_labels_use_the_regularised_loss(view, scene):
    scene.set_reg(2.0)
    t = engine.loss_terms(scene.W, scene.b, scene.Z, scene.y, reg=2.0, loss=scene.loss)
    assert shown_gradient(view.grad_labels[0][1]) == pytest.approx(t.dW[0, 1], rel=5e-3)


def test_no_points_shows_a_dash(view, scene):
    scene.clear_points()
    assert all(lab.text() == "\u2014" for row in view.grad_labels for lab in row)
    assert all(lab.text() == "\u2014" for lab in view.bias_grad_labels)
    scene.undo()
    assert_gradients_shown(view, scene)


def test_randomise_and_zero_buttons(view, scene, qtbot):
    scene.set_bias(0, 1.0)
    W0 = scene.W.copy()
    qtbot.mouseClick(view.randomize_button, Qt.LeftButton)
    assert not np.array_equal(scene.W, W0)
    np.testing.assert_array_equal(scene.b, 0.0)
    for i, row in enumerate(view.value_edits):
        for j, edit in enumerate(row):
            assert float(edit.text()) == pytest.approx(scene.W[i, j], rel=1e-5)
    assert_gradients_shown(view, scene)
    qtbot.mouseClick(view.zero_button, Qt.LeftButton)
    np.testing.assert_array_equal(scene.W, 0.0)
    assert all(e.text() == "0" for row in view.value_edits for e in row)
    assert all(e.text() == "0" for e in view.bias_edits)
    assert view.randomize_button.toolTip() and view.zero_button.toolTip()


@pytest.mark.parametrize("text", ["abc", "nan", "1e400", "", "inf", "1,5"])
def test_bad_input_changes_nothing_and_shows_an_error(view, scene, qtbot, text):
    W0, b0 = scene.W.copy(), scene.b.copy()
    with qtbot.assertNotEmitted(scene.weights_changed):
        type_into(qtbot, view.value_edits[0][1], text)
        type_into(qtbot, view.bias_edits[2], text)
    np.testing.assert_array_equal(scene.W, W0)
    np.testing.assert_array_equal(scene.b, b0)
    for edit in (view.value_edits[0][1], view.bias_edits[2]):
        assert edit.error() != ""
        assert edit.styleSheet() != ""  # shown in red
    # Escape brings the value back
    qtbot.keyClick(view.bias_edits[2], Qt.Key_Escape)
    assert view.bias_edits[2].text() == "0" and view.bias_edits[2].error() == ""


def test_a_value_the_scene_refuses_shows_the_scene_error(view, scene, qtbot):
    """1e300 parses, but reg * sum(W²) overflows: the scene refuses, the cell says why."""
    W0 = scene.W.copy()
    with qtbot.assertNotEmitted(scene.weights_changed):
        type_into(qtbot, view.value_edits[0][0], "1e300")
    np.testing.assert_array_equal(scene.W, W0)
    assert "overflow" in view.value_edits[0][0].error()


def test_more_classes_give_more_columns(view, scene):
    scene.set_n_classes(5)
    assert len(view.header_labels) == 5
    assert all(len(row) == 5 for row in view.value_edits)
    assert all(len(row) == 5 for row in view.grad_labels)
    assert len(view.bias_edits) == 5
    assert float(view.value_edits[1][4].text()) == pytest.approx(scene.W[1, 4], rel=1e-5)
    assert_gradients_shown(view, scene)
    scene.set_n_classes(2)
    assert len(view.bias_edits) == 2 and len(view.header_labels) == 2


def test_feature_maps_add_rows(view, scene, qtbot):
    scene.set_features(["x1^2"])
    assert [lab.text() for lab in view.row_labels] == ["x\u2081", "x\u2082", "x\u2081\u00b2"]
    assert len(view.value_edits) == 3 and len(view.bias_edits) == 3  # 3 + 1 rows
    type_into(qtbot, view.value_edits[2][0], "0.75")
    assert scene.W[2, 0] == 0.75
    assert_gradients_shown(view, scene)
    scene.undo()
    scene.undo()
    assert len(view.value_edits) == 2


def test_training_updates_texts_without_rebuilding(view, scene, trainer, qtbot):
    edits = [e for row in view.value_edits for e in row]
    labels = [lab for row in view.grad_labels for lab in row]
    for _ in range(3):
        trainer.tick()
    assert [e for row in view.value_edits for e in row] == edits
    assert [lab for row in view.grad_labels for lab in row] == labels
    for i, row in enumerate(view.value_edits):
        for j, edit in enumerate(row):
            assert float(edit.text()) == pytest.approx(scene.W[i, j], rel=1e-5)
    assert_gradients_shown(view, scene)


def test_training_does_not_overwrite_a_cell_being_typed(view, scene, trainer, qtbot):
    edit = view.value_edits[0][0]
    view.activateWindow()
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus, timeout=2000)
    edit.selectAll()
    qtbot.keyClicks(edit, "0.3")
    trainer.tick()
    assert edit.text() == "0.3"
    qtbot.keyClick(edit, Qt.Key_Return)
    assert scene.W[0, 0] == 0.3


# ------------------------------------------------------------------ highlight
def test_hovering_values_and_gradients_sets_the_scene_highlight(view, scene, qtbot):
    qtbot.mouseMove(view.value_edits[0][1])
    qtbot.waitUntil(lambda: scene.highlight == ("W", 0, 1), timeout=1000)
    qtbot.mouseMove(view.grad_labels[1][2])
    qtbot.waitUntil(lambda: scene.highlight == ("dW", 1, 2), timeout=1000)
    qtbot.mouseMove(view.bias_edits[2])
    qtbot.waitUntil(lambda: scene.highlight == ("b", 2), timeout=1000)
    assert view.highlighted_cell() == (("b", 2), "value")
    qtbot.mouseMove(view.caption)
    qtbot.waitUntil(lambda: scene.highlight is None, timeout=1000)
    assert view.highlighted_cell() is None


def test_a_gradients_paint_calls_no_python_of_the_table(view, scene, qtbot):
    """Hovering is told by the cells' ``hovered`` signals, on entering and leaving only:
    an event filter on each cell made a Python call of every event, ~25 us for each of the
    dozen gradients repainted at every weight edit."""
    import sys

    label = view.grad_labels[0][1]
    qtbot.waitExposed(view)
    calls = []

    def profile(frame, event, arg):
        if event == "call":
            calls.append(frame.f_code.co_qualname)

    sys.setprofile(profile)
    try:
        label.setText("−0.0321")
        label.repaint()
        view.value_edits[0][1].repaint()
    finally:
        sys.setprofile(None)
    # (the view's own refresh filter sees the window's events here: it is the test's window)
    assert [c for c in calls if c.startswith(("WeightsView", "CellFrame", "GradientLabel."))
            and c != "GradientLabel.setText"] == []
    qtbot.mouseMove(label)
    qtbot.waitUntil(lambda: scene.highlight == ("dW", 0, 1), timeout=1000)


def test_scene_highlight_outlines_the_cell(view, scene):
    from explorer.views.score_lab import HIGHLIGHT_COLOR

    scene.set_highlight(("W", 1, 0))
    cell = view.cells[1][0]
    assert cell.highlight_part == "value" and view.highlighted_cell() == (("W", 1, 0), "value")
    assert sum(c.is_highlighted() for row in view.cells for c in row) == 1
    image = cell.grab().toImage()  # the outline is drawn: the frame's edge is the highlight colour
    edge = image.pixelColor(2, image.height() // 2)
    assert abs(edge.red() - HIGHLIGHT_COLOR.red()) < 40 and edge.green() < 80
    scene.set_highlight(("dW", 0, 2))  # only the gradient beneath the value
    assert view.cells[0][2].highlight_part == "grad" and not cell.is_highlighted()
    top = view.cells[0][2].outline_rect().top()
    assert top >= view.cells[0][2].edit.geometry().bottom() - 8
    scene.set_highlight(("b", 1))
    assert view.bias_cells[1].highlight_part == "value"
    scene.set_highlight(("prob", 0))
    assert view.highlighted_cell() is None
    scene.set_highlight(("W", 0, 2))
    scene.set_n_classes(2)  # rebuilt: the column is gone
    assert view.highlighted_cell() is None


def test_new_gradients_lay_out_nothing_and_are_painted_by_qt(view, scene, qtbot):
    """A weight edit gives every gradient label a new text: no cell is laid out again for
    it (a fixed size) and no label paints from Python (Qt's own label: ~35 us less a
    label and paint); the columns stay where they were and each label's text stays in
    its cell's right edge."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QLabel

    from event_log import EventLog
    from explorer.views.weights import GradientLabel

    assert GradientLabel.paintEvent is QLabel.paintEvent
    labels = [lab for row in view.grad_labels for lab in row] + list(view.bias_grad_labels)
    qtbot.wait(20)
    cells = [lab.parentWidget() for lab in labels]
    layouts = EventLog(QEvent.LayoutRequest).watch(*cells)
    columns = [cell.geometry() for cell in cells]
    before = [lab.text() for lab in labels]
    type_into(qtbot, view.value_edits[0][1], "3.5")
    qtbot.wait(20)
    assert sum(a != lab.text() for a, lab in zip(before, labels)) >= len(labels) - 1
    assert layouts.seen == []
    assert [cell.geometry() for cell in cells] == columns
    for lab, cell in zip(labels, cells):
        right = cell.width() - cell.layout().contentsMargins().right()
        assert lab.geometry().right() + 1 == right
        assert lab.width() >= cell.edit.minimumWidth()  # (its tooltip across the cell)
        assert lab.fontMetrics().horizontalAdvance(lab.text()) <= lab.contentsRect().width()
    layouts.stop()


def test_a_gradient_label_grows_for_a_long_text_and_follows_its_font_and_colour(qtbot):
    from PySide6.QtGui import QColor, QFont

    from explorer.views.weights import GradientLabel

    label = GradientLabel("\u22120.0123")
    qtbot.addWidget(label)
    width = label.width()
    assert label.minimumSize() == label.maximumSize()  # fixed: new texts ask no layout
    label.setText("\u22121.23e+300 (a long text)")
    assert label.width() > width
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)
    assert label.height() >= label.fontMetrics().height()
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width()
    inherited = label.color()
    label.set_color("#c03030")
    assert label.color() == QColor("#c03030")
    assert label.palette().color(label.foregroundRole()) == QColor("#c03030")
    label.set_color(None)
    assert label.color() == inherited
