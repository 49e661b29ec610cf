"""Training curves: data loss, L2 penalty and total loss, and accuracy, against SGD step.

The plot items are created once; ``history_changed`` (a new point, a cleared
or truncated history) hands the scene's history columns to ``setData``, and
``style.appearance.changed`` re-applies fonts, line widths and theme colours.

While training runs the curves redraw at ~5 Hz (``updates``, a
``perf.DeferredRefresh``; four antialiased, dashed curves are the costliest
redraw of the app, ~9 ms), and not at all while the panel is hidden. The axes
grow in steps of "nice" bounds (…, 100, 150, 200, 300, 400, 500, 600, 800,
1000, …; the loss axis from 0) rather than with every new point: a range that
changes with every point makes pyqtgraph lay the axis text out and clip the
curves again each time (and a jumping axis is hard to read). A pan or zoom by
the user stops that until the "A" button (auto range) is pressed; with a
logarithmic loss axis pyqtgraph's own auto range is used.
"""

from __future__ import annotations

import math

import numpy as np
from ..qtimport import pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import style
from ..perf import DeferredRefresh
from .widgets import cache_drawing

# Colour AND dash pattern tell the three loss curves apart (also in grey print).
# (light theme, dark theme) colours; the total loss takes the theme's text colour.
DATA_COLORS = ("#0072B2", "#56B4E9")
REG_COLORS = ("#CC79A7", "#E8A3CB")
ACC_COLORS = ("#009E73", "#2FD0A0")

EMPTY_HINT = "Press Play (Space) or Step (S)\nto record the curves"
ACC_LABEL, ACC_LABEL_SHORT = "accuracy (%)", "acc. %"
TRAINING_REFRESH_MS = 200  # the curves redraw at most ~5 times a second while training runs
NICE_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """The smallest "nice" number (1, 1.5, 2, 3, 4, 5, 6 or 8 times a power of ten) >= ``value``;
    1 for anything not positive (or not finite)."""
    if not (value > 0 and math.isfinite(value)):
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    for k in NICE_STEPS:
        if k * scale >= value * (1 - 1e-12):
            return k * scale
    return 10.0 * scale


def nice_bound(step: float) -> float:
    """The step axis's upper end for a last step ``step``: ``nice_ceiling``, at least 10."""
    return max(10.0, nice_ceiling(step))


def tick_step(top: float, intervals: int = 3) -> float:
    """The smallest 1, 2 or 5 times a power of ten that cuts [0, ``top``] into at most
    ``intervals`` steps: a short loss axis then prints 3 or 4 readable labels, not 6."""
    if not (top > 0 and math.isfinite(top)):
        return 1.0
    want = top / intervals
    scale = 10.0 ** math.floor(math.log10(want))
    for k in (1.0, 2.0, 5.0, 10.0):
        if k * scale >= want * (1 - 1e-12):
            return k * scale
    return 10.0 * scale


def _themed(colors) -> QColor:
    return QColor(colors[1] if style.appearance.theme == "dark" else colors[0])


def data_pen():
    return pg.mkPen(_themed(DATA_COLORS), width=style.scaled(style.LINE_WIDTH), style=Qt.DashLine)


def reg_pen():
    return pg.mkPen(_themed(REG_COLORS), width=style.scaled(style.LINE_WIDTH), style=Qt.DotLine)


def total_pen():
    return pg.mkPen(style.foreground(), width=style.scaled(style.LINE_WIDTH))


def acc_pen():
    return pg.mkPen(_themed(ACC_COLORS), width=style.scaled(style.LINE_WIDTH))


def _muted() -> QColor:
    fg, bg = style.foreground(), style.background()
    return QColor(*(round(0.6 * a + 0.4 * b) for a, b in
                    ((fg.red(), bg.red()), (fg.green(), bg.green()), (fg.blue(), bg.blue()))))


