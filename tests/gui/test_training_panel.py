"""The training controls, driven through their real widgets."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from explorer import engine, style
from explorer.views.training_panel import TrainingPanel, lr_to_slider, slider_to_lr

# A rejected input pops up a tooltip bubble; the offscreen platform cannot raise() it.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


@pytest.fixture
def panel(qtbot, scene, trainer):
    p = TrainingPanel(scene, trainer)
    qtbot.addWidget(p)
    p.resize(440, 300)
    p.show()
    qtbot.waitExposed(p)
    return p


def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key_Return)


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.LeftButton)


def full_batch_update(scene):
    """(W, b) after one plain full-batch SGD update, computed from the engine directly."""
    _, dW, db = engine.loss_and_gradients(scene.W, scene.b, scene.Z, scene.y,
                                          reg=scene.reg, loss=scene.loss)
    return scene.W - scene.lr * dW, scene.b - scene.lr * db


def test_step_is_exactly_one_engine_update(panel, scene, qtbot):
    W1, b1 = full_batch_update(scene)
    click(qtbot, panel.step_button)
    np.testing.assert_array_equal(scene.W, W1)
    np.testing.assert_array_equal(scene.b, b1)
    assert scene.step == 1
    assert panel.step_label.text() == "step 1"
    assert scene.undo_stack.undoText() == "Train 1 step"


def test_play_reaches_full_accuracy_on_a_separable_preset(panel, scene, trainer, qtbot):
    scene.load_preset("linear", 150, 0.0, 3)
    type_into(qtbot, panel.lr_edit, "0.5")
    assert scene.lr == 0.5
    entries = scene.undo_stack.count()
    click(qtbot, panel.play_button)
    assert trainer.running
    assert panel.play_button.text() == "Pause" and panel.play_button.isChecked()
    for _ in range(1000):
        if scene.accuracy() == 1.0:
            break
        trainer.tick()
    click(qtbot, panel.play_button)
    assert not trainer.running
    assert panel.play_button.text() == "Play" and not panel.play_button.isChecked()
    assert scene.accuracy() == 1.0
    assert panel.accuracy_label.text() == "accuracy 100.0%"
    assert panel.step_label.text() == f"step {scene.step}"
    assert scene.undo_stack.count() == entries + 1
    assert scene.undo_stack.undoText() == f"Train {scene.step} steps"


def test_play_button_follows_the_trainer(panel, scene, trainer, qtbot):
    trainer.play()
    assert panel.play_button.text() == "Pause" and panel.play_button.isChecked()
    assert "Pause" in panel.play_button.toolTip() and "Space" in panel.play_button.toolTip()
    trainer.pause()
    assert panel.play_button.text() == "Play" and not panel.play_button.isChecked()
    # Step pauses a running training
    click(qtbot, panel.play_button)
    click(qtbot, panel.step_button)
    assert not trainer.running and panel.play_button.text() == "Play"


def test_play_without_points_stays_paused(panel, scene, trainer, qtbot):
    scene.clear_points()
    with qtbot.waitSignal(trainer.error):
        click(qtbot, panel.play_button)
    assert not trainer.running
    assert panel.play_button.text() == "Play" and not panel.play_button.isChecked()
    assert panel.loss_label.text() == "loss \u2014"


def test_learning_rate_edit_and_log_slider(panel, scene, qtbot):
    type_into(qtbot, panel.lr_edit, "0.2")
    assert scene.lr == 0.2
    assert panel.lr_slider.value() == lr_to_slider(0.2)
    panel.lr_slider.setValue(panel.lr_slider.maximum())
    assert scene.lr == 10.0 and panel.lr_edit.text() == "10"
    panel.lr_slider.setValue(0)
    assert scene.lr == 1e-4 and panel.lr_edit.text() == "0.0001"
    # log scale: the middle of the slider is the geometric mean of the range
    panel.lr_slider.setValue(panel.lr_slider.maximum() // 2)
    assert scene.lr == pytest.approx(np.sqrt(1e-4 * 10.0), rel=0.05)
    assert slider_to_lr(lr_to_slider(0.05)) == 0.05


def test_a_slider_drag_is_one_undo_entry(panel, scene, qtbot):
    count = scene.undo_stack.count()
    for pos in range(100, 300, 7):
        panel.lr_slider.setValue(pos)
    assert scene.undo_stack.count() == count + 1
    scene.undo()
    assert scene.lr == 0.05


def test_batch_size_16_is_the_next_ticks_minibatch(panel, scene, trainer, qtbot):
    type_into(qtbot, panel.batch_edit, "16")
    assert scene.batch_size == 16
    assert not panel.full_batch_check.isChecked()
    # The trainer's first minibatch: the first 16 of a permutation from its seed (0).
    idx = np.random.default_rng(0).permutation(scene.n_points)[:16]
    _, dW, db = engine.loss_and_gradients(scene.W, scene.b, scene.Z[idx], scene.y[idx],
                                          reg=scene.reg, loss=scene.loss)
    W1, b1 = scene.W - scene.lr * dW, scene.b - scene.lr * db
    trainer.tick()
    np.testing.assert_array_equal(scene.W, W1)
    np.testing.assert_array_equal(scene.b, b1)


def test_full_batch_by_word_and_by_checkbox(panel, scene, qtbot):
    type_into(qtbot, panel.batch_edit, "16")
    type_into(qtbot, panel.batch_edit, "FULL")
    assert scene.batch_size is None
    assert panel.batch_edit.text() == "full" and panel.full_batch_check.isChecked()
    click(qtbot, panel.full_batch_check)
    assert scene.batch_size == 32
    assert panel.batch_edit.text() == "32"
    click(qtbot, panel.full_batch_check)
    assert scene.batch_size is None


def test_reg_and_loss_take_effect_at_the_next_tick(panel, scene, trainer, qtbot):
    type_into(qtbot, panel.reg_edit, "0.05")
    type_into(qtbot, panel.spf_edit, "1")
    assert scene.reg == 0.05
    panel.loss_combo.setFocus()
    qtbot.keyClick(panel.loss_combo, Qt.Key_Down)
    assert scene.loss == "svm"
    W1, b1 = full_batch_update(scene)  # with reg 0.05 and the hinge loss
    trainer.tick()
    np.testing.assert_array_equal(scene.W, W1)
    np.testing.assert_array_equal(scene.b, b1)
    panel.loss_combo.setCurrentIndex(panel.loss_combo.findData("softmax"))
    assert scene.loss == "softmax"


def test_momentum_and_steps_per_frame_take_effect_at_the_next_tick(panel, scene, trainer, qtbot):
    type_into(qtbot, panel.momentum_edit, "0.9")
    assert scene.momentum == 0.9
    assert panel.momentum_slider.value() == 90
    # two updates with momentum: v1 = -lr g0, v2 = 0.9 v1 - lr g1
    lr, reg = scene.lr, scene.reg
    W, b = scene.W.copy(), scene.b.copy()
    vW, vb = np.zeros_like(W), np.zeros_like(b)
    for _ in range(2):
        _, dW, db = engine.loss_and_gradients(W, b, scene.Z, scene.y, reg=reg, loss="softmax")
        vW, vb = 0.9 * vW - lr * dW, 0.9 * vb - lr * db
        W, b = W + vW, b + vb
    type_into(qtbot, panel.spf_edit, "2")
    assert scene.steps_per_frame == 2
    step = scene.step
    trainer.tick()
    assert scene.step == step + 2
    np.testing.assert_allclose(scene.W, W, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(scene.b, b, rtol=1e-12, atol=1e-15)

    panel.momentum_slider.setValue(50)
    assert scene.momentum == 0.5 and panel.momentum_edit.text() == "0.5"


def test_an_edit_while_running_is_used_by_the_next_tick(panel, scene, trainer, qtbot):
    click(qtbot, panel.play_button)
    trainer.tick()
    type_into(qtbot, panel.lr_edit, "0.01")
    W1, b1 = full_batch_update(scene)
    trainer.tick()
    click(qtbot, panel.play_button)
    np.testing.assert_array_equal(scene.W, W1)
    np.testing.assert_array_equal(scene.b, b1)
    # the run was split around the edit, so undoing the edit never undoes training
    texts = [scene.undo_stack.text(i) for i in range(scene.undo_stack.count())]
    assert texts[-3:] == ["Train 1 step", "Learning rate 0.01", "Train 1 step"]


@pytest.mark.parametrize("attr, text", [
    ("lr_edit", "0"), ("lr_edit", "abc"), ("lr_edit", "20"), ("lr_edit", "nan"),
    ("batch_edit", "0"), ("batch_edit", "1.5"), ("batch_edit", "151"), ("batch_edit", "fullish"),
    ("reg_edit", "-1"), ("reg_edit", "1e400"), ("momentum_edit", "1"),
    ("spf_edit", "0"), ("spf_edit", "1001"), ("spf_edit", ""),
])
def test_bad_input_is_rejected(panel, scene, qtbot, attr, text):
    edit = getattr(panel, attr)
    before = scene.data
    with qtbot.assertNotEmitted(scene.hyper_changed):
        edit.setFocus()
        edit.selectAll()
        if text:
            qtbot.keyClicks(edit, text)
        else:
            qtbot.keyClick(edit, Qt.Key_Backspace)
        qtbot.keyClick(edit, Qt.Key_Return)
    assert scene.data is before
    assert edit.error() != ""


def test_reset_sets_step_zero_and_clears_history(panel, scene, trainer, qtbot):
    for _ in range(3):
        click(qtbot, panel.step_button)
    assert scene.step == 3 and len(scene.history) == 3
    W = scene.W.copy()
    click(qtbot, panel.reset_button)
    assert scene.step == 0 and len(scene.history) == 0
    assert not np.array_equal(scene.W, W)
    assert panel.step_label.text() == "step 0"


def test_controls_follow_the_scene(panel, scene):
    scene.set_lr(0.3)
    scene.set_batch_size(8)
    scene.set_reg(0.5)
    scene.set_momentum(0.25)
    scene.set_steps_per_frame(7)
    scene.set_loss("svm")
    assert panel.lr_edit.text() == "0.3" and panel.lr_slider.value() == lr_to_slider(0.3)
    assert panel.batch_edit.text() == "8" and not panel.full_batch_check.isChecked()
    assert panel.reg_edit.text() == "0.5"
    assert panel.momentum_edit.text() == "0.25" and panel.momentum_slider.value() == 25
    assert panel.spf_edit.text() == "7"
    assert panel.loss_combo.currentData() == "svm"
    t = scene.loss_terms()
    assert panel.loss_label.text() == f"loss {t.total:.4f}"
    scene.undo()
    assert panel.loss_combo.currentData() == "softmax"


def test_every_control_has_a_tooltip(panel):
    for w in (panel.play_button, panel.step_button, panel.reset_button, panel.lr_slider,
              panel.lr_edit, panel.batch_edit, panel.full_batch_check, panel.reg_edit,
              panel.momentum_edit, panel.momentum_slider, panel.spf_edit, panel.loss_combo):
        assert w.toolTip(), w
    assert "Space" in panel.play_button.toolTip()
    assert "S" in panel.step_button.toolTip() and "\u2192" in panel.step_button.toolTip()
    assert "(R)" in panel.reset_button.toolTip()


# ------------------------------------------------------------ feature maps
@pytest.fixture
def appearance(qapp):
    """The global appearance (conftest restores the default look), and the application
    font restored afterwards."""
    font = QApplication.font()
    yield style.appearance
    QApplication.setFont(font)


def test_feature_checkboxes_set_the_scene_features(panel, scene, qtbot):
    assert list(panel.feature_checks) == list(engine.FEATURES)
    assert scene.W.shape == (2, 3)
    W = scene.W.copy()
    with qtbot.waitSignal(scene.features_changed):
        click(qtbot, panel.feature_checks["x1^2"])
    click(qtbot, panel.feature_checks["x2^2"])
    assert scene.features == ("x1^2", "x2^2")
    assert scene.feature_names == ("x1", "x2", "x1^2", "x2^2")
    assert scene.W.shape == (4, 3)
    np.testing.assert_array_equal(scene.W[:2], W)
    np.testing.assert_array_equal(scene.W[2:], 0.0)  # new rows start at zero
    np.testing.assert_array_equal(scene.Z[:, 2], scene.X[:, 0] ** 2)
    click(qtbot, panel.feature_checks["x1^2"])
    assert scene.features == ("x2^2",) and scene.W.shape == (3, 3)
    # the boxes follow the scene (and undo), without echoing back
    with qtbot.assertNotEmitted(scene.hyper_changed):
        scene.set_features(("x1*x2", "sin(x2)"))
    assert [n for n, c in panel.feature_checks.items() if c.isChecked()] == ["x1*x2", "sin(x2)"]
    scene.undo()
    assert [n for n, c in panel.feature_checks.items() if c.isChecked()] == ["x2^2"]
    for name, check in panel.feature_checks.items():
        assert "adds a column to x and a row to w" in check.toolTip().lower()


def accuracy_after(panel, scene, trainer, qtbot, features, ticks=40):
    for name in features:
        click(qtbot, panel.feature_checks[name])
    type_into(qtbot, panel.lr_edit, "0.2")
    type_into(qtbot, panel.spf_edit, "10")
    for _ in range(ticks):
        trainer.tick()
        if scene.accuracy() > 0.95:
            break
    return scene.accuracy()


def test_squared_features_separate_concentric_circles(panel, scene, trainer, qtbot):
    scene.load_preset("circles", 300, seed=0)
    assert scene.n_classes == 3
    acc = accuracy_after(panel, scene, trainer, qtbot, ["x1^2", "x2^2"])
    assert acc > 0.95
    assert scene.step <= 400
    assert panel.accuracy_label.text() == f"accuracy {100 * acc:.1f}%"
    # the same run without the features stays far from it: a line cannot cut rings
    trainer.reset()
    for name in ("x1^2", "x2^2"):
        click(qtbot, panel.feature_checks[name])
    assert scene.features == ()
    for _ in range(40):
        trainer.tick()
    assert scene.accuracy() < 0.8


def test_loss_choice_has_a_tooltip_per_loss(panel, scene, qtbot):
    for k in range(panel.loss_combo.count()):
        name = panel.loss_combo.itemData(k)
        assert name in engine.LOSSES
        assert panel.loss_combo.itemData(k, Qt.ToolTipRole)
    assert "margin" in panel.loss_combo.itemData(panel.loss_combo.findData("svm"), Qt.ToolTipRole)
    panel.loss_combo.setCurrentIndex(panel.loss_combo.findData("svm"))
    assert scene.loss == "svm"
    assert panel.loss_label.text() == f"loss {scene.loss_terms().total:.4f}"
    terms = engine.loss_terms(scene.W, scene.b, scene.Z, scene.y, reg=scene.reg, loss="svm")
    assert scene.loss_terms().total == pytest.approx(terms.total)


def test_appearance_scales_the_panel(panel, qtbot, appearance):
    size = panel.play_button.font().pointSize()
    icon = panel.play_button.iconSize().width()
    appearance.set_scale(1.5)
    assert panel.play_button.font().pointSize() == style.point_size(style.BASE_POINT_SIZE + 1)
    assert panel.play_button.font().pointSize() > size
    assert panel.step_label.font().pointSize() == style.point_size(style.BASE_POINT_SIZE)
    assert panel.play_button.iconSize().width() > icon
    assert panel.play_button.minimumHeight() == round(38 * 1.5)
    # Widgets without a font of their own follow the application font, which the main
    # window sets from the scale.
    f = QApplication.font()
    f.setPointSize(style.point_size())
    QApplication.setFont(f)
    qtbot.wait(1)
    for widget in (panel.features_label, panel.full_batch_check, panel.feature_checks["x1^2"]):
        assert widget.font().pointSize() == style.point_size()
    assert panel.play_button.font().pointSize() == style.point_size(style.BASE_POINT_SIZE + 1)


def test_the_readout_can_be_selected_with_the_mouse_where_the_pointer_is(panel, scene, qtbot):
    """The readout's texts can be selected (and copied) with the mouse; each label is made
    selectable while the pointer is over it and while it holds a selection or the focus, so
    that a new text at every edit lays out no text document nobody is pointing at."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QCursor
    from PySide6.QtTest import QTest

    def selectable(label):
        return bool(label.textInteractionFlags() & Qt.TextSelectableByMouse)

    label = panel.loss_label
    assert not selectable(label)  # (nobody points at it)
    click(qtbot, panel.step_button)
    assert not selectable(label) and label.text().startswith("loss ")
    y = label.height() // 2
    QTest.mouseMove(label, QPoint(1, y))
    qtbot.waitUntil(lambda: selectable(label), timeout=1000)
    QTest.mousePress(label, Qt.LeftButton, Qt.NoModifier, QPoint(1, y))
    QTest.mouseMove(label, QPoint(label.width() - 1, y))
    QTest.mouseRelease(label, Qt.LeftButton, Qt.NoModifier, QPoint(label.width() - 1, y))
    assert label.selectedText() == label.text()
    QTest.mouseMove(panel.step_button)  # away: the selection stays, and can be copied
    qtbot.waitUntil(lambda: not label.underMouse(), timeout=1000)
    assert selectable(label) and label.selectedText() == label.text()
    panel.accuracy_label.setFocus()  # the focus elsewhere: a plain label again
    label.clearFocus()
    qtbot.waitUntil(lambda: not selectable(label), timeout=1000)
    QCursor.setPos(0, 0)
