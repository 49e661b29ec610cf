"""Every input is validated, and a diverging run never shows NaN.

- Every ``NumberEdit`` of the main window rejects "abc", "nan", "inf", "1e400"
  empty input and a 400-digit number (typed, then Return) with a visible error and no change at
  all to the scene.
- A learning rate that blows the loss up, set through the real widgets and
  run with Play (Space), pauses training on its own, keeps W finite, says
  "try a smaller learning rate" in the status bar, and no view shows NaN or inf.
"""

import dataclasses
import re

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit

from explorer.state import SceneData
from explorer.views.widgets import NumberEdit, TextLayer

BAD_INPUTS = ["abc", "nan", "inf", "1e400", "", "9" * 400]
NON_FINITE = re.compile(r"\bnan\b|\binf\b|∞|\binfinity\b", re.IGNORECASE)


def fields(scene) -> dict:
    return {f.name: getattr(scene.data, f.name) for f in dataclasses.fields(SceneData)}


def assert_unchanged(before: dict, after: dict, where: str) -> None:
    assert before.keys() == after.keys()
    for k in before:
        if isinstance(before[k], np.ndarray):
            np.testing.assert_array_equal(before[k], after[k], err_msg=f"{k} after {where}")
        else:
            assert before[k] == after[k], f"{k} changed after {where}"


def type_and_return(qtbot, edit, text) -> None:
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key_Backspace)
    if text:
        qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key_Return)


def test_every_number_field_rejects_nonsense_visibly_and_changes_nothing(window, qtbot):
    s = window.scene
    s.select(3)  # the score lab's fields then edit the point's scores through b
    edits = window.findChildren(NumberEdit)
    assert len(edits) >= 20, "the window should have many number fields"
    for edit in edits:
        label = f"{edit.name!r} ({edit.toolTip().splitlines()[0][:40] if edit.toolTip() else ''})"
        for text in BAD_INPUTS:
            before = fields(s)
            undo_count, selected = s.undo_stack.count(), s.selected
            type_and_return(qtbot, edit, text)
            where = f"typing {text!r} + Return into {label}"
            assert_unchanged(before, fields(s), where)
            assert s.undo_stack.count() == undo_count, where
            assert s.selected == selected, where
            assert edit.error(), f"no visible error after {where}"
            assert "background" in edit.styleSheet(), f"the field is not marked after {where}"
            assert edit.value() is None or np.isfinite(edit.value()), where
            qtbot.keyClick(edit, Qt.Key_Escape)  # restores the shown value
            assert not edit.error()
    assert not window.trainer.running


def test_the_status_bar_says_why_a_number_was_rejected(window, qtbot):
    edit = window.training_panel.lr_edit
    type_and_return(qtbot, edit, "1e400")
    message = window.statusBar().currentMessage()
    assert message and "learning rate" in message and "too large" in message


def all_texts(window) -> list[tuple[str, str]]:
    """(where, text) of every label, field, button and plot text the window shows."""
    out = []
    for w in window.findChildren(QLabel):
        out.append((f"QLabel {w.objectName()}", w.text()))
    for w in window.findChildren(QLineEdit):
        out.append((f"{type(w).__name__} {getattr(w, 'name', '')}", w.text()))
    for w in window.findChildren(QAbstractButton):
        out.append((f"{type(w).__name__}", w.text()))
    for view in window.findChildren(pg.GraphicsView):
        for item in view.scene().items():
            if isinstance(item, pg.TextItem):
                out.append((f"TextItem in {type(view.parent()).__name__}", item.toPlainText()))
            elif isinstance(item, TextLayer):
                out += [(f"TextLayer in {type(view.parent()).__name__}", t) for t in item.texts()]
    return out


def test_divergence_pauses_training_restores_finite_weights_and_shows_no_nan(window, qtbot):
    s, panel = window.scene, window.training_panel
    s.select(0)  # the score lab then shows a point's scores, which depend on W
    type_and_return(qtbot, panel.lr_edit, "10")
    type_and_return(qtbot, panel.reg_edit, "10")
    type_and_return(qtbot, panel.spf_edit, "20")
    assert (s.lr, s.reg, s.steps_per_frame) == (10.0, 10.0, 20)
    W = np.full(s.W.shape, 1e100)
    W[:, ::2] = -1e100
    s.set_weights(W, s.b)
    step0 = s.step

    window.dataset_view.plot.setFocus()
    qtbot.keyClick(window, Qt.Key_Space)  # Play
    assert window.trainer.running
    qtbot.waitUntil(lambda: not window.trainer.running, timeout=10_000)  # paused on its own

    assert np.all(np.isfinite(s.W)) and np.all(np.isfinite(s.b))
    assert np.all(np.abs(s.W) <= 1e300)
    assert s.step >= step0
    message = window.statusBar().currentMessage()
    assert "smaller learning rate" in message, message
    assert panel.play_button.text() == "Play"
    t = s.loss_terms()
    assert np.isfinite(t.total) and np.all(np.isfinite(t.dW))
    qtbot.wait(50)  # let deferred redraws (decision regions) run
    bad = [(where, text) for where, text in all_texts(window) if NON_FINITE.search(text)]
    assert not bad, f"non-finite numbers on screen: {bad}"
    for item in (window.curves_view.total_curve, window.curves_view.data_curve,
                 window.curves_view.reg_curve):
        x, y = item.getData()
        assert y is None or np.all(np.isfinite(y))
    # The run is one undo entry (and going back to its best step another): undoing
    # both brings back the big weights it started from.
    while s.undo_stack.undoText().startswith(("Go to step", "Train")):
        s.undo()
    np.testing.assert_array_equal(s.W, W)
