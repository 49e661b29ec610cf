"""The derivation view: every chain-rule line shows the engine's numbers, live."""


import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from PySide6.QtCore import QEvent, QPoint, QPointF
from PySide6.QtGui import QEnterEvent
from PySide6.QtWidgets import QApplication

from explorer import style
from explorer.views.derivation import LINE_NAMES, DerivationView
from explorer.views.notation import num, parse_num


@pytest.fixture
def view(qtbot, scene):
    v = DerivationView(scene)
    qtbot.addWidget(v)
    v.resize(450, 700)
    v.show()
    qtbot.waitExposed(v)
    return v


def result(view, name) -> str:
    """The text after the line's last '='."""
    return view.line_text(name).rsplit("=", 1)[1].strip()


def result_value(view, name) -> float:
    return parse_num(result(view, name).split()[0])


def enter(line):
    QApplication.sendEvent(line, QEnterEvent(QPointF(5, 5), QPointF(5, 5), QPointF(5, 5)))


def leave(line):
    QApplication.sendEvent(line, QEvent(QEvent.Leave))


def test_lines_show_the_engine_values_for_a_point(view, scene):
    scene.select(17)
    y = scene.lab_label()
    j = view.j
    p = scene.lab_probabilities()
    J = scene.lab_jacobian()
    g = scene.lab_gradient()
    assert j != y
    # exactly the engine's numbers behind each line
    assert view.values["softmax"] == p[y]
    assert view.values["dpy_dsy"] == J[y, y]
    assert view.values["dpy_dsj"] == J[y, j]
    assert view.values["dL_dpy"] == -1 / p[y]
    assert view.values["dL_dsy"] == g[y]
    assert view.values["dL_dsj"] == g[j]
    assert_array_equal(view.values["ds_dw"], scene.Z[17])
    assert_allclose(view.values["dL_dW"], scene.point_gradient()[0], rtol=1e-12, atol=1e-15)
    # and what is printed: formatted engine values, parsed back
    assert result(view, "softmax") == num(p[y])
    assert result(view, "dpy_dsy") == num(J[y, y])
    assert result(view, "dpy_dsj") == num(J[y, j])
    assert result(view, "dL_dpy") == num(-1 / p[y])
    assert result(view, "dL_dsy") == num(g[y])
    assert result(view, "dL_dsj") == num(g[j])
    assert result_value(view, "dpy_dsy") == pytest.approx(J[y, y], rel=5e-3)
    # the substituted inputs are the engine's p
    text = view.line_text("dpy_dsy")
    assert f"= {num(p[y])} × (1 − {num(p[y])}) =" in text
    assert f"−{num(p[y])} × {num(p[j])}" in view.line_text("dpy_dsj")
    assert f"({num(p[y])} − 1)" in view.line_text("dL_dsy")
    # x_i and the matrix
    x_text = view.line_text("ds_dw")
    assert num(scene.Z[17][0]) in x_text and num(scene.Z[17][1]) in x_text
    dW = scene.point_gradient()[0]
    w_text = view.line_text("dL_dW")
    for v in dW.ravel():
        assert num(v) in w_text
    assert "(3) · (2×3×3) → 2×3" in w_text


def test_symbolic_forms_are_shown(view, scene):
    scene.select(3)
    assert view.line_text("dpy_dsy").startswith("∂py/∂sy = py(1 − py)")
    assert view.line_text("dpy_dsj").startswith("∂py/∂sj = −py pj")
    assert "∂L/∂py = −1/py" in view.line_text("dL_dpy")
    assert "(py − 1)" in view.line_text("dL_dsy")
    assert "= pj =" in view.line_text("dL_dsj")
    assert "∂sj/∂wj = xi" in view.line_text("ds_dw")
    assert "<sub>y</sub>" in view.lines["dpy_dsy"].text()  # rich text subscripts
    assert view.lines["dpy_dsy"].font().pointSize() > style.BASE_POINT_SIZE


def test_default_j_is_the_most_probable_wrong_class_and_selectable(view, scene):
    scene.select(17)
    y = scene.lab_label()
    p = scene.lab_probabilities().copy()
    p[y] = -1
    assert view.j == int(np.argmax(p))
    assert view.j_combo.currentIndex() == view.j
    assert view.j_combo.currentText() == f"j = class {view.j + 1}"
    other = next(k for k in range(3) if k not in (y, view.j))
    view.j_combo.setCurrentIndex(other)
    view.j_combo.activated.emit(other)
    assert view.j == other
    assert view.values["dpy_dsj"] == scene.lab_jacobian()[y, other]
    assert result(view, "dL_dsj") == num(scene.lab_gradient()[other])
    # y itself
    view.j_combo.setCurrentIndex(y)
    view.j_combo.activated.emit(y)
    assert view.j == y
    assert "j = y" in view.line_text("dpy_dsj")
    assert view.values["dpy_dsj"] == scene.lab_jacobian()[y, y]
    # another point: back to the default
    scene.select(40)
    assert view._j_user is None


