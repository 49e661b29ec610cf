"""The frame-rate meter counts frames actually painted, and its readout shows them."""

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QWidget

from explorer.perf import FrameRateLabel, FrameRateMeter


def shown(qtbot, w):
    """Show ``w`` and wait until its window can really paint."""
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.windowHandle() is not None and w.windowHandle().isExposed(),
                    timeout=5000)
    qtbot.wait(20)
    return w


@pytest.fixture
def widget(qtbot):
    w = QWidget()
    w.resize(200, 120)
    return shown(qtbot, w)


def test_counts_paint_events_of_the_widget(qtbot, widget):
    meter = FrameRateMeter(widget, interval_ms=10_000)  # no update during the test
    before = meter.frames
    for _ in range(5):
        widget.repaint()
    assert meter.frames - before == 5
    assert meter.target is widget


def test_fps_is_published_about_every_interval(qtbot, widget):
    meter = FrameRateMeter(widget, interval_ms=100)
    with qtbot.waitSignal(meter.updated, timeout=2000):
        for _ in range(10):
            widget.repaint()
    assert meter.fps > 0
    # nothing painted during the next interval: the meter reads idle
    with qtbot.waitSignal(meter.updated, timeout=2000):
        pass
    with qtbot.waitSignal(meter.updated, timeout=2000) as blocker:
        pass
    assert blocker.args == [0.0]
    assert meter.fps == 0.0


def test_rate_is_frames_over_time(qtbot, widget):
    meter = FrameRateMeter(widget, interval_ms=300)
    qtbot.waitSignal(meter.updated, timeout=2000).wait()  # start a fresh interval
    with qtbot.waitSignal(meter.updated, timeout=2000):
        for _ in range(6):
            widget.repaint()
    # 6 frames in one ~0.3 s interval (timers are late on a busy machine, never early)
    assert 0 < meter.fps <= 6 / 0.25


def test_watches_the_viewport_of_a_plot(qtbot):
    plot = shown(qtbot, pg.PlotWidget())
    meter = FrameRateMeter(plot, interval_ms=10_000)
    assert meter.target is plot.viewport()
    before = meter.frames
    plot.repaint()  # only the frame of the view: not a frame of the plot
    plot.viewport().repaint()
    plot.viewport().repaint()
    assert meter.frames - before == 2


def test_longest_gap_between_frames(qtbot, widget):
    meter = FrameRateMeter(widget, interval_ms=200)
    qtbot.waitSignal(meter.updated, timeout=2000).wait()
    with qtbot.waitSignal(meter.updated, timeout=2000):
        widget.repaint()
        qtbot.wait(60)
        widget.repaint()
    assert meter.frame_ms >= 50


def test_stop_and_start(qtbot, widget):
    meter = FrameRateMeter(widget, interval_ms=50)
    assert meter.active
    with qtbot.waitSignal(meter.updated, timeout=1000) as blocker:
        meter.stop()
    assert blocker.args == [0.0]
    assert not meter.active and meter.fps == 0.0
    before = meter.frames
    widget.repaint()
    assert meter.frames == before  # not watching
    with qtbot.assertNotEmitted(meter.updated, wait=150):
        pass
    meter.start()
    widget.repaint()
    assert meter.frames == before + 1
    with qtbot.waitSignal(meter.updated, timeout=1000):
        pass
    meter.reset()
    assert meter.frames == 0


def test_label_shows_the_rate(qtbot, widget):
    meter = FrameRateMeter(widget, interval_ms=100)
    label = FrameRateLabel(meter)
    qtbot.addWidget(label)
    assert label.text() == "0 fps"
    with qtbot.waitSignal(meter.updated, timeout=2000):
        for _ in range(4):
            widget.repaint()
    assert label.text().startswith(f"{meter.fps:.0f} fps")
    assert label.toolTip()
    meter.stop()
    assert label.text() == "0 fps"


def test_meter_without_a_parent_is_not_leaked_into_paints(qtbot, widget):
    # the filter never consumes paint events: the widget still paints
    painted = []

    class Painted(QWidget):
        def paintEvent(self, event):  # noqa: N802
            painted.append(1)

    w = shown(qtbot, Painted())
    FrameRateMeter(w, w, interval_ms=10_000)
    painted.clear()
    w.repaint()
    assert painted == [1]
