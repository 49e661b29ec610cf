"""Gradient check: the analytic dL/dW, dL/db against central finite differences.

``engine.gradient_check`` perturbs every entry of W and b by ±h and compares
the slope of the loss with the analytic gradient. The relative error
``||analytic − numeric|| / (||analytic|| + ||numeric||)`` is tiny (~1e−9)
when the gradient code is right and large when it is wrong.

A check costs 2·(D·C + C) loss evaluations over all points. "Check now"
runs one on demand; "Live" re-runs it (throttled by a single-shot timer)
when the weights, points or hyper-parameters change. With many points a
check runs on a random sample of them, sized so that it stays within a time
budget (a few frames when live), and the view says so: the sample's loss
is still a function whose gradient must agree with its finite differences.
A hidden panel (closed, or behind another dock tab) runs no live checks; it
checks once it is shown again (``updates``, a ``perf.DeferredRefresh``).
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import engine, style
from ..perf import DeferredRefresh
from .notation import feature_text, num, sci

TOLERANCE = 1e-6  # relative error below this: the gradients agree
LIVE_BUDGET_S = 0.03  # a live check should fit in about two frames
NOW_BUDGET_S = 0.4  # "Check now" may take a little longer, never seconds
LIVE_MIN_INTERVAL_MS = 200  # at most five live checks a second
LIVE_DUTY = 5  # and at most ~1/(LIVE_DUTY + 1) of the time
MIN_SAMPLE = 50
DIGITS = 4  # significant digits of the table (the |diff| column shows the disagreement)
EVAL_OVERHEAD_S = 5e-5  # the fixed cost of one loss evaluation, whatever the number of points
GOOD = "#007a33"  # on the light theme
BAD = "#c00000"
DARK_THEME_COLORS = {GOOD: "#5ad28a", BAD: "#ff7070", "#b06000": "#ffb347"}


def _themed(color: str) -> str:
    return color if style.appearance.theme == "light" else DARK_THEME_COLORS[color]


class GradientCheckView(QWidget):
    """Analytic vs numeric gradient of the scene's loss, with a verdict and a table.

    ``result`` is the last ``engine.GradientCheck`` (None before one ran or
    without points), ``n_checked`` how many points it used, ``stale`` whether
    the scene changed since. ``check_now()`` runs a check; ``live_box`` makes
    it follow the scene (``live_timer`` throttles it).
    """

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.result: engine.GradientCheck | None = None
        self.n_checked = 0
        self.stale = True
        self.last_seconds = 0.0
        self._seconds_per_point_eval: float | None = None  # measured
        self._sample_key = None
        self._sample: np.ndarray | None = None

        self.check_button = QPushButton("Check now")
        self.check_button.setToolTip("Compare the analytic gradient with central finite differences "
                                     "(L(θ + h) − L(θ − h)) / 2h of every weight and bias")
        self.live_box = QCheckBox("Live")
        self.live_box.setToolTip("Check again whenever the weights, points or hyper-parameters change "
                                 "(throttled so that training stays smooth)")
        buttons = QHBoxLayout()
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.live_box)
        buttons.addStretch(1)

        self.verdict = QLabel()
        self.verdict.setTextFormat(Qt.RichText)
        self.verdict.setWordWrap(True)
        self.max_error = QLabel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.RichText)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["entry", "analytic", "numeric", "|diff|"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)  # at most ~80 rows
        header.setStretchLastSection(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.verdict)
        layout.addWidget(self.max_error)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)

        self.live_timer = QTimer(self)
        self.live_timer.setSingleShot(True)
        self.live_timer.setInterval(LIVE_MIN_INTERVAL_MS)

        self._checked_once = False
        self.updates = DeferredRefresh(self, self._refresh)

        self.check_button.clicked.connect(self._on_check_clicked)
        self.live_box.toggled.connect(self._on_live_toggled)
        self.live_timer.timeout.connect(self._on_live_timeout)
        scene.weights_changed.connect(self._on_weights_changed)
        scene.dataset_changed.connect(self._on_dataset_changed)
        scene.features_changed.connect(self._on_features_changed)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.hyper_changed.connect(self._on_hyper_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_style()
        self.updates.request()  # the first check (when the panel is first seen)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 480)

    # --------------------------------------------------------------- public
    def check_now(self, budget_s: float = NOW_BUDGET_S) -> None:
        """Run the gradient check on the current scene (or a sample within ``budget_s``)."""
        self.live_timer.stop()
        self._checked_once = True
        s = self.scene
        if s.n_points == 0:
            self.result = None
            self.n_checked = 0
            self.stale = False
            self.verdict.setText("<b>No points</b>: add points or pick a preset to check the gradient")
            self.max_error.setText("")
            self.status.setText("")
            self.table.setRowCount(0)
            return
        Z, y = s.Z, s.y
        n = self._sample_size(budget_s)
        if n < s.n_points:
            idx = self._sample_indices(n)
            Z, y = Z[idx], y[idx]
        t0 = time.perf_counter()
        try:
            result = engine.gradient_check(s.W, s.b, Z, y, reg=s.reg, loss=s.loss)
        except ValueError as exc:
            self.result = None
            self.stale = False
            self.verdict.setText(f"<b>Cannot check</b>: {exc}")
            self.max_error.setText("")
            self.status.setText("")
            self.table.setRowCount(0)
            return
        self.last_seconds = time.perf_counter() - t0
        per_eval = self.last_seconds / self._evaluations() - EVAL_OVERHEAD_S
        if n >= 1000 and per_eval > 0:  # small checks measure mostly the overhead
            self._seconds_per_point_eval = per_eval / n
        self.result = result
        self.result_features = tuple(self.scene.feature_names)  # the rows of result.dW
        self.n_checked = n
        self.stale = False
        self._show(result)

    def agrees(self) -> bool | None:
        return None if self.result is None else bool(self.result.relative_error < TOLERANCE)

    # ------------------------------------------------------------------ slots
    def _on_check_clicked(self) -> None:
        self.check_now()

    def _on_live_toggled(self, on: bool) -> None:
        if on:
            self.check_now(LIVE_BUDGET_S)
        else:
            self.live_timer.stop()
            self._show_status()

    def _on_live_timeout(self) -> None:
        if not self.isVisible():  # a closed dock: showEvent restarts the timer
            return
        if self.updates.hidden():  # behind another dock tab: check when its tab is chosen
            self.updates.request()
            return
        self.check_now(LIVE_BUDGET_S)
        # Keep the checks to a small share of the UI thread's time.
        self.live_timer.setInterval(max(LIVE_MIN_INTERVAL_MS, round(LIVE_DUTY * 1000 * self.last_seconds)))

    def _on_weights_changed(self) -> None:
        self._scene_changed()

    def _on_dataset_changed(self) -> None:
        self._sample_key = None
        self._scene_changed()

    def _on_features_changed(self) -> None:
        self._scene_changed()

    def _on_classes_changed(self) -> None:
        self._scene_changed()

    def _on_hyper_changed(self) -> None:
        self._scene_changed()

    def _on_appearance_changed(self) -> None:
        self._apply_style()
        if self.result is not None:
            self._show(self.result)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self.live_box.isChecked() and self.stale and not self.live_timer.isActive():
            self.live_timer.start()

    # ------------------------------------------------------------- internals
    def _refresh(self) -> None:
        """The first check, or (Live) a throttled check of a scene that changed."""
        if not self._checked_once:
            self.check_now(LIVE_BUDGET_S)
        elif self.live_box.isChecked() and self.stale and not self.live_timer.isActive():
            self.live_timer.start()

    def _scene_changed(self) -> None:
        if not self.stale:
            self.stale = True
            self._show_status()
        if self.live_box.isChecked() and not self.live_timer.isActive():
            self.updates.request()  # starts the live timer, unless the panel is hidden

    def _evaluations(self) -> int:
        D, C = self.scene.W.shape
        return 2 * (D * C + C) + 1

    def _sample_size(self, budget_s: float) -> int:
        """How many points a check within ``budget_s`` can use (all, when they fit)."""
        N = self.scene.n_points
        per = self._seconds_per_point_eval
        if per is None:  # not measured yet: a conservative guess (~0.1 µs per point and class)
            per = 1e-7 * self.scene.n_classes
        n = int((budget_s / self._evaluations() - EVAL_OVERHEAD_S) / per)
        return N if n >= N else max(min(MIN_SAMPLE, N), n)

    def _sample_indices(self, n: int) -> np.ndarray:
        """A fixed random sample of ``n`` points (the same one until the points change)."""
        key = (self.scene.n_points, n)
        if self._sample_key != key:
            rng = np.random.default_rng(0)
            self._sample = np.sort(rng.choice(self.scene.n_points, n, replace=False))
            self._sample_key = key
        return self._sample

    def _apply_style(self) -> None:
        self.verdict.setFont(style.font(style.TITLE_POINT_SIZE + 2, bold=True))
        self.max_error.setFont(style.font(style.BASE_POINT_SIZE + 1))
        self.status.setFont(style.font(style.BASE_POINT_SIZE - 1))
        self.table.setFont(style.font(style.BASE_POINT_SIZE - 1))
        self.table.horizontalHeader().setFont(style.font(style.BASE_POINT_SIZE - 1, bold=True))
        self.check_button.setFont(style.font(style.BASE_POINT_SIZE, bold=True))
        self.live_box.setFont(style.font(style.BASE_POINT_SIZE))

    def _show(self, r: engine.GradientCheck) -> None:
        ok = r.relative_error < TOLERANCE
        color = _themed(GOOD if ok else BAD)
        word = "✓ agrees" if ok else "✗ disagrees"
        self.verdict.setText(f"<span style='color:{color}'>relative error {sci(r.relative_error)} "
                             f"{word}</span>")
        self.max_error.setText(f"max abs error {sci(r.max_abs_error)}")
        self._show_status()
        names = [feature_text(n) for n in self.result_features]
        D, C = r.dW.shape
        labels = [f"W[{names[d]},{k + 1}]" for d in range(D) for k in range(C)]
        labels += [f"b[{k + 1}]" for k in range(C)]
        a = np.concatenate([r.dW.ravel(), r.db.ravel()])
        nu = np.concatenate([r.dW_numeric.ravel(), r.db_numeric.ravel()])
        diff = np.abs(a - nu)
        scale = np.abs(a) + np.abs(nu)
        rows = len(labels)
        if self.table.rowCount() != rows:
            self.table.setRowCount(rows)
        fg = style.foreground()
        for row, (label, av, nv, dv, sc) in enumerate(zip(labels, a, nu, diff, scale)):
            bad = dv > TOLERANCE * sc + 1e-9
            values = (label, num(av, DIGITS), num(nv, DIGITS), sci(dv))
            for col, text in enumerate(values):
                item = self.table.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment((Qt.AlignLeft if col == 0 else Qt.AlignRight) | Qt.AlignVCenter)
                    self.table.setItem(row, col, item)
                if item.text() != text:
                    item.setText(text)
                if col == 3:
                    item.setForeground(QColor(_themed(BAD)) if bad else fg)

    def _show_status(self) -> None:
        s = self.scene
        if self.result is None:
            return
        D, C = self.result.dW.shape
        parts = [f"{self.n_checked:,} points · {D * C + C} parameters · "
                 f"{2 * (D * C + C)} loss evaluations · {self.last_seconds * 1000:.0f} ms"]
        if self.n_checked < s.n_points:
            parts.append(f"<b>checked on a random sample of {self.n_checked:,} of {s.n_points:,} "
                         "points</b> so that the window stays responsive (the sample's loss has "
                         "its own gradient, checked the same way)")
        if s.loss == "svm":
            parts.append("the hinge has kinks: a point exactly on a margin makes finite "
                         "differences disagree there")
        if self.stale:
            hint = "tick Live or press Check now" if not self.live_box.isChecked() else "updating…"
            parts.append(f"<span style='color:{_themed('#b06000')}'>the scene changed since this "
                         f"check: {hint}</span>")
        self.status.setText("<br>".join(parts))
