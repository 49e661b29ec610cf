"""The gradient-check view: verdict, table, Check now, Live (throttled), no points, big scenes."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from PySide6.QtCore import Qt

from explorer import engine
from explorer.views import gradient_check as gc_module
from explorer.views.gradient_check import DIGITS, TOLERANCE, GradientCheckView
from explorer.views.notation import num


@pytest.fixture
def view(qtbot, scene):
    v = GradientCheckView(scene)
    qtbot.addWidget(v)
    v.resize(450, 600)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_default_scene_agrees(view, scene):
    r = view.result
    assert r is not None and r.relative_error < TOLERANCE
    assert view.agrees()
    assert view.n_checked == scene.n_points
    t = scene.loss_terms()
    assert_array_equal(r.dW, t.dW)
    assert_array_equal(r.db, t.db)
    text = view.verdict.text()
    assert "relative error" in text and "✓ agrees" in text and gc_module.GOOD in text
    assert "max abs error" in view.max_error.text()
    assert f"{scene.n_points:,} points" in view.status.text()


def test_table_lists_analytic_and_numeric_for_every_entry(view, scene):
    r = view.result
    D, C = scene.W.shape
    assert view.table.rowCount() == D * C + C
    assert view.table.item(0, 0).text() == "W[x₁,1]"
    assert view.table.item(D * C, 0).text() == "b[1]"
    assert view.table.item(1, 1).text() == num(r.dW[0, 1], DIGITS)
    assert view.table.item(1, 2).text() == num(r.dW_numeric[0, 1], DIGITS)
    assert view.table.item(D * C + 2, 1).text() == num(r.db[2], DIGITS)
    assert view.table.item(D * C + 2, 2).text() == num(r.db_numeric[2], DIGITS)


def test_check_now_button_recomputes(view, scene, qtbot):
    scene.set_weights(scene.W * 3, scene.b + 1)
    assert view.stale
    assert "changed since this check" in view.status.text()
    assert not np.array_equal(view.result.dW, scene.loss_terms().dW)  # not live: untouched
    qtbot.mouseClick(view.check_button, Qt.LeftButton)
    assert not view.stale
    assert_array_equal(view.result.dW, scene.loss_terms().dW)
    assert view.result.relative_error < TOLERANCE


def test_live_follows_the_scene_through_a_throttle(view, scene, trainer, qtbot):
    qtbot.mouseClick(view.live_box, Qt.LeftButton)
    assert view.live_box.isChecked()
    trainer.step()
    assert view.stale and view.live_timer.isActive()  # throttled: not recomputed inside the edit
    trainer.step()  # a second change within the interval does not add a check
    qtbot.waitUntil(lambda: not view.stale, timeout=3000)
    assert_array_equal(view.result.dW, scene.loss_terms().dW)
    assert view.result.relative_error < TOLERANCE
    scene.set_reg(0.5)
    qtbot.waitUntil(lambda: not view.stale, timeout=3000)
    assert_array_equal(view.result.dW, scene.loss_terms().dW)
    assert view.agrees()
    qtbot.mouseClick(view.live_box, Qt.LeftButton)
    scene.set_reg(0.1)
    assert not view.live_timer.isActive() and view.stale


def test_no_points_says_so(view, scene, qtbot):
    scene.clear_points()
    qtbot.mouseClick(view.check_button, Qt.LeftButton)
    assert view.result is None
    assert "No points" in view.verdict.text()
    assert view.table.rowCount() == 0
    scene.undo()
    qtbot.mouseClick(view.check_button, Qt.LeftButton)
    assert view.agrees()


def test_a_disagreement_shows_in_red(view, monkeypatch, qtbot):
    right = engine.gradient_check

    def wrong(W, b, X, y, reg=0.0, loss="softmax"):
        r = right(W, b, X, y, reg=reg, loss=loss)
        return r._replace(dW=r.dW + 0.1, relative_error=0.05, max_abs_error=0.1)

    monkeypatch.setattr(gc_module.engine, "gradient_check", wrong)
    qtbot.mouseClick(view.check_button, Qt.LeftButton)
    assert not view.agrees()
    assert "✗ disagrees" in view.verdict.text() and gc_module.BAD in view.verdict.text()
    assert view.table.item(0, 3).foreground().color().name() == gc_module.BAD


def test_many_points_check_a_sample_and_say_so(view, scene, qtbot):
    scene.load_preset("blobs", n=60_000)
    qtbot.mouseClick(view.live_box, Qt.LeftButton)  # a live check has the smallest budget
    assert 0 < view.n_checked < scene.n_points
    assert "random sample" in view.status.text()
    assert view.agrees()
    shape = view.result.dW.shape
    assert shape == scene.W.shape
    qtbot.mouseClick(view.live_box, Qt.LeftButton)


def test_svm_loss_is_checked_too(view, scene, qtbot):
    scene.set_loss("svm")
    qtbot.mouseClick(view.check_button, Qt.LeftButton)
    assert view.result.relative_error < TOLERANCE
    assert "kinks" in view.status.text()


def test_appearance_changes_are_applied(view):
    from explorer import style

    before = view.verdict.font().pointSize()
    try:
        style.appearance.set_scale(1.5)
        assert view.verdict.font().pointSize() > before
        style.appearance.set_theme("dark")
        assert gc_module.DARK_THEME_COLORS[gc_module.GOOD] in view.verdict.text()
    finally:
        style.appearance.set_scale(1.0)
        style.appearance.set_theme("light")
    assert gc_module.GOOD in view.verdict.text()
