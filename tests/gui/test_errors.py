"""The global exception hook: no traceback escapes onto the projector.

pytest-qt normally turns an exception inside a Qt slot into a test failure by
installing its own ``sys.excepthook``; these tests switch that off
(``qt_no_exception_capture``) so that the app's own hook receives them, as it
does in the running app.
"""

import re
import subprocess
import sys
import threading
import textwrap

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from explorer import errors

pytestmark = pytest.mark.qt_no_exception_capture


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SOFTMAX_EXPLORER_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def hook(window, data_dir):
    handler = errors.install_exception_hook(lambda: window)
    yield handler
    errors.uninstall_exception_hook(handler)


@pytest.fixture
def bare_hook(qapp, data_dir):
    """The hook without a window (the dialog then has no parent)."""
    handler = errors.install_exception_hook(None)
    yield handler
    errors.uninstall_exception_hook(handler)


def _boom():
    raise RuntimeError("boom from a timer callback")


def _log_text(data_dir) -> str:
    return (data_dir / "logs" / errors.LOG_NAME).read_text(encoding="utf-8")


def _activate(window, qtbot):
    """Back to the main window (the offscreen platform activates every window shown;
    a real window manager honours the dialog's WA_ShowWithoutActivating)."""
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    window.dataset_view.plot.setFocus()


def _wait_dialog(qtbot, handler, count=1):
    qtbot.waitUntil(lambda: handler.dialog is not None and handler.dialog.isVisible()
                    and handler.dialog.count >= count, timeout=3000)
    return handler.dialog


def test_an_exception_in_a_timer_slot_shows_a_non_modal_dialog_and_is_logged(
        window, hook, data_dir, qtbot):
    s = window.scene
    before = s.data
    QTimer.singleShot(0, _boom)
    dialog = _wait_dialog(qtbot, hook)

    # Non-modal: the window stays usable behind it.
    assert not dialog.isModal()
    assert dialog.windowModality() == Qt.NonModal
    assert QApplication.activeModalWidget() is None
    assert dialog.parent() is window
    assert "RuntimeError: boom from a timer callback" in dialog.message_label.text()
    assert "intact" in dialog.note_label.text()
    assert hook.errors == 1

    # The log: a timestamped entry with the traceback, in <data dir>/logs/errors.log.
    log = _log_text(data_dir)
    assert re.search(r"^==== \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", log, re.M)
    assert "Traceback (most recent call last)" in log
    assert "in _boom" in log and "RuntimeError: boom from a timer callback" in log
    assert str(data_dir / "logs" / errors.LOG_NAME) in dialog.log_label.text()

    # The scene is intact and the window keeps working.
    assert s.data is before
    _activate(window, qtbot)
    qtbot.keyClick(window, Qt.Key_S)
    assert s.step == 1
    s.add_point(0.5, -0.5, 1)
    assert s.n_points == before.X.shape[0] + 1
    s.undo()
    assert s.n_points == before.X.shape[0]
    p = np.asarray(window.score_lab.prob_bars.opts["height"], dtype=float)
    assert np.all(np.isfinite(p)) and abs(p.sum() - 1) < 1e-9


def test_copy_details_puts_the_traceback_on_the_clipboard(bare_hook, qtbot):
    QTimer.singleShot(0, _boom)
    dialog = _wait_dialog(qtbot, bare_hook)
    QApplication.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.LeftButton)
    text = QApplication.clipboard().text()
    assert "Traceback (most recent call last)" in text
    assert "in _boom" in text
    assert "RuntimeError: boom from a timer callback" in text
    assert "Python " in text  # versions for a bug report
    qtbot.mouseClick(dialog.details_button, Qt.LeftButton)
    assert dialog.details_edit.isVisible()
    assert "in _boom" in dialog.details_edit.toPlainText()


def test_repeated_errors_update_one_dialog_instead_of_stacking(bare_hook, data_dir, qtbot):
    hook = bare_hook
    for _ in range(3):
        QTimer.singleShot(0, _boom)
    dialog = _wait_dialog(qtbot, hook, count=3)
    assert dialog.count == 3
    assert "3 errors" in dialog.count_label.text()
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, errors.ErrorDialog) and w.isVisible()]
    assert dialogs == [dialog]
    # The same traceback again is one short line in the log, not three copies.
    assert _log_text(data_dir).count("Traceback (most recent call last)") == 1
    # Closing (the Close button, or Escape) starts a fresh count.
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Close), Qt.LeftButton)
    assert not dialog.isVisible()
    QTimer.singleShot(0, _boom)
    again = _wait_dialog(qtbot, hook)
    assert again is dialog and dialog.count == 1
    qtbot.keyClick(dialog, Qt.Key_Escape)
    assert not dialog.isVisible() and dialog.count == 0


