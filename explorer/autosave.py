"""Autosave: the scene is written to the user data directory shortly after every edit.

A single-shot timer starts at the first change and saves when it fires, so
the file is never more than ``delay_ms`` (plus the write) behind the last
edit, even during a continuous stream of edits. While training runs, saves
are spaced by ``training_interval_ms`` to keep the frame rate. The file is
removed when the window closes cleanly (saved or explicitly discarded), so
its presence at start-up means the last session ended without that.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from . import paths, scene_io


class Autosaver(QObject):
    saved = Signal(str)
    failed = Signal(str)

    def __init__(self, scene, view_options=None, path: Path | None = None, delay_ms: int = 500,
                 training_interval_ms: int = 5000, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.path = Path(path) if path is not None else paths.autosave_path()
        self._view_options = view_options or (lambda: {})
        self.delay_ms = delay_ms
        self.training_interval_ms = training_interval_ms
        self.training = False
        self.enabled = True
        self._last_save = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.save_now)
        for signal in (scene.dataset_changed, scene.weights_changed, scene.scores_changed,
                       scene.hyper_changed, scene.classes_changed, scene.features_changed):
            signal.connect(self._on_scene_changed)

    @property
    def pending(self) -> bool:
        return self._timer.isActive()

    def _on_scene_changed(self) -> None:
        if not self.enabled or self._timer.isActive():
            return
        delay = self.delay_ms
        if self.training:
            since = (time.monotonic() - self._last_save) * 1000
            delay = max(delay, int(self.training_interval_ms - since))
        self._timer.start(max(0, delay))

    def save_now(self) -> bool:
        self._timer.stop()
        try:
            scene_io.save_scene(self.path, self.scene.data, self._view_options())
        except (OSError, ValueError) as exc:
            self.failed.emit(f"Autosave failed: {exc}")
            return False
        self._last_save = time.monotonic()
        self.saved.emit(str(self.path))
        return True

    def discard(self) -> None:
        """Stop pending saves and remove the file (after a clean close)."""
        self._timer.stop()
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.failed.emit(f"Could not remove the autosave file: {exc}")

    def exists(self) -> bool:
        return self.path.is_file()
