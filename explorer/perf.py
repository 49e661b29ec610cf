"""A live frame-rate readout: frames actually painted per second.

``FrameRateMeter`` counts the paint events a widget receives (for a scroll
area or a graphics view such as a pyqtgraph ``PlotWidget``, those of its
viewport, where the drawing happens) and, about twice a second, publishes
the rate over the interval just ended. It measures what the user sees: a
frame that was computed but never painted does not count, and an idle plot
reads 0 fps.

    meter = FrameRateMeter(window.dataset_view.plot, window)
    label = FrameRateLabel(meter)          # e.g. in the status bar
    meter.updated.connect(...)             # fps, about twice a second
    meter.stop() / meter.start()           # e.g. from View > Show frame rate
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["FrameRateMeter", "FrameRateLabel"]


class FrameRateMeter(QObject):
    """Counts the frames painted by one widget; ``fps`` is updated every ``interval_ms``.

    Parameters
    ----------
    widget : QWidget
        The widget to watch. If it has a ``viewport()`` (QAbstractScrollArea,
        QGraphicsView, pyqtgraph's PlotWidget), the viewport is watched.
    parent : QObject, optional
    interval_ms : int, default 500
        How often ``fps`` is recomputed and ``updated`` emitted.
    active : bool, default True
        Start measuring at once (otherwise call ``start()``).

    Attributes
    ----------
    fps : float
        Frames painted per second over the last interval (0.0 when idle or stopped).
    frame_ms : float
        The longest gap between two consecutive paints in the last interval,
        in milliseconds (0.0 with fewer than two paints): a stutter shows here
        even when the average rate looks fine.
    frames : int
        Paint events counted since the meter was created (or ``reset``).
    """

    updated = Signal(float)  # the new fps

    def __init__(self, widget: QWidget, parent: QObject | None = None, interval_ms: int = 500,
                 active: bool = True):
        super().__init__(parent)
        viewport = getattr(widget, "viewport", None)
        self._target = viewport() if callable(viewport) else widget
        self.fps = 0.0
        self.frame_ms = 0.0
        self.frames = 0
        self._window_frames = 0
        self._window_start = time.perf_counter()
        self._last_paint = None
        self._longest_gap = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self._on_timeout)
        self._active = False
        if active:
            self.start()

    @property
    def target(self) -> QWidget:
        """The widget whose paint events are counted."""
        return self._target

    @property
    def active(self) -> bool:
        return self._active

    def start(self) -> None:
        """Start (or keep) measuring."""
        if self._active:
            return
        self._active = True
        self._window_frames = 0
        self._window_start = time.perf_counter()
        self._last_paint = None
        self._longest_gap = 0.0
        self._target.installEventFilter(self)
        self._timer.start()

    def stop(self) -> None:
        """Stop measuring: no event filter, no timer; ``fps`` reads 0."""
        if not self._active:
            return
        self._active = False
        self._target.removeEventFilter(self)
        self._timer.stop()
        self._publish(0.0, 0.0)

    def reset(self) -> None:
        """Forget every frame counted so far."""
        self.frames = 0
        self._window_frames = 0
        self._window_start = time.perf_counter()
        self._last_paint = None
        self._longest_gap = 0.0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self._target and event.type() == QEvent.Paint:
            now = time.perf_counter()
            if self._last_paint is not None:
                self._longest_gap = max(self._longest_gap, now - self._last_paint)
            self._last_paint = now
            self.frames += 1
            self._window_frames += 1
        return False  # never consume the event: the widget paints as usual

    def _on_timeout(self) -> None:
        now = time.perf_counter()
        elapsed = now - self._window_start
        fps = self._window_frames / elapsed if elapsed > 0 else 0.0
        gap = self._longest_gap if self._window_frames >= 2 else 0.0
        self._window_frames = 0
        self._window_start = now
        self._longest_gap = 0.0
        self._publish(fps, 1000.0 * gap)

    def _publish(self, fps: float, frame_ms: float) -> None:
        self.fps = fps
        self.frame_ms = frame_ms
        self.updated.emit(fps)


class FrameRateLabel(QLabel):
    """A small readout of a ``FrameRateMeter``: "58 fps · worst 21 ms"."""

    def __init__(self, meter: FrameRateMeter, parent: QWidget | None = None):
        super().__init__(parent)
        self.meter = meter
        self.setToolTip("Frames painted per second by the dataset plot, over the last half second, "
                        "and the longest time between two of them. 0 fps: nothing is moving.")
        # wide enough for the longest text, so that the status bar does not jitter
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("000 fps · worst 0000 ms") + 8)
        self.meter.updated.connect(self._on_meter_updated)
        self._on_meter_updated(meter.fps)

    def _on_meter_updated(self, fps: float) -> None:
        text = f"{fps:.0f} fps"
        if self.meter.frame_ms > 0:
            text += f" · worst {self.meter.frame_ms:.0f} ms"
        self.setText(text)