def test_an_exception_in_a_view_slot_leaves_the_other_views_and_the_scene_working(
        window, hook, qtbot):
    s = window.scene

    def broken_view_slot():
        raise ValueError("a view failed to redraw")

    s.weights_changed.connect(broken_view_slot)
    try:
        window.dataset_view.plot.setFocus()
        qtbot.keyClick(window, Qt.Key_S)  # Step: the scene emits weights_changed
        dialog = _wait_dialog(qtbot, hook)
    finally:
        s.weights_changed.disconnect(broken_view_slot)
    assert "ValueError: a view failed to redraw" in dialog.message_label.text()
    assert s.step == 1
    wv = window.weights_view
    for i in range(s.W.shape[0]):
        for j in range(s.n_classes):
            assert wv.value_edits[i][j].value() == s.W[i, j]
    _activate(window, qtbot)
    qtbot.keyClick(window, Qt.Key_S)
    assert s.step == 2
    assert hook.errors == 1


def test_an_exception_in_a_worker_thread_reaches_the_dialog(bare_hook, data_dir, qtbot):
    hook = bare_hook

    def work():
        raise OSError("the worker lost its file")

    t = threading.Thread(target=work, name="worker-1")
    t.start()
    t.join()
    dialog = _wait_dialog(qtbot, hook)
    assert "OSError: the worker lost its file" in dialog.message_label.text()
    assert "thread 'worker-1'" in _log_text(data_dir)


def test_the_hook_never_raises(window, data_dir, qtbot, capsys):
    def bad_getter():
        raise RuntimeError("no window")

    (data_dir / "logs").write_text("a file where the log folder should be")
    handler = errors.install_exception_hook(bad_getter)
    try:
        try:
            raise KeyError("first")
        except KeyError:
            sys.excepthook(*sys.exc_info())  # the log cannot be written: still no raise
        dialog = _wait_dialog(qtbot, handler)
        assert dialog.parent() is None  # the getter failed: a parentless dialog
        assert "could not be written" in dialog.log_label.text()
        assert handler.last_log_path is None
        assert "KeyError: 'first'" in capsys.readouterr().err

        # An error raised while the hook is busy (recursion) goes to stderr only.
        handler._busy.on = True
        try:
            handler(ZeroDivisionError, ZeroDivisionError("nested"), None)
        finally:
            handler._busy.on = False
        assert "ZeroDivisionError: nested" in capsys.readouterr().err
        assert handler.errors == 1

        # An exception whose __str__ fails is still reported.
        class Nasty(Exception):
            def __str__(self):
                raise RuntimeError("no str for you")

        handler(Nasty, Nasty(), None)
        assert handler.errors == 2
    finally:
        errors.uninstall_exception_hook(handler)


def test_uninstall_restores_the_previous_hooks(data_dir):
    before_sys, before_thread = sys.excepthook, threading.excepthook
    handler = errors.install_exception_hook(None)
    assert sys.excepthook is handler
    assert threading.excepthook == handler.threading_hook
    # Installing again replaces the first handler, and uninstalling restores the originals.
    second = errors.install_exception_hook(None)
    assert sys.excepthook is second and errors.current_handler() is second
    errors.uninstall_exception_hook()
    assert sys.excepthook is before_sys and threading.excepthook is before_thread
    assert errors.current_handler() is None


def test_the_log_is_rotated_at_its_size_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(errors, "MAX_LOG_BYTES", 4000)
    for k in range(40):
        assert errors.append_log(f"error {k}\n" + "x" * 300, tmp_path) == tmp_path / errors.LOG_NAME
    log = tmp_path / errors.LOG_NAME
    old = tmp_path / (errors.LOG_NAME + ".1")
    assert old.exists()
    assert log.stat().st_size <= 4000 and old.stat().st_size <= 4000
    assert "error 39" in log.read_text()
    # A gigantic message is cut in the middle, not written whole.
    errors.append_log("y" * (10 * errors.MAX_ENTRY_CHARS), tmp_path / "big")
    assert (tmp_path / "big" / errors.LOG_NAME).stat().st_size < 2 * errors.MAX_ENTRY_CHARS


def test_the_hook_works_without_a_qapplication(tmp_path):
    code = textwrap.dedent("""
        import sys
        from explorer import errors
        from PySide6.QtWidgets import QApplication
        assert QApplication.instance() is None
        handler = errors.install_exception_hook(None)
        try:
            raise ValueError("no app yet")
        except ValueError:
            sys.excepthook(*sys.exc_info())
        print("still running", handler.errors)
    """)
    env = {"SOFTMAX_EXPLORER_DATA_DIR": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "still running 1" in result.stdout
    assert "ValueError: no app yet" in result.stderr
    assert "ValueError: no app yet" in (tmp_path / "logs" / errors.LOG_NAME).read_text()
