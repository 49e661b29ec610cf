"""The shape of the loss along s_y: cross-entropy −ln p_y against the multiclass hinge.

With the other scores held at the score lab's current values, both losses
are drawn as functions of the true class's score s_y, and the current s_y
is marked. Cross-entropy never reaches 0 (it keeps pushing s_y up, ever more
gently); the hinge is exactly 0 once s_y beats every other score by the
margin 1. Both curves are computed by the engine
(``per_sample_cross_entropy``, ``per_sample_hinge``) on a batch of score
vectors that differ only in s_y.
"""

from __future__ import annotations

import numpy as np
from ..qtimport import pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from .. import engine, style
from ..perf import DeferredRefresh
from .notation import class_html, num
from .widgets import still_plot

HALF_SPAN = 6.0  # the curve extends this far beyond both s_y and the other scores
MIN_SPAN = 16.0
N_SAMPLES = 401
CE_COLOR = QColor(0x00, 0x72, 0xB2)  # blue, solid
HINGE_COLOR = QColor(0xCC, 0x79, 0xA7)  # reddish purple, dashed
CE_NAME = "cross-entropy −ln p<sub>y</sub>"
HINGE_NAME = "SVM hinge"
HINGE_FORMULA = "Σ<sub>j≠y</sub> max(0, s<sub>j</sub> − s<sub>y</sub> + 1)"


