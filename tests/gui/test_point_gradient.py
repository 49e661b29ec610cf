"""The point-gradient view: dL_i/dW of the selected point beside the batch dL/dW."""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication

from explorer import style
from explorer.views.point_gradient import GradientMap, PointGradientView


@pytest.fixture
def view(qtbot, scene):
    v = PointGradientView(scene)
    qtbot.addWidget(v)
    v.resize(450, 640)
    v.show()
    qtbot.waitExposed(v)
    return v


def expected_point_gradient(scene, i):
    """outer(Z_i, softmax(s_i) - onehot(y_i)), computed here without the engine."""
    z = np.asarray(scene.Z[i], dtype=float)
    s = z @ scene.W + scene.b
    e = np.array([math.exp(v - s.max()) for v in s])
    p = e / e.sum()
    onehot = np.zeros_like(p)
    onehot[int(scene.y[i])] = 1.0
    return np.outer(z, p - onehot)


def printed(m: GradientMap) -> np.ndarray:
    assert m.texts_fit() and all(t.isVisible() for row in m.texts for t in row)
    return np.array([[float(t.toPlainText().replace("\u2212", "-")) for t in row] for row in m.texts])


def assert_printed(m: GradientMap, expected):
    """The cells print the values with the map's fixed decimals."""
    decimals = m.cell_format[1]
    assert printed(m) == pytest.approx(expected, rel=0, abs=0.5001 * 10.0 ** -decimals)
    # and those decimals give the largest |value| at least 2 significant digits
    assert np.abs(expected).max() >= 10.0 ** (1 - decimals)


def row_labels(m: GradientMap):
    ticks = m.plot.getPlotItem().getAxis("left")._tickLevels[0]
    return [label for _, label in ticks]


def test_without_selection_a_hint_and_the_batch_map(view, scene):
    assert scene.selected is None
    assert view.point_stack.currentWidget() is view.hint
    assert view.hint.isVisible() and "Click a point to see its gradient" in view.hint.text()
    assert view.point_map.values is None
    assert view.batch_stack.currentWidget() is view.batch_map
    assert_array_equal(view.batch_map.values, scene.loss_terms().dW)
    assert_array_equal(view.batch_map.image.image, scene.loss_terms().dW)
    assert view.batch_map.cell_format[0] == style.PLOT_POINT_SIZE  # the largest font fits here
    assert_printed(view.batch_map, scene.loss_terms().dW)


def test_selected_point_map_is_outer_x_p_minus_onehot(view, scene, trainer):
    scene.select(17)
    assert view.point_stack.currentWidget() is view.point_map
    assert view.point_map.isVisible() and not view.hint.isVisible()
    expected = expected_point_gradient(scene, 17)
    assert view.point_map.values.shape == (2, 3)
    assert_allclose(view.point_map.values, expected, rtol=1e-12, atol=1e-15)
    assert_allclose(view.point_map.image.image, expected, rtol=1e-12, atol=1e-15)
    assert_printed(view.point_map, expected)
    assert "point 18" in view.point_map.title.text()
    # live: a training step changes both maps
    trainer.step()
    assert_allclose(view.point_map.values, expected_point_gradient(scene, 17), rtol=1e-12, atol=1e-15)
    assert_array_equal(view.batch_map.values, scene.loss_terms().dW)
    scene.select(None)
    assert view.point_stack.currentWidget() is view.hint


def test_rows_are_features_and_columns_classes(view, scene):
    scene.select(3)
    assert row_labels(view.point_map) == ["x₁", "x₂"]
    scene.set_features(["x1^2", "x1*x2"])
    assert view.point_map.values.shape == (4, 3)
    assert row_labels(view.point_map) == ["x₁", "x₂", "x₁²", "x₁x₂"]
    assert row_labels(view.batch_map) == ["x₁", "x₂", "x₁²", "x₁x₂"]
    assert_allclose(view.point_map.values, expected_point_gradient(scene, 3), rtol=1e-12, atol=1e-15)
    assert_array_equal(view.batch_map.values, scene.loss_terms().dW)
    scene.set_n_classes(4)
    assert view.batch_map.values.shape == (4, 4)
    assert [t.toPlainText() for t in view.batch_map.header_texts] == [f"class {k}" for k in range(1, 5)]
    assert_printed(view.batch_map, scene.loss_terms().dW)
    # header cells take the class colours
    header = view.batch_map.header.image
    for j in range(4):
        c = style.class_color(j)
        assert tuple(header[0, j, :3]) == (c.red(), c.green(), c.blue())


