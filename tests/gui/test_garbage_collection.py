"""Python's cyclic garbage collection runs from the event loop only (``app.GarbageCollector``)."""

import gc
import traceback
import weakref

import pytest
from PySide6.QtCore import QObject

from explorer import app
from explorer.qtimport import pg


class Cycle:
    """Garbage only the cyclic collector frees, holding a QObject as the app's views do."""

    def __init__(self):
        self.me = self
        self.qobject = QObject()


@pytest.fixture
def thresholds():
    """Collection thresholds a test may set; Python's own restored after it."""
    before = gc.get_threshold()
    gc.collect()
    yield gc.set_threshold
    gc.set_threshold(*before)


def test_nothing_is_collected_before_it_is_due(thresholds):
    thresholds(100_000, 10, 10)
    garbage = weakref.ref(Cycle())
    assert app.collect_due_garbage() is None
    assert garbage() is not None
    thresholds(1, 10, 10)
    assert app.collect_due_garbage() == 0
    assert garbage() is None


def test_older_generations_are_collected_when_python_would(thresholds):
    thresholds(1, 0, 10)  # every young collection makes the middle one due
    gc.collect(0)
    garbage = [Cycle() for _ in range(3)]
    gc.collect(0)  # (now in the middle generation: a young collection keeps it)
    kept = weakref.ref(garbage[0])
    del garbage
    assert app.collect_due_garbage() == 1 and kept() is None
    thresholds(1, 0, 0)
    gc.collect(1)  # the oldest generation due as well (a middle collection counted)
    gc.collect(0)  # (and a young one)
    Cycle()
    assert app.collect_due_garbage() == 2


def test_the_app_collects_garbage_from_its_event_loop_only(qtbot, thresholds):
    """Once the window is built the app turns automatic collection off: work inside Qt's
    signal machinery (an item added to a plot: pyqtgraph disconnects signals in Qt's
    connection lock) collects nothing, however much it allocates; the event loop's timer
    then collects what is due, QObjects included."""
    collections = []

    def record(phase, info):
        if phase == "start":
            collections.append([f.name for f in traceback.extract_stack()])

    gc.enable()
    app.settle_garbage_collector()
    gc.callbacks.append(record)
    try:
        assert not gc.isenabled()
        assert app._collector.timer.isActive()
        assert app._collector.timer.interval() == app.GC_INTERVAL_MS
        thresholds(1, 10, 10)  # any allocation would collect, were collection automatic
        plot = pg.PlotWidget()
        qtbot.addWidget(plot)
        garbage = weakref.ref(Cycle())
        for _ in range(5):
            plot.addItem(pg.ScatterPlotItem(x=[0.0, 1.0], y=[1.0, 0.0]))
        assert collections == [] and garbage() is not None
        qtbot.waitUntil(lambda: garbage() is None, timeout=3 * app.GC_INTERVAL_MS + 2000)
        assert collections and all("collect_due_garbage" in stack for stack in collections)
    finally:
        gc.callbacks.remove(record)
        app._collector.timer.stop()
        app._collector.deleteLater()
        app._collector = None
        gc.disable()  # (as the test session runs: see tests/conftest.py)
        gc.unfreeze()