def test_free_scores_replace_the_x_lines_by_a_note(view, scene):
    assert scene.selected is None
    for name in ("ds_dw", "dL_dwj", "dL_dW"):
        assert not view.lines[name].isVisible()
    assert view.note.isVisible() and "Click a point" in view.note.text()
    y = scene.true_class
    assert view.values["softmax"] == scene.lab_probabilities()[y]
    assert result(view, "dpy_dsy") == num(scene.lab_jacobian()[y, y])
    scene.select(1)
    assert view.lines["dL_dW"].isVisible() and not view.note.isVisible()


def test_live_on_scores_weights_and_temperature(view, scene, trainer):
    scene.set_scores([0.5, 2.0, -1.0])
    y = scene.true_class
    assert view.values["dpy_dsy"] == scene.lab_jacobian()[y, y]
    assert result(view, "softmax") == num(scene.lab_probabilities()[y])
    scene.select(8)
    trainer.step()
    yy = scene.lab_label()
    assert view.values["dL_dsy"] == scene.lab_gradient()[yy]
    assert_allclose(view.values["dL_dW"], scene.point_gradient()[0], rtol=1e-12, atol=1e-15)
    scene.set_temperature(2.0)
    assert view.values["dpy_dsy"] == scene.lab_jacobian()[yy, yy]
    assert result(view, "dpy_dsy") == num(scene.lab_jacobian()[yy, yy])
    assert "/ 2.00" in view.line_text("dpy_dsy")
    assert_allclose(view.values["dL_dW"], np.outer(scene.Z[8], scene.lab_gradient()), rtol=1e-12)


def test_hovering_a_line_highlights_its_quantity(view, scene):
    scene.select(17)
    y, j = scene.lab_label(), view.j
    expected = {"softmax": ("prob", y), "dpy_dsy": ("jacobian", y, y), "dpy_dsj": ("jacobian", y, j),
                "dL_dpy": ("prob", y), "dL_dsy": ("grad", y), "dL_dsj": ("grad", j)}
    for name, target in expected.items():
        enter(view.lines[name])
        assert scene.highlight == target, name
        assert "background" in view.lines[name].styleSheet()  # the row shows it too
        leave(view.lines[name])
        assert scene.highlight is None


def test_hovering_with_the_real_mouse(view, scene, qtbot):
    scene.select(17)
    line = view.lines["dpy_dsy"]
    qtbot.mouseMove(view, QPoint(2, 2))
    qtbot.mouseMove(line, line.rect().center())
    qtbot.waitUntil(lambda: scene.highlight == ("jacobian", scene.lab_label(), scene.lab_label()),
                    timeout=2000)


def test_numbers_in_a_line_are_links_to_finer_targets(view, scene):
    scene.select(17)
    line = view.lines["dL_dW"]
    enter(line)
    line.linkHovered.emit("point_dW:1:2")
    assert scene.highlight == ("point_dW", 1, 2)
    line.linkHovered.emit("")
    assert scene.highlight is None  # the matrix line as a whole has no single target
    x_line = view.lines["ds_dw"]
    enter(x_line)
    x_line.linkHovered.emit("x:0")
    assert scene.highlight == ("x", 0)
    leave(x_line)
    assert scene.highlight is None
    assert "href='point_dW:1:2'" in line.text()


def test_every_line_fits_the_dock_width(view, scene, qtbot):
    scene.set_n_classes(6)
    scene.set_features(["x1^2", "x1*x2"])
    scene.select(3)
    qtbot.wait(20)
    width = view.scroll.viewport().width()
    for name in LINE_NAMES:
        assert view.lines[name].width() <= width
    assert view.body.width() <= width


def test_the_dW_matrix_is_shown_when_it_fits(view, scene, qtbot):
    scene.set_n_classes(8)
    scene.set_features(["x1^2", "x2^2", "x1*x2"])
    scene.select(3)
    view.resize(300, 700)
    qtbot.waitUntil(lambda: "too wide" in view.line_text("dL_dW"), timeout=2000)
    assert "href='point_dW:" not in view.lines["dL_dW"].text()
    assert "(8) · (5×8×8) → 5×8" in view.line_text("dL_dW")
    view.resize(1500, 700)
    qtbot.waitUntil(lambda: "href='point_dW:4:7'" in view.lines["dL_dW"].text(), timeout=2000)
    for v in view.values["dL_dW"].ravel():
        assert num(v) in view.line_text("dL_dW")


def test_svm_training_loss_is_noted(view, scene):
    scene.select(2)
    scene.set_loss("svm")
    assert view.note.isVisible() and "hinge" in view.note.text()


def test_appearance_changes_are_applied(view, scene):
    before = view.lines["softmax"].font().pointSize()
    try:
        style.appearance.set_scale(1.5)
        assert view.lines["softmax"].font().pointSize() > before
        style.appearance.set_theme("dark")
        scene.select(4)
        assert f"color:{style.foreground().name()}" in view.lines["dL_dW"].text()  # links
    finally:
        style.appearance.set_scale(1.0)
        style.appearance.set_theme("light")
    assert view.lines["softmax"].font().pointSize() == before
