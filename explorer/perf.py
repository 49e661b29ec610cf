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

``DeferredRefresh`` decides when a view redraws after the scene changed:
now (an edit shows within the frame), at most every ``interval_ms`` while
training runs or the user drags something (a readout nobody can read at
60 Hz; ``interaction`` says when a drag is on), and not at all while the view
cannot be seen (a closed dock, a tab behind another), catching up when it is
shown again.
"""

from __future__ import annotations

import contextlib
import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QWidget

__all__ = ["FrameRateMeter", "FrameRateLabel", "DeferredRefresh", "Interaction", "interaction",
           "TRAINING_REFRESH_MS"]

TRAINING_REFRESH_MS = 100  # secondary views redraw at ~10 Hz while training runs
STAGGER_MS = 12  # ... and never two of them within this interval: one per frame at most


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
        # (``__dict__.get``: Python may clear this object while Qt still sends it events)
        if obj is self.__dict__.get("_target", False) and event.type() == QEvent.Paint:
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


class Interaction(QObject):
    """The drag the user is making that edits the scene continuously (a point, an arrow,
    a score bar or slider, the timeline): while it goes on, every other view redraws at
    ~10 Hz (``DeferredRefresh``), so that the dragged thing keeps up with the mouse; they
    catch up when it ends.

    ``begin(owner)`` and ``end(owner)`` pair up per owner widget; ``ended`` fires when the
    last drag ends. An owner that was deleted or hidden without ``end`` no longer counts.
    """

    ended = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._owners: list = []  # widgets with a drag going on (one entry per begin)

    def _alive(self) -> list:
        alive = []
        for w in self._owners:
            try:
                if w.isVisible():
                    alive.append(w)
            except RuntimeError:  # deleted
                pass
        if len(alive) != len(self._owners):
            self._owners = alive
        return alive

    @property
    def active(self) -> bool:
        return bool(self._owners) and bool(self._alive())

    def owns(self, widget: QWidget) -> bool:
        """Whether the drag going on is made in ``widget`` (or a widget inside it)."""
        for owner in self._alive():
            if owner is widget or widget.isAncestorOf(owner):
                return True
        return False

    def begin(self, owner: QWidget) -> None:
        self._owners.append(owner)

    def end(self, owner: QWidget) -> None:
        for k, w in enumerate(self._owners):
            if w is owner:
                del self._owners[k]
                break
        else:
            return
        if not self._alive():
            self.ended.emit()


interaction = Interaction()  # the application's one


class DeferredRefresh(QObject):
    """When a view runs its ``refresh`` after a change of the scene.

    A view calls ``request()`` from its scene slots instead of redrawing. Then

    * the view cannot be seen (its window is shown, but the view is closed, or
      on a dock tab behind another: Qt moves those off screen): nothing runs;
      the view is marked ``pending`` and refreshes when it is shown again
      (a ``Show`` event, or ``set_shown(True)``, which the main window connects
      to the dock's ``visibilityChanged``);
    * the user drags something in another view (``interaction``), or training runs
      (``follow(trainer)``) and the change did not come from a user edit: the
      refresh runs at most once per ``interval_ms``, from a single-shot timer, and
      never within ``STAGGER_MS`` of another throttled refresh (so that the
      throttled views take turns, one per frame, instead of all redrawing in the
      same frame); when the drag ends or training stops a pending refresh runs at
      once, so the view ends up exactly equal to the scene; ``throttle_when`` (a
      callable) adds a case of the view's own (the dataset plot: an arrow drag over
      many points, for its marker sizes);
    * otherwise it runs now (an edit must show within a frame), or, while the scene
      emits the signals of one edit (``coalescing()``), once after the last of them.

    ``refresh`` takes no arguments and must bring the whole view up to date.
    A view that has not been shown inside a visible window (e.g. a widget
    built on its own) always refreshes at once.

    Attributes
    ----------
    pending : bool
        A refresh is owed (the view shows an older scene).
    refreshes : int
        How many times ``refresh`` ran (for tests and benchmarks).
    """

    _last_throttled = 0.0  # when the last throttled refresh (of any view) ran
    _deferring = 0  # inside ``deferring()``: requests wait for the view to be shown
    _coalescing = 0  # inside ``coalescing()``: immediate refreshes wait for its end
    _coalesced: dict = {}  # the refreshes owed at that end, in the order requested

    @classmethod
    @contextlib.contextmanager
    def coalescing(cls):
        """Run each immediate refresh requested inside the block once, at its end.

        The scene emits one signal per changed group (weights, metrics, ...); a view
        that follows several of them would otherwise redraw once per signal of a
        single edit. Nested blocks flush at the outermost end.
        """
        cls._coalescing += 1
        try:
            yield
        finally:
            cls._coalescing -= 1
            if cls._coalescing == 0:
                owed, cls._coalesced = cls._coalesced, {}
                for refresh in owed:
                    try:
                        if refresh.__dict__.get("pending"):  # (not run meanwhile)
                            refresh.run()
                    except Exception:  # noqa: BLE001 - reported as a slot's error would be
                        # A view's failure must not undo the edit that is being shown (its
                        # undo entry is pushed after the signals), nor stop the other views:
                        # it goes to the exception hook, as an error in a slot does.
                        sys.excepthook(*sys.exc_info())

    @classmethod
    @contextlib.contextmanager
    def deferring(cls):
        """Build views whose first refresh waits until they are shown (or ``set_shown(True)``):
        the main window builds every panel, but only those a layout shows at start-up
        should spend time filling themselves in before the first paint."""
        cls._deferring += 1
        try:
            yield
        finally:
            cls._deferring -= 1

    @classmethod
    def deferring_now(cls) -> bool:
        """Inside ``deferring()``: a view may also leave building costly parts (plots) to
        its first refresh."""
        return cls._deferring > 0

    def __init__(self, widget: QWidget, refresh, interval_ms: int = TRAINING_REFRESH_MS,
                 parent: QObject | None = None, throttle_when=None):
        super().__init__(parent if parent is not None else widget)
        self.widget = widget
        self._refresh = refresh
        self.pending = False
        self.refreshes = 0
        self._trainer = None
        self._urgent = False  # inside a user edit made while training
        self._shown_hint = None  # what the dock last said (None: ask Qt)
        self._interval = int(interval_ms)
        self._throttle_when = throttle_when  # () -> bool: also throttle then (e.g. its own drag)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self._interval)
        self._timer.timeout.connect(self._on_timeout)
        widget.installEventFilter(self)
        interaction.ended.connect(self._on_interaction_ended)

    @property
    def interval_ms(self) -> int:
        return self._interval

    def follow(self, trainer, scene=None) -> None:
        """Throttle while ``trainer`` runs; single edits of ``scene`` (``edit_started``)
        made meanwhile stay immediate."""
        if self._trainer is not None:
            return
        self._trainer = trainer
        trainer.running_changed.connect(self._on_running_changed)
        if scene is not None:
            scene.edit_started.connect(self._on_edit_started)

    def throttled(self) -> bool:
        """Whether a refresh waits for the timer now: the user drags something in another
        view, or training runs (and this is not a user edit made meanwhile)."""
        if interaction.active and not interaction.owns(self.widget):
            return True
        if self._throttle_when is not None and self._throttle_when():
            return True
        return self._trainer is not None and self._trainer.running and not self._urgent

    def hidden(self) -> bool:
        """Whether the view cannot be seen now, while its window is shown."""
        w = self.widget
        window = w.window()
        if window is w or not window.isVisible():
            return False
        if self._shown_hint is not None:  # what its dock said last
            return not self._shown_hint
        return not w.isVisible() or w.visibleRegion().isEmpty()

    def request(self) -> bool:
        """The scene changed: refresh now, later, or when shown. True if it refreshed now."""
        if DeferredRefresh._deferring or self.hidden():
            self.pending = True
            self._timer.stop()
            return False
        if self.throttled():
            self.pending = True
            if not self._timer.isActive():
                self._timer.start(self._interval)
            return False
        if DeferredRefresh._coalescing:
            self.pending = True
            DeferredRefresh._coalesced[self] = None
            return False
        self.run()
        return True

    def run(self) -> None:
        """Refresh now, whatever the state."""
        self._timer.stop()
        self.pending = False
        self.refreshes += 1
        self._refresh()

    def flush(self) -> bool:
        """Refresh now if a refresh is owed; True if it ran."""
        if self.pending:
            self.run()
            return True
        return False

    def set_shown(self, shown: bool) -> None:
        """Its dock says whether the view can be seen (``QDockWidget.visibilityChanged``)."""
        self._shown_hint = bool(shown)
        if shown:
            self._catch_up(shown=True)

    # -- internals -------------------------------------------------------------
    def _catch_up(self, shown: bool = False) -> None:
        """Run a pending refresh (throttled while training) unless the view is hidden;
        ``shown``: it has just been shown (Qt may not have placed it yet)."""
        if not self.pending or (self._shown_hint is False if shown else self.hidden()):
            return
        if self.throttled():
            if not self._timer.isActive():
                self._timer.start(self._interval)
        else:
            self.run()

    def _on_timeout(self) -> None:
        if not self.pending or self.hidden():  # (hidden: it stays pending until shown)
            return
        now = time.perf_counter()
        wait = DeferredRefresh._last_throttled + STAGGER_MS / 1000 - now
        if wait > 0 and self.throttled():  # another view redrew just now: next frame
            self._timer.start(max(1, round(1000 * wait)))
            return
        DeferredRefresh._last_throttled = now
        self.run()

    def _on_running_changed(self, running: bool) -> None:
        if not running:
            self._catch_up()

    def _on_interaction_ended(self) -> None:
        self._catch_up()

    def _on_edit_started(self) -> None:
        if interaction.active:
            return  # a drag: its edits are throttled like training frames
        if self._trainer is not None and self._trainer.running and not self._urgent:
            self._urgent = True
            QTimer.singleShot(0, self._end_edit)

    def _end_edit(self) -> None:
        self._urgent = False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        # (Python may clear this object's attributes while Qt, destroying the view, still
        # sends it events: then there is nothing to do)
        widget = self.__dict__.get("widget")
        if widget is not None and obj is widget and event.type() == QEvent.Show \
                and self.__dict__.get("pending"):
            self._catch_up(shown=True)
        return False
