"""The last line of defence: a global exception hook that keeps the app running.

A projector in front of a lecture hall is the worst place for a traceback.
``install_exception_hook`` replaces ``sys.excepthook`` and
``threading.excepthook`` so that an unexpected exception anywhere (a Qt slot,
a timer callback, a virtual method, a worker thread)

- is written, with a timestamp and version information, to
  ``<data dir>/logs/errors.log`` (rotated at ``MAX_LOG_BYTES``; the data dir is
  ``SOFTMAX_EXPLORER_DATA_DIR`` or Qt's per-user application data directory),
- is echoed to standard error (for whoever started the app from a terminal),
- and shows a NON-modal dialog that says what happened, that the scene is
  intact, and offers "Copy details" (the traceback to the clipboard).

Only one dialog exists at a time: further errors while it is open update its
counter instead of stacking dialogs. The hook never raises: an error inside
the hook itself, a recursive call, a missing ``QApplication`` or a call from
a worker thread all fall back to the log and standard error (worker-thread
errors reach the dialog through a queued signal).

``uninstall_exception_hook`` restores the previous hooks (tests use it).
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import sys
import threading
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication, QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton,
    QStyle, QVBoxLayout,
)

LOG_NAME = "errors.log"
MAX_LOG_BYTES = 1_000_000  # rotate to errors.log.1 beyond this
MAX_ENTRY_CHARS = 50_000  # one traceback in the log (a huge repr is cut in the middle)
MAX_KEPT_DETAILS = 5  # tracebacks the dialog keeps for "Copy details"

_log_lock = threading.Lock()
_current: "ExceptionHandler | None" = None


# ----------------------------------------------------------------------------- logging
def default_log_dir() -> Path:
    """``<data dir>/logs``: ``SOFTMAX_EXPLORER_DATA_DIR`` or Qt's AppDataLocation."""
    try:
        from . import paths

        return Path(paths.log_dir())
    except ImportError:  # pragma: no cover - paths.py is part of the package
        from PySide6.QtCore import QStandardPaths

        override = os.environ.get("SOFTMAX_EXPLORER_DATA_DIR")
        if override:
            base = Path(override)
        else:
            location = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
            base = Path(location) if location else Path.home() / ".softmax-explorer"
        return base / "logs"