class CurvesView(QWidget):
    """Loss terms (top) and training accuracy in % (bottom) against the SGD step."""

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setToolTip("Full-batch losses and accuracy recorded after every "
                                 "training frame. Drag to pan, wheel to zoom, "
                                 "right-click for options (e.g. log scale).")
        self.graphics.ci.setContentsMargins(2, 2, 6, 2)
        self.graphics.ci.setSpacing(0)

        self.legend = pg.LegendItem(colCount=3, frame=False, horSpacing=14)
        self.graphics.addItem(self.legend, row=0, col=0)

        self.loss_plot = self.graphics.addPlot(row=1, col=0)
        self.loss_plot.getAxis("bottom").setStyle(showValues=False)

        self.loss_vb = self.loss_plot.getViewBox()
        # The axes follow the curves in nice steps (``_fit_ranges``), not pyqtgraph's
        # auto range; a pan or zoom by the user stops that until the "A" button brings it back.
        self.loss_vb.enableAutoRange(x=False, y=False)
        self.follow_steps = True
        self._step_bound = None
        self._loss_bound = None

        self.acc_plot = self.graphics.addPlot(row=2, col=0)
        # A reference line at 100 % instead of a grid: grid lines of a plot whose range
        # changes every frame cost as much as the curves and leave stale segments behind.
        self.full_line = pg.InfiniteLine(pos=100, angle=0, movable=False)
        self.acc_plot.addItem(self.full_line)
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.setYRange(0, 100, padding=0.15)  # room for the "0" and "100" labels
        self.acc_plot.setMouseEnabled(x=True, y=False)
        self.acc_plot.getViewBox().enableAutoRange(x=False)  # linked to the loss plot's steps
        self.acc_plot.getAxis("left").setTicks([[(v, str(v)) for v in (0, 50, 100)]])
        for plot in (self.loss_plot, self.acc_plot):
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.enableAutoSIPrefix(False)  # no "loss (x0.001)"
                axis.setStyle(maxTickLevel=0)  # major ticks only: calmer on a projector
        # The legend and the axes change seldom (the ranges move in nice steps): blit them.
        cache_drawing(self.legend, *(plot.getAxis(name) for plot in (self.loss_plot, self.acc_plot)
                                     for name in ("left", "bottom")))
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)

        self.data_curve = self._curve(self.loss_plot, data_pen())
        self.reg_curve = self._curve(self.loss_plot, reg_pen())
        self.total_curve = self._curve(self.loss_plot, total_pen())
        self.acc_curve = self._curve(self.acc_plot, acc_pen())
        # Total beneath, the dashed terms on top: where data loss = total both stay visible.
        self.total_curve.setZValue(0)
        self.data_curve.setZValue(1)
        self.reg_curve.setZValue(2)
        self.acc_curve.setSkipFiniteCheck(False)  # accuracy is NaN while there are no points
        self.legend.addItem(self.data_curve, "data loss")
        self.legend.addItem(self.reg_curve, "L2 penalty")
        self.legend.addItem(self.total_curve, "total")

        self.hint = pg.TextItem(EMPTY_HINT, anchor=(0.5, 0.5))
        self.hint.setParentItem(self.loss_plot.getViewBox())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

        self.updates = DeferredRefresh(self, self._refresh, interval_ms=TRAINING_REFRESH_MS)

        self.loss_plot.getViewBox().sigResized.connect(self._place_hint)
        self.acc_plot.getViewBox().sigResized.connect(self._fit_layout)
        self.loss_vb.sigRangeChangedManually.connect(self._on_range_changed_manually)
        self.acc_plot.getViewBox().sigRangeChangedManually.connect(self._on_range_changed_manually)
        self.scene.history_changed.connect(self._on_history_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._on_appearance_changed()
        self.updates.request()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(440, 380)  # the right dock's natural size; the plots stretch

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt name
        # two plots, their axes and the legend, readable: below this, the dock scrolls
        # (PanelScroll) rather than squeezing them into a strip
        return QSize(round(style.scaled(200)), round(style.scaled(200)))

    @staticmethod
    def _curve(plot: pg.PlotItem, pen) -> pg.PlotDataItem:
        curve = plot.plot([], [], pen=pen)
        # Cheap with 20k points: draw only what is visible, decimated to the pixels.
        curve.setClipToView(True)
        curve.setDownsampling(auto=True, method="peak")
        # pyqtgraph keeps ~5 samples per pixel by default; thick antialiased lines then
        # cost ~3x more to paint (measured at 20k points) for no visible difference.
        curve.opts["autoDownsampleFactor"] = 1.0
        curve.setSkipFiniteCheck(True)
        return curve

    def _place_hint(self, *_args) -> None:
        rect = self.loss_plot.getViewBox().boundingRect()
        self.hint.setPos(rect.center())

    def _on_appearance_changed(self) -> None:
        """Fonts, line widths and theme colours of the current ``style.appearance``."""
        style.style_plot_widget(self.graphics)
        style.style_plot(self.loss_plot, left="loss")
        style.style_plot(self.acc_plot, left=self._acc_label(), bottom="SGD step")
        for plot in (self.loss_plot, self.acc_plot):
            plot.getAxis("left").setWidth(round(style.scaled(72)))  # the same in both: x axes line up
        self.data_curve.setPen(data_pen())
        self.reg_curve.setPen(reg_pen())
        self.total_curve.setPen(total_pen())
        self.acc_curve.setPen(acc_pen())
        self.full_line.setPen(pg.mkPen(_muted(), width=max(1.0, style.scaled(1)), style=Qt.DashLine))
        fg = style.foreground()
        size = f"{style.point_size(style.PLOT_POINT_SIZE)}pt"
        self.legend.setLabelTextColor(fg)
        self.legend.setLabelTextSize(size)
        for sample, label in self.legend.items:
            label.setText(label.text, color=fg, size=size)
            sample.update()
        self.legend.updateSize()
        self.hint.setFont(style.font(style.PLOT_POINT_SIZE))
        self.hint.setColor(_muted())
        self._fit_layout()

    def _acc_label(self) -> str:
        """The accuracy axis label, shortened when the (short) accuracy plot cannot hold it."""
        metrics = QFontMetrics(style.font(style.PLOT_POINT_SIZE))
        h = self.acc_plot.getViewBox().height()
        fits = h <= 0 or metrics.horizontalAdvance(ACC_LABEL) <= 1.6 * h
        return ACC_LABEL if fits else ACC_LABEL_SHORT

    def _fit_layout(self, *_args) -> None:
        """As many legend columns as the width holds (3, 2 or 1); a short accuracy label
        when the plot is too low for the long one (large fonts, small dock)."""
        metrics = QFontMetrics(style.font(style.PLOT_POINT_SIZE))
        widths = [metrics.horizontalAdvance(label.text) + 20 + 30 for _, label in self.legend.items]
        avail = self.graphics.width() - 12 if self.graphics.width() > 50 else 440
        cols = 1
        for k in (3, 2):
            if sum(sorted(widths)[-k:]) <= avail:
                cols = k
                break
        if self.legend.columnCount != cols:
            self.legend.setColumnCount(cols)
        text = self._acc_label()
        axis = self.acc_plot.getAxis("left")
        if axis.labelText != text:
            axis.setLabel(text)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        self._fit_layout()

    def _on_history_changed(self) -> None:
        self.updates.request()

    def _on_range_changed_manually(self, *_args) -> None:
        """The user panned or zoomed: leave the axes where they put them."""
        self.follow_steps = False
        self._step_bound = self._loss_bound = None
        self.loss_plot.getAxis("left").setTickSpacing()  # (pyqtgraph's ticks for any range)

    def _fit_ranges(self, steps: np.ndarray, total: np.ndarray) -> None:
        """Show steps 0 .. the nice bound above the last one, and losses 0 .. the nice bound
        above the largest (the ranges change only when a curve crosses those bounds)."""
        acc_vb = self.acc_plot.getViewBox()
        if self.loss_vb.autoRangeEnabled()[0] or acc_vb.autoRangeEnabled()[0]:
            # the "A" button or "View all": follow the curves again
            self.loss_vb.enableAutoRange(x=False, y=False)
            acc_vb.enableAutoRange(x=False)
            self.follow_steps = True
            self._step_bound = self._loss_bound = None
        if not self.follow_steps:
            return
        bound = nice_bound(float(steps[-1]) if len(steps) else 0.0)
        if bound != self._step_bound:
            self._step_bound = bound
            self.loss_vb.setXRange(0.0, bound, padding=0.02)
        if self.total_curve.opts.get("logMode", (False, False))[1]:  # log loss axis
            if not self.loss_vb.autoRangeEnabled()[1]:
                self.loss_vb.enableAutoRange(y=True)
                self.loss_plot.getAxis("left").setTickSpacing()
            self._loss_bound = None
            return
        if self.loss_vb.autoRangeEnabled()[1]:
            self.loss_vb.enableAutoRange(y=False)
        finite = total[np.isfinite(total)]
        top = nice_ceiling(float(finite.max()) if finite.size else 0.0)
        if top != self._loss_bound:
            self._loss_bound = top
            self.loss_vb.setYRange(0.0, top, padding=0.04)
            step = tick_step(top)
            self.loss_plot.getAxis("left").setTickSpacing(step, step)

    def _refresh(self) -> None:
        h = self.scene.history
        # Copies: the history's buffer is reused in place (cleared, thinned out).
        step = np.array(h.column("step"))
        self.data_curve.setData(step, np.array(h.column("data_loss")))
        self.reg_curve.setData(step, np.array(h.column("reg_loss")))
        total = np.array(h.column("total_loss"))
        self.total_curve.setData(step, total)
        self.acc_curve.setData(step, 100.0 * h.column("accuracy"), connect="finite")
        self._fit_ranges(step, total)
        self.hint.setVisible(len(h) == 0)