class LossShapeView(QWidget):
    """L(s_y) for cross-entropy and the multiclass hinge, with the current s_y marked.

    ``s_grid`` holds the sampled s_y values (the current s_y exactly among
    them), ``ce_values`` and ``hinge_values`` the losses there; ``current``
    is ``(s_y, cross-entropy, hinge)`` at the lab's scores.
    """

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.s_grid = np.empty(0)
        self.ce_values = np.empty(0)
        self.hinge_values = np.empty(0)
        self.current = (np.nan, np.nan, np.nan)
        self.plot = None  # built by _build_plot (on the first refresh, when the main window
        # builds the panel behind another dock tab: ~25 ms at start-up)

        self.title = QLabel()
        self.title.setTextFormat(Qt.RichText)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignCenter)
        self.readout = QLabel()
        self.readout.setTextFormat(Qt.RichText)
        self.readout.setWordWrap(True)
        self.readout.setAlignment(Qt.AlignCenter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.readout)
        self._layout = layout

        self.updates = DeferredRefresh(self, self._refresh)
        if not DeferredRefresh.deferring_now():
            self._build_plot()

        scene.lab_changed.connect(self.updates.request)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_style()
        self.updates.request()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 340)

    # ------------------------------------------------------------------ slots
    def _on_appearance_changed(self) -> None:
        self._apply_style()
        self.updates.run()

    # ------------------------------------------------------------- updating
    def _build_plot(self) -> None:
        """The plot and its items (once)."""
        if self.plot is not None:
            return
        self.plot, item, self.view = still_plot()
        item.showGrid(x=True, y=True, alpha=0.25)
        self.view.enableAutoRange(enable=False)
        self.plot.setMinimumHeight(80)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

        self.legend = item.addLegend(offset=(-10, 10))
        self.ce_curve = pg.PlotDataItem()
        self.hinge_curve = pg.PlotDataItem()
        self.vline = pg.InfiniteLine(angle=90, movable=False)
        self.ce_dot = pg.ScatterPlotItem()
        self.hinge_dot = pg.ScatterPlotItem()
        self.plot.addItem(self.vline, ignoreBounds=True)
        self.plot.addItem(self.hinge_curve)
        self.plot.addItem(self.ce_curve)
        self.plot.addItem(self.hinge_dot)
        self.plot.addItem(self.ce_dot)
        self._layout.insertWidget(1, self.plot, 1)
        self._apply_style()

    def _apply_style(self) -> None:
        self.title.setFont(style.font(style.BASE_POINT_SIZE))
        self.readout.setFont(style.font(style.BASE_POINT_SIZE + 1))
        if self.plot is None:
            return
        style.style_plot_widget(self.plot)
        item = self.plot.getPlotItem()
        style.style_plot(item, left="loss", bottom="s<sub>y</sub>")
        w = style.scaled(style.LINE_WIDTH)
        self.ce_curve.setPen(pg.mkPen(CE_COLOR, width=w))
        self.hinge_curve.setPen(pg.mkPen(HINGE_COLOR, width=w, style=Qt.DashLine))
        size = style.scaled(style.MARKER_SIZE + 3)
        self.ce_dot.setSymbol("o")
        self.ce_dot.setSize(size)
        self.ce_dot.setPen(pg.mkPen(style.foreground(), width=style.scaled(1.5)))
        self.ce_dot.setBrush(pg.mkBrush(CE_COLOR))
        self.hinge_dot.setSymbol("s")
        self.hinge_dot.setSize(size)
        self.hinge_dot.setPen(pg.mkPen(HINGE_COLOR, width=style.scaled(2.5)))
        self.hinge_dot.setBrush(pg.mkBrush(style.background()))
        self.vline.setPen(pg.mkPen(style.foreground(), width=style.scaled(1.5), style=Qt.DotLine))
        # Re-add the entries: a legend's text size and colour apply to labels it creates.
        self.legend.clear()
        self.legend.setLabelTextSize(f"{style.point_size(style.PLOT_POINT_SIZE - 1)}pt")
        self.legend.setLabelTextColor(style.foreground())
        self.legend.addItem(self.ce_curve, CE_NAME)
        self.legend.addItem(self.hinge_curve, HINGE_NAME)
        self.legend.setBrush(pg.mkBrush(style.background()))
        self.legend.setPen(pg.mkPen(style.faint(), width=1))
        self.legend.setZValue(100)  # above the curves

    def _refresh(self) -> None:
        self._build_plot()
        s = self.scene
        scores = np.asarray(s.lab_scores(), dtype=np.float64)
        y = s.lab_label()
        T = s.temperature
        sy = float(scores[y])
        others = np.delete(scores, y)
        knee = float(others.max())
        lo, hi = min(sy, knee) - HALF_SPAN, max(sy, knee) + HALF_SPAN
        if hi - lo < MIN_SPAN:
            mid = 0.5 * (lo + hi)
            lo, hi = mid - MIN_SPAN / 2, mid + MIN_SPAN / 2
        grid = np.unique(np.append(np.linspace(lo, hi, N_SAMPLES), sy))
        S = np.repeat(scores[None, :], grid.shape[0], axis=0)
        S[:, y] = grid
        labels = np.full(grid.shape[0], y)
        ce = engine.per_sample_cross_entropy(S, labels, T)
        hinge = engine.per_sample_hinge(S, labels)
        k = int(np.searchsorted(grid, sy))
        self.s_grid, self.ce_values, self.hinge_values = grid, ce, hinge
        self.current = (sy, float(ce[k]), float(hinge[k]))

        self.ce_curve.setData(grid, ce)
        self.hinge_curve.setData(grid, hinge)
        self.ce_dot.setData([sy], [ce[k]])
        self.hinge_dot.setData([sy], [hinge[k]])
        self.vline.setValue(sy)
        top = 1.1 * max(float(ce.max()), float(hinge[k]), 1.0)
        self.view.setRange(xRange=(lo, hi), yRange=(-0.04 * top, top), padding=0)

        temp = f"/T, T = {T:g}" if T != 1.0 else ""
        who = f"point {s.selected + 1}" if s.selected is not None else "the free scores"
        self.title.setText(f"Loss of {who} as s<sub>y</sub> moves (y = {class_html(y)}{temp}; "
                           "other scores fixed)")
        hinge_text = HINGE_COLOR.darker(130) if style.appearance.theme == "light" else HINGE_COLOR
        self.readout.setText(
            f"at s<sub>y</sub> = {num(sy)}: "
            f"<b style='color:{CE_COLOR.name()}'>−ln p<sub>y</sub> = {num(ce[k])}</b> · "
            f"<b style='color:{hinge_text.name()}'>hinge {HINGE_FORMULA} = {num(hinge[k])}</b>")