def _shorten(text: str, limit: int = MAX_ENTRY_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[... {len(text) - limit} characters left out ...]\n{text[-half:]}"


def version_info() -> str:
    """One line naming the versions that matter for a bug report."""
    parts = []
    try:
        from . import __version__

        parts.append(f"Softmax Explorer {__version__}")
    except Exception:  # noqa: BLE001 - a report line must never fail
        parts.append("Softmax Explorer")
    parts.append(f"Python {platform.python_version()}")
    for name in ("PySide6", "pyqtgraph", "numpy"):
        module = sys.modules.get(name)
        version = getattr(module, "__version__", None)
        if version:
            parts.append(f"{name} {version}")
    parts.append(platform.platform(terse=True))
    return ", ".join(parts)


def append_log(text: str, log_dir: Path | str | None = None) -> Path | None:
    """Append ``text`` (with a timestamped header) to ``errors.log``; return its path.

    Rotates the log to ``errors.log.1`` when it would grow beyond
    ``MAX_LOG_BYTES``. Returns None (never raises) when it cannot be written.
    """
    try:
        folder = Path(log_dir) if log_dir is not None else default_log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / LOG_NAME
        stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        entry = f"==== {stamp} | {version_info()}\n{_shorten(text).rstrip()}\n\n"
        data = entry.encode("utf-8", errors="replace")
        with _log_lock:
            try:
                size = path.stat().st_size
            except OSError:
                size = 0
            if size and size + len(data) > MAX_LOG_BYTES:
                os.replace(path, folder / (LOG_NAME + ".1"))
            with open(path, "ab") as f:
                f.write(data)
        return path
    except Exception:  # noqa: BLE001 - logging must never raise
        return None


def _stderr(text: str) -> None:
    for stream in (sys.stderr, sys.__stderr__):
        try:
            if stream is not None:
                stream.write(text if text.endswith("\n") else text + "\n")
                stream.flush()
                return
        except Exception:  # noqa: BLE001, S112 - try the next stream
            continue


# ------------------------------------------------------------------------------ dialog
class ErrorDialog(QDialog):
    """A non-modal report of an unexpected error: what, how often, and 'Copy details'."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("error_dialog")
        self.setWindowTitle("Softmax Explorer: an internal error")
        self.setModal(False)
        self.setWindowModality(Qt.NonModal)
        # Appear without taking the keyboard: the lecturer's shortcuts (Space, S, ...)
        # keep working in the main window.
        self.setAttribute(Qt.WA_ShowWithoutActivating)
        self.count = 0
        self._details: list[str] = []

        icon = QLabel()
        icon.setPixmap(self.style().standardIcon(QStyle.SP_MessageBoxWarning).pixmap(48, 48))
        icon.setAlignment(Qt.AlignTop)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.note_label = QLabel(
            "<b>Your scene is intact</b> and the app keeps running: carry on, undo (Ctrl+Z) "
            "or save your scene.")
        self.note_label.setWordWrap(True)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        self.count_label.hide()
        self.log_label = QLabel()
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.details_edit = QPlainTextEdit()
        self.details_edit.setReadOnly(True)
        self.details_edit.setLineWrapMode(QPlainTextEdit.NoWrap)
        self.details_edit.setMinimumHeight(180)
        self.details_edit.hide()

        self.buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy details")
        self.copy_button.setToolTip("Put the error's full report (traceback and versions) on the "
                                    "clipboard, e.g. for a bug report")
        self.details_button = QPushButton("Show details")
        self.details_button.setCheckable(True)
        self.close_button = self.buttons.addButton(QDialogButtonBox.Close)
        self.buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        self.buttons.addButton(self.details_button, QDialogButtonBox.ActionRole)

        text = QVBoxLayout()
        text.addWidget(self.message_label)
        text.addWidget(self.note_label)
        text.addWidget(self.count_label)
        text.addWidget(self.log_label)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.details_edit, 1)
        layout.addWidget(self.buttons)

        self.copy_button.clicked.connect(self.copy_details)
        self.details_button.toggled.connect(self._on_details_toggled)
        self.buttons.rejected.connect(self.reject)  # Close (and Escape, and the title bar's x)
        self.finished.connect(self._on_finished)
        self.setMinimumWidth(520)

    def details(self) -> str:
        """The text "Copy details" puts on the clipboard."""
        return ("\n" + "-" * 60 + "\n").join(self._details)

    def add_error(self, summary: str, details: str, log_path: Path | None) -> None:
        """Show one more error (the first one shows the dialog; later ones count)."""
        self.count += 1
        self._details.append(details)
        if len(self._details) > MAX_KEPT_DETAILS:  # keep the first (often the cause) and the latest
            del self._details[1]
        self.message_label.setText(f"Something went wrong inside Softmax Explorer:<br><b>"
                                   f"{_html(summary)}</b>")
        if self.count > 1:
            self.count_label.setText(f"{self.count} errors since this message opened "
                                     "(the latest is shown).")
            self.count_label.show()
        self.log_label.setText(f"The details were written to {_html(str(log_path))}."
                               if log_path is not None else
                               "The details could not be written to the log file.")
        self.details_edit.setPlainText(self.details())
        if not self.isVisible():
            self.show()

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())
        self.copy_button.setText("Copied")

    def _on_details_toggled(self, on: bool) -> None:
        self.details_edit.setVisible(on)
        self.details_button.setText("Hide details" if on else "Show details")
        self.adjustSize()

    def _on_finished(self, _result: int) -> None:
        # Closed: the next error starts a fresh count.
        self.count = 0
        self._details = []
        self.count_label.hide()
        self.copy_button.setText("Copy details")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Bridge(QObject):
    """Carries a report to the GUI thread (queued when emitted from another thread)."""

    report = Signal(str, str, object)


# ----------------------------------------------------------------------------- handler
class ExceptionHandler:
    """``sys.excepthook`` (and ``threading.excepthook``) that logs and reports, never raises.

    ``parent_window_getter`` returns the window the dialog belongs to (or None);
    ``log_dir`` overrides where ``errors.log`` goes (default: ``default_log_dir()``,
    looked up at each error). ``show_dialog=False`` only logs.
    """

    def __init__(self, parent_window_getter=None, log_dir=None, show_dialog: bool = True):
        self.parent_window_getter = parent_window_getter
        self.log_dir = Path(log_dir) if log_dir is not None else None
        self.show_dialog = show_dialog
        self.dialog: ErrorDialog | None = None
        self.errors = 0  # exceptions handled since installation
        self.last_log_path: Path | None = None
        self.previous_excepthook = None
        self.previous_threading_excepthook = None
        self._busy = threading.local()
        self._last_text = None
        self._repeats = 0
        self.installed = False
        self._bridge = _Bridge()
        self._bridge.report.connect(self._show, Qt.QueuedConnection)

    # -- the hooks ---------------------------------------------------------------
    def __call__(self, exc_type, exc_value, exc_tb) -> None:
        self.handle(exc_type, exc_value, exc_tb)

    def threading_hook(self, args) -> None:
        if args.exc_type is SystemExit:
            return
        where = f" in thread {args.thread.name!r}" if args.thread is not None else ""
        self.handle(args.exc_type, args.exc_value, args.exc_traceback, where)

    def handle(self, exc_type, exc_value, exc_tb, where: str = "") -> None:
        """Log and report one exception; never raises."""
        if getattr(self._busy, "on", False):  # an error while handling an error
            self._fallback(exc_type, exc_value, exc_tb)
            return
        self._busy.on = True
        try:
            if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
                # Ctrl+C in the terminal: the user wants to stop, not a bug report.
                self._fallback(exc_type, exc_value, exc_tb)
                app = QApplication.instance()
                if app is not None:
                    app.quit()
                return
            self.errors += 1
            text = "".join(traceback.format_exception(exc_type, exc_value, exc_tb))
            if where:
                text = f"Unhandled exception{where}:\n{text}"
            _stderr(text)
            if text == self._last_text:
                self._repeats += 1
                log_text = f"(the same error again, {self._repeats + 1} times in a row)"
            else:
                self._last_text, self._repeats = text, 0
                log_text = text
            path = append_log(log_text, self.log_dir)
            self.last_log_path = path
            if self.show_dialog and QApplication.instance() is not None:
                summary = _summary(exc_type, exc_value)
                details = f"{version_info()}\n\n{text}"
                self._bridge.report.emit(summary, details, path)  # shown by the event loop
        except BaseException:  # noqa: BLE001 - the hook must never raise
            self._fallback(exc_type, exc_value, exc_tb)
        finally:
            self._busy.on = False

    # -- showing -----------------------------------------------------------------
    def _parent(self):
        if self.parent_window_getter is None:
            return None
        try:
            parent = self.parent_window_getter()
        except Exception:  # noqa: BLE001 - no parent is fine
            return None
        try:
            return parent if parent is not None and parent.isVisible() else None
        except (RuntimeError, AttributeError):  # deleted C++ object, not a widget
            return None

    def _show(self, summary: str, details: str, log_path) -> None:
        if not self.installed or getattr(self._busy, "on", False):
            return
        self._busy.on = True
        try:
            if self.dialog is None or not _alive(self.dialog):
                self.dialog = ErrorDialog(self._parent())
            self.dialog.add_error(summary, details, log_path)
        except BaseException:  # noqa: BLE001 - the hook must never raise
            self._fallback(*sys.exc_info())
        finally:
            self._busy.on = False

    @staticmethod
    def _fallback(exc_type, exc_value, exc_tb) -> None:
        try:
            _stderr("".join(traceback.format_exception(exc_type, exc_value, exc_tb)))
        except BaseException:  # noqa: BLE001, S110 - nothing else can be done
            pass

    # -- installing ------------------------------------------------------------------
    def install(self) -> "ExceptionHandler":
        self.previous_excepthook = sys.excepthook
        self.previous_threading_excepthook = threading.excepthook
        sys.excepthook = self
        threading.excepthook = self.threading_hook
        self.installed = True
        return self

    def uninstall(self) -> None:
        self.installed = False
        if sys.excepthook is self:
            sys.excepthook = self.previous_excepthook or sys.__excepthook__
        if threading.excepthook == self.threading_hook:
            threading.excepthook = self.previous_threading_excepthook or threading.__excepthook__
        if self.dialog is not None and _alive(self.dialog):
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = None


def _alive(widget) -> bool:
    try:
        widget.objectName()
        return True
    except RuntimeError:  # its C++ object was deleted (e.g. with its parent window)
        return False


def _summary(exc_type, exc_value) -> str:
    name = getattr(exc_type, "__name__", str(exc_type))
    try:
        message = str(exc_value)
    except Exception:  # noqa: BLE001 - a broken __str__
        message = ""
    message = message if len(message) <= 300 else message[:300] + "…"
    return f"{name}: {message}" if message else name


def install_exception_hook(parent_window_getter=None, log_dir=None,
                           show_dialog: bool = True) -> ExceptionHandler:
    """Install the global hook (replacing one installed before); returns the handler.

    ``parent_window_getter``: a callable returning the main window (the
    dialog's parent), or None. ``log_dir``: where ``errors.log`` goes (default:
    ``<data dir>/logs``, with ``SOFTMAX_EXPLORER_DATA_DIR`` honoured).
    """
    global _current
    if _current is not None:
        _current.uninstall()
    _current = ExceptionHandler(parent_window_getter, log_dir, show_dialog).install()
    return _current


def uninstall_exception_hook(handler: ExceptionHandler | None = None) -> None:
    """Restore the hooks that were there before ``install_exception_hook``."""
    global _current
    handler = handler or _current
    if handler is None:
        return
    handler.uninstall()
    if handler is _current:
        _current = None


def current_handler() -> ExceptionHandler | None:
    return _current