def test_many_classes_and_features_print_smaller_or_hide(view, scene, qtbot):
    scene.set_n_classes(8)
    scene.set_features(["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    scene.select(0)
    m = view.batch_map
    assert m.values.shape == (7, 8)
    assert [t.toPlainText() for t in m.header_texts] == [str(k) for k in range(1, 9)]
    if m.texts_fit():
        assert_printed(m, scene.loss_terms().dW)
    view.resize(300, 400)
    qtbot.waitUntil(lambda: not m.texts_fit(), timeout=2000)
    assert not any(t.isVisible() for row in m.texts for t in row)
    view.resize(1400, 1000)
    qtbot.waitUntil(lambda: m.texts_fit(), timeout=2000)
    assert_printed(m, scene.loss_terms().dW)


def test_colour_scale_is_symmetric_around_zero(view, scene):
    scene.select(5)
    for m in (view.point_map, view.batch_map):
        lo, hi = m.image.levels
        assert lo == -hi
        assert hi == pytest.approx(np.abs(m.values).max())
    lut = view.point_map.colormap.getLookupTable(nPts=3, alpha=False)
    assert lut[1].tolist() == [255, 255, 255]  # white at 0


def test_hovering_cells_highlights_them_and_leaving_clears(view, scene, qtbot):
    scene.select(2)
    qtbot.wait(50)
    m = view.point_map
    qtbot.mouseMove(m.plot.viewport(), m.cell_center_in_widget(1, 2))
    qtbot.waitUntil(lambda: scene.highlight == ("point_dW", 1, 2), timeout=2000)
    b = view.batch_map
    qtbot.mouseMove(b.plot.viewport(), b.cell_center_in_widget(0, 1))
    qtbot.waitUntil(lambda: scene.highlight == ("dW", 0, 1), timeout=2000)
    with qtbot.waitSignal(scene.highlight_changed):
        QApplication.sendEvent(b.plot, QEvent(QEvent.Leave))
    assert scene.highlight is None


def test_leaving_does_not_clear_another_views_highlight(view, scene):
    scene.set_highlight(("prob", 1))
    view.point_map.cell_hovered.emit(None)
    assert scene.highlight == ("prob", 1)


def test_highlight_outlines_the_cell(view, scene):
    scene.select(4)
    scene.set_highlight(("dW", 1, 2))
    assert view.batch_map.outlined() == (1, 2, 1, 2)
    assert view.point_map.outlined() is None
    scene.set_highlight(("point_dW", 0, 1))
    assert view.point_map.outlined() == (0, 1, 0, 1)
    assert view.batch_map.outlined() is None
    scene.set_highlight(("W", 1, 0))
    assert view.point_map.outlined() == (1, 0, 1, 0) == view.batch_map.outlined()
    scene.set_highlight(("x", 1))  # feature 2 scales the whole row of the point map
    assert view.point_map.outlined() == (1, 0, 1, 2)
    scene.set_highlight(("grad", 2))  # dL/ds_3 scales the whole column
    assert view.point_map.outlined() == (0, 2, 1, 2)
    scene.set_highlight(None)
    assert view.point_map.outlined() is None and view.batch_map.outlined() is None


def test_no_points(view, scene):
    scene.clear_points()
    assert view.batch_stack.currentWidget() is view.batch_hint
    assert view.point_stack.currentWidget() is view.hint


def test_svm_loss_shows_the_hinge_gradient(view, scene):
    scene.set_loss("svm")
    scene.select(9)
    assert_array_equal(view.point_map.values, scene.point_gradient()[0])
    assert "g<sub>i</sub>" in view.point_map.title.text()


def test_appearance_scale_enlarges_fonts(view):
    before = view.hint.font().pointSize()
    try:
        style.appearance.set_scale(1.5)
        assert view.hint.font().pointSize() > before
        assert view.point_map.title.font().pointSize() > style.BASE_POINT_SIZE
    finally:
        style.appearance.set_scale(1.0)
    assert view.hint.font().pointSize() == before
