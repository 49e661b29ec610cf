"""The whole window: views linked through the scene, shortcuts, class count changes."""

import numpy as np
from PySide6.QtCore import Qt

from explorer import engine


def _consistent(window):
    """Every view shows the scene's C classes and the engine's numbers."""
    s = window.scene
    C = s.n_classes
    lab, ds, jac, wv = window.score_lab, window.dataset_view, window.jacobian_view, window.weights_view
    assert len(lab.score_edits) == C
    p = engine.softmax(s.lab_scores())
    np.testing.assert_array_equal(np.asarray(lab.prob_bars.opts["height"]), p)
    g = engine.score_gradient(s.lab_scores(), s.lab_label())
    np.testing.assert_array_equal(np.asarray(lab.grad_bars.opts["height"]), g)
    assert len(jac.texts) == C and all(len(row) == C for row in jac.texts)
    assert len(ds.scatters) == C and len(ds.arrows) == C and len(ds.class_buttons) == C
    for j, scatter in enumerate(ds.scatters):
        xs, ys = scatter.getData()
        np.testing.assert_array_equal(np.column_stack([xs, ys]), s.X[s.y == j])
    assert len(wv.header_labels) == C
    assert len(wv.value_edits) == s.W.shape[0] and all(len(r) == C for r in wv.value_edits)
    for i in range(s.W.shape[0]):
        for j in range(C):
            assert float(wv.value_edits[i][j].value()) == s.W[i, j]
    assert np.all(s.y < C)
    assert s.W.shape == (2 + len(s.features), C) and s.b.shape == (C,) and s.scores.shape == (C,)


def test_changing_classes_3_to_5_keeps_every_view_consistent(window, qtbot):
    _consistent(window)
    spin = window.score_lab.classes_spin
    spin.setFocus()
    for _ in range(2):
        qtbot.keyClick(spin, Qt.Key_Up)
    qtbot.waitUntil(lambda: window.scene.n_classes == 5)
    _consistent(window)
    # A pristine preset is regenerated with 5 classes.
    X, y = engine.make_dataset("blobs", 150, classes=5, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(window.scene.X, X)
    window.scene.undo()  # each key press was one edit
    assert window.scene.n_classes == 4
    window.scene.undo()
    assert window.scene.n_classes == 3
    _consistent(window)


def test_selecting_a_point_links_the_score_lab(window):
    s = window.scene
    s.select(5)
    _consistent(window)
    np.testing.assert_array_equal(
        np.asarray(window.score_lab.prob_bars.opts["height"]),
        engine.softmax(s.X[5] @ s.W + s.b))


def test_keyboard_shortcuts_drive_training(window, qtbot):
    s = window.scene
    window.dataset_view.plot.setFocus()
    qtbot.keyClick(window, Qt.Key_S)
    assert s.step == 1
    qtbot.keyClick(window, Qt.Key_Right)
    assert s.step == 2
    qtbot.keyClick(window, Qt.Key_Space)
    assert window.trainer.running
    qtbot.waitUntil(lambda: s.step >= 5, timeout=5000)
    qtbot.keyClick(window, Qt.Key_Space)
    assert not window.trainer.running
    qtbot.keyClick(window, Qt.Key_R)
    assert s.step == 0 and len(s.history) == 0
    qtbot.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert s.step > 0


def test_typing_in_a_field_does_not_trigger_single_key_shortcuts(window, qtbot):
    edit = window.score_lab.score_edits[0]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "1 ")  # a space and digits go into the field
    assert not window.trainer.running
    edit.selectAll()
    qtbot.keyClicks(edit, "s")
    assert window.scene.step == 0


def test_the_default_window_fills_most_of_a_projector_screen(window):
    assert window.width() >= 1400 and window.height() >= 850
    assert window.font().pointSize() >= 12
