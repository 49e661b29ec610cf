"""The timeline: scrub through recorded steps (pausing training), step back, loss sparkline."""

import pytest
from numpy.testing import assert_array_equal
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from explorer.views.timeline import TimelineView


@pytest.fixture
def view(qtbot, scene, trainer):
    v = TimelineView(scene, trainer)
    qtbot.addWidget(v)
    v.resize(450, 260)
    v.show()
    qtbot.waitExposed(v)
    return v


def train(trainer, steps):
    for _ in range(steps):
        trainer.step()


def handle_center(slider) -> QPoint:
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    return slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderHandle, slider).center()


def x_of_value(slider, value) -> int:
    """The x of the handle's centre when the slider shows ``value``."""
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    handle = slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderHandle, slider)
    groove = slider.style().subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderGroove, slider)
    span = groove.width() - handle.width()
    pos = QStyle.sliderPositionFromValue(slider.minimum(), slider.maximum(), value, span)
    return groove.x() + pos + handle.width() // 2


def test_empty_timeline(view, scene):
    assert not view.slider.isEnabled()
    assert not view.back_button.isEnabled()
    assert "No steps recorded" in view.hint.text()
    assert view.step_label.text() == "step 0"


def test_follows_training(view, scene, trainer):
    train(trainer, 6)
    tl = scene.timeline
    assert (view.slider.minimum(), view.slider.maximum()) == (tl.first_step(), tl.last_step()) == (0, 6)
    assert view.slider.value() == 6
    assert view.step_label.text() == "step 6 of 6"
    assert view.back_button.isEnabled() and view.slider.isEnabled()
    steps, losses = tl.losses()
    x, y = view.spark.getData()
    assert_array_equal(x, steps)
    assert_array_equal(y, losses)
    mx, my = view.marker.getData()
    assert mx[0] == 6 and my[0] == tl.at(6)[2]
    assert view.marker_line.value() == 6


def test_scrubbing_shows_the_recorded_weights_as_one_undo_entry(view, scene, trainer, qtbot):
    train(trainer, 8)
    trainer.play()
    assert trainer.running
    # a drag: press on the handle, move, release
    slider = view.slider
    qtbot.mousePress(slider, Qt.LeftButton, pos=handle_center(slider))
    assert not trainer.running  # pressing the scrubber pauses training
    undo_count = scene.undo_stack.count()  # the run so far was closed by the pause
    step_now = scene.step
    tl = scene.timeline
    for k in (step_now - 2, 3, 5):
        qtbot.mouseMove(slider, QPoint(x_of_value(slider, k), handle_center(slider).y()))
        qtbot.waitUntil(lambda: scene.step == k, timeout=2000)
        assert_array_equal(scene.W, tl.at(k)[0])
        assert_array_equal(scene.b, tl.at(k)[1])
        assert view.step_label.text() == f"step {k} of {tl.last_step()}"
    qtbot.mouseRelease(slider, Qt.LeftButton, pos=QPoint(x_of_value(slider, 5), handle_center(slider).y()))
    assert scene.step == 5
    assert_array_equal(scene.W, tl.at(5)[0])
    assert scene.undo_stack.count() == undo_count + 1  # the whole drag is one entry
    scene.undo()
    assert scene.step == step_now
    assert not trainer.running
    # a scrub with the keyboard, too
    view.slider.setFocus()
    qtbot.keyClick(view.slider, Qt.Key_Left)
    assert scene.step == step_now - 1
    assert_array_equal(scene.W, tl.at(step_now - 1)[0])


def test_scrub_programmatically_pauses(view, scene, trainer):
    train(trainer, 4)
    trainer.play()
    view.slider.setSliderDown(True)
    view.slider.setValue(2)
    view.slider.setValue(1)
    view.slider.setSliderDown(False)
    assert not trainer.running
    assert scene.step == 1
    assert_array_equal(scene.W, scene.timeline.at(1)[0])


def test_step_back_button(view, scene, trainer, qtbot):
    train(trainer, 3)
    qtbot.mouseClick(view.back_button, Qt.LeftButton)
    assert scene.step == 2
    assert_array_equal(scene.W, scene.timeline.at(2)[0])
    assert view.slider.value() == 2
    assert view.step_label.text() == "step 2 of 3"
    qtbot.mouseClick(view.back_button, Qt.LeftButton)
    qtbot.mouseClick(view.back_button, Qt.LeftButton)
    assert scene.step == 0
    assert not view.back_button.isEnabled()


def test_training_from_the_past_rewrites_the_future(view, scene, trainer):
    train(trainer, 5)
    view.scrub_to(2)
    trainer.step()
    assert scene.step == 3
    assert view.slider.maximum() == 3
    assert view.step_label.text() == "step 3 of 3"


def test_a_timeline_of_another_shape_is_not_scrubbable(view, scene, trainer):
    train(trainer, 3)
    scene.set_n_classes(4)
    assert not view.slider.isEnabled()
    assert "another number of classes" in view.hint.text()


def test_appearance_changes_are_applied(view):
    from explorer import style

    before = view.step_label.font().pointSize()
    try:
        style.appearance.set_scale(1.5)
        assert view.step_label.font().pointSize() > before
        style.appearance.set_theme("dark")
        assert view.plot.backgroundBrush().color() == style.background()
    finally:
        style.appearance.set_scale(1.0)
        style.appearance.set_theme("light")
    assert view.step_label.font().pointSize() == before
