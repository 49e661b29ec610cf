"""Where the app keeps its files: autosave, preferences, logs.

``SOFTMAX_EXPLORER_DATA_DIR`` overrides the location (tests use it so they
never touch the user's real files); otherwise Qt's per-user application data
directory is used (e.g. ``~/.local/share/Softmax Explorer`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "SOFTMAX_EXPLORER_DATA_DIR"


def data_dir() -> Path:
    """The per-user data directory (created if missing)."""
    override = os.environ.get(ENV_VAR)
    if override:
        path = Path(override)
    else:
        from PySide6.QtCore import QStandardPaths

        location = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
        path = Path(location) if location else Path.home() / ".softmax-explorer"
    path.mkdir(parents=True, exist_ok=True)
    return path


def autosave_path() -> Path:
    return data_dir() / "autosave.json"


def settings_path() -> Path:
    return data_dir() / "settings.ini"


def log_dir() -> Path:
    path = data_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def examples_dir() -> Path:
    """The sample scenes shipped in ``assets/scenes`` of the source tree."""
    return Path(__file__).resolve().parent.parent / "assets" / "scenes"
