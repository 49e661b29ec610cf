"""Fixtures for GUI tests: the app configured as the real one, and a main window."""

import pytest

from explorer.app import configure_pyqtgraph, make_application
from explorer.state import Scene
from explorer.training import Trainer


@pytest.fixture(scope="session")
def qapp_cls():
    from PySide6.QtWidgets import QApplication
    return QApplication


@pytest.fixture(autouse=True)
def _app_configured(qapp):
    make_application()
    configure_pyqtgraph()
    yield


@pytest.fixture(autouse=True)
def _added_widgets_live_until_closed(monkeypatch):
    """``qtbot.addWidget`` keeps the widget alive (and shown) until pytest-qt has closed it.

    pytest-qt holds only a weak reference to it. A view made in a test (``view =
    CurvesView(scene)``) is a top-level widget owned by Python and held in reference
    cycles (its ``DeferredRefresh`` keeps its bound ``_refresh``, pyqtgraph's items keep
    their parents...): once the test function returns it is garbage, still visible, until
    pytest-qt closes it in teardown. The events pytest-qt processes after the test body
    (and again before closing) repaint it; the Python paint code of its plot items
    allocates, a cyclic collection may start right there, and it deletes the widget, its
    QGraphicsScene and items while ``QGraphicsView::paintEvent`` is still drawing them: a
    segmentation fault in ``GraphicsView.paintEvent`` (rarely: it needs a full, generation-2
    collection at that moment). Here the test keeps a strong reference; once pytest-qt has
    closed the widgets and called ``deleteLater`` (its teardown hook runs before fixtures
    are finalized), they are deleted at this safe point, not by a collection later on.
    """
    from pytestqt.qtbot import QtBot
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    kept = []
    add = QtBot.addWidget

    def add_and_keep(self, widget, *args, **kwargs):
        add(self, widget, *args, **kwargs)
        kept.append(widget)

    monkeypatch.setattr(QtBot, "addWidget", add_and_keep)
    yield
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    kept.clear()


@pytest.fixture(autouse=True)
def _fresh_user_data():
    """Each test starts with no autosave, no saved preferences and the default look."""
    from explorer import paths, style

    def reset():
        for p in (paths.autosave_path(), paths.settings_path()):
            p.unlink(missing_ok=True)
        style.appearance.set_scale(1.0)
        style.appearance.set_theme("light")
        style.appearance.set_palette("okabe-ito")
    reset()
    yield
    reset()


@pytest.fixture
def scene(qapp):
    s = Scene(seed=0)
    yield s


@pytest.fixture
def trainer(scene):
    t = Trainer(scene, seed=0)
    yield t
    running = t.running
    t.pause()
    assert not running, "the test left training running"


@pytest.fixture
def window(qtbot):
    from explorer.main_window import MainWindow

    w = MainWindow()
    w.ask_before_closing = False  # no modal "save changes?" when the test closes it
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    running = w.trainer.running
    w.trainer.pause()
    assert not running, "the test left training running"


@pytest.fixture
def passes(monkeypatch):
    """The rows of every pass of the engine over points (``engine.core._fused_pass``: a
    full evaluation, a block of one, a share of one spread over frames), in order."""
    from explorer import engine

    rows = []
    fused = engine.core._fused_pass

    def counting(W, b, X, *args):
        rows.append(X.shape[0])
        return fused(W, b, X, *args)

    monkeypatch.setattr(engine.core, "_fused_pass", counting)
    return rows


@pytest.fixture
def spread(monkeypatch):
    """``spread(scene, block_rows)``: the scene takes its dataset as too large to evaluate
    within a frame (1000 rows per frame), and the engine's passes go by blocks of
    ``block_rows`` rows (at 3 classes)."""
    from explorer import engine

    def apply(scene, block_rows: int) -> None:
        monkeypatch.setattr(engine.core, "_BLOCK_ENTRIES", 3 * block_rows)
        monkeypatch.setattr(engine.core, "_MIN_BLOCK", 3)
        monkeypatch.setattr(type(scene), "EVAL_BUDGET_S", 1e-9)
        monkeypatch.setattr(type(scene), "SPREAD_MIN_POINTS", 0)
        monkeypatch.setattr(scene, "_eval_seconds_per_row", 1.0)
    return apply
