"""The softmax Jacobian heat map: values, printed cells, orientation, live updates."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from PySide6.QtCore import QPoint, QPointF

from explorer import engine
from explorer.views.jacobian import J_LIMIT, JacobianView


@pytest.fixture
def jac(qtbot, scene):
    view = JacobianView(scene)
    qtbot.addWidget(view)
    view.resize(440, 360)
    view.show()
    qtbot.waitExposed(view)
    return view


def printed(view) -> np.ndarray:
    return np.array([[float(t.toPlainText().replace("\u2212", "-")) for t in row]
                     for row in view.texts])


def assert_shows(view, scores):
    J = engine.softmax_jacobian(scores)
    assert_array_equal(view.image.image, J)
    n = J.shape[0]
    decimals = 3 if n <= 4 else 2
    assert printed(view) == pytest.approx(J, abs=0.51 * 10.0 ** -decimals)


def test_image_and_texts_are_the_engine_jacobian(jac, scene):
    assert_shows(jac, scene.scores)
    J = engine.softmax_jacobian(scene.scores)
    assert jac.texts[0][1].toPlainText() == f"{J[0, 1]:.3f}".replace("-", "\u2212")
    assert all(t.isVisible() for row in jac.texts for t in row)
    # symmetric colour scale, white at 0, negative blue, positive orange
    assert tuple(jac.image.levels) == (-J_LIMIT, J_LIMIT)
    lut = jac.colormap.getLookupTable(nPts=3, alpha=False)
    assert lut[1].tolist() == [255, 255, 255]
    assert lut[0][2] > lut[0][0] and lut[2][0] > lut[2][2]


def test_rows_are_drawn_top_down_like_a_matrix(jac):
    assert jac.view.yInverted()
    top = jac.view.mapViewToScene(QPointF(1.0, 1.0)).y()
    below = jac.view.mapViewToScene(QPointF(1.0, 2.0)).y()
    assert top < below  # row 1 above row 2
    # cell (i, j) = (0, 1) is printed at column 2, row 1
    assert (jac.texts[0][1].pos().x(), jac.texts[0][1].pos().y()) == (2.0, 1.0)
    assert jac.cell_at(QPointF(2.1, 0.9)) == (0, 1)
    assert jac.cell_at(QPointF(0.2, 1.0)) is None


def test_follows_score_edits_selection_and_classes(jac, scene):
    scene.set_score(0, 0.0)
    assert_shows(jac, scene.scores)
    scene.select(4)
    assert_shows(jac, scene.point_scores()[4])
    scene.set_weights(scene.W * 2, scene.b)
    assert_shows(jac, scene.point_scores()[4])
    scene.select(None)
    scene.set_n_classes(5)
    assert jac.image.image.shape == (5, 5)
    assert len(jac.texts) == 5 and all(len(r) == 5 for r in jac.texts)
    assert_shows(jac, scene.scores)
    scene.undo()
    assert jac.image.image.shape == (3, 3) and len(jac.texts) == 3
    assert_shows(jac, scene.scores)


def test_extreme_scores_stay_finite(jac, scene):
    scene.set_scores([1e300, -1e300, 0.0])
    assert np.all(np.isfinite(jac.image.image))
    assert_shows(jac, scene.scores)
    assert {t.toPlainText() for row in jac.texts for t in row} == {"0.000"}


def test_small_cells_hide_numbers_but_hover_tells(qtbot, jac, scene):
    scene.set_n_classes(10)
    jac.resize(300, 220)
    qtbot.waitUntil(lambda: not jac.texts_fit())
    assert not any(t.isVisible() for row in jac.texts for t in row)
    assert "hover" in jac.caption.text()
    J = scene.lab_jacobian()
    pos = jac.plot.mapFromScene(jac.view.mapViewToScene(QPointF(3.0, 2.0)))
    qtbot.mouseMove(jac.plot.viewport(), pos)
    assert jac.plot.toolTip().startswith("∂p2/∂s3 = −p2·p3 = ")
    assert float(jac.plot.toolTip().rsplit("=", 1)[1].replace("\u2212", "-")) == pytest.approx(
        J[1, 2], rel=1e-5)
    jac.resize(900, 700)
    qtbot.waitUntil(jac.texts_fit)
    assert all(t.isVisible() for row in jac.texts for t in row)
    assert "hover" not in jac.caption.text()


def test_texts_are_created_once_per_class_count(jac, scene):
    texts = [list(r) for r in jac.texts]
    image = jac.image
    n_items = len(jac.plot.getPlotItem().items)
    for v in (1.0, 2.0, -3.0):
        scene.set_score(1, v)
    assert jac.texts == texts and jac.image is image
    assert len(jac.plot.getPlotItem().items) == n_items


# ------------------------------------------------------------------ temperature
@pytest.mark.parametrize("T", [0.5, 1000.0, 0.001])
def test_uses_the_lab_temperature(jac, scene, T):
    scene.set_temperature(T)
    J = engine.softmax_jacobian(scene.scores, temperature=T)
    assert_array_equal(jac.image.image, J)
    assert tuple(jac.image.levels) == pytest.approx((-J_LIMIT / T, J_LIMIT / T))
    decimals, _ = jac._text_format(3, T)
    assert printed(jac) == pytest.approx(J, abs=0.51 * 10.0 ** -decimals, rel=1e-9)
    assert {len(t.toPlainText().lstrip("\u2212")) for row in jac.texts for t in row} == {
        len(f"{0.0:.{decimals}f}")}  # one width for every cell
    assert f"T = {T:g}" in jac.caption.text()
    scene.set_temperature(1.0)
    assert_shows(jac, scene.scores)
    assert "T =" not in jac.caption.text()


# ------------------------------------------------------------------ highlight
def cell_pos(jac, i, j):
    return jac.plot.mapFromScene(jac.view.mapViewToScene(QPointF(j + 1.0, i + 1.0)))


def hover(qtbot, widget, pos):
    """Move the mouse onto ``pos`` from a nearby pixel, so a move event always happens
    (the cursor may already rest there after an earlier test)."""
    qtbot.mouseMove(widget, pos + QPoint(3, 3))
    qtbot.wait(20)
    qtbot.mouseMove(widget, pos)


def test_hovering_a_cell_highlights_it_across_views(qtbot, jac, scene):
    hover(qtbot, jac.plot.viewport(), cell_pos(jac, 0, 2))
    qtbot.waitUntil(lambda: scene.highlight == ("jacobian", 0, 2), timeout=1000)
    assert jac.highlighted() == ("cell", 0, 2) and jac.highlight_rect.isVisible()
    hover(qtbot, jac.plot.viewport(), cell_pos(jac, 1, 1))
    qtbot.waitUntil(lambda: scene.highlight == ("jacobian", 1, 1), timeout=1000)
    qtbot.mouseMove(jac.caption)  # leaving the heat map clears it
    qtbot.waitUntil(lambda: scene.highlight is None, timeout=1000)
    assert not jac.highlight_rect.isVisible()


def test_scene_highlight_outlines_a_cell_a_row_or_a_column(jac, scene):
    from PySide6.QtCore import QRectF

    scene.set_highlight(("jacobian", 1, 2))
    assert jac.highlighted() == ("cell", 1, 2)
    assert jac.highlight_rect.isVisible() and jac.highlight_rect.rect() == QRectF(2.5, 1.5, 1, 1)
    assert jac.highlight_rect.pen().widthF() >= 5
    scene.set_highlight(("prob", 0))  # p_1: its row
    assert jac.highlighted() == ("row", 0) and jac.highlight_rect.rect() == QRectF(0.5, 0.5, 3, 1)
    scene.set_highlight(("score", 2))  # s_3: its column
    assert jac.highlighted() == ("col", 2) and jac.highlight_rect.rect() == QRectF(2.5, 0.5, 1, 3)
    scene.set_highlight(("W", 0, 0))
    assert jac.highlighted() is None and not jac.highlight_rect.isVisible()
    scene.set_highlight(("jacobian", 2, 2))
    scene.set_n_classes(2)  # the cell is gone
    assert jac.highlighted() is None
