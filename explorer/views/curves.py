"""Training curves: data loss, L2 penalty and total loss, and accuracy, against SGD step.

The plot items are created once; ``history_changed`` (a new point, a cleared
or truncated history) hands the scene's history columns to ``setData``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from .. import style

# Colour AND dash pattern tell the three loss curves apart (also in grey print).
DATA_PEN = pg.mkPen("#0072B2", width=style.LINE_WIDTH, style=Qt.DashLine)
REG_PEN = pg.mkPen("#CC79A7", width=style.LINE_WIDTH, style=Qt.DotLine)
TOTAL_PEN = pg.mkPen("#000000", width=style.LINE_WIDTH)
ACC_PEN = pg.mkPen("#009E73", width=style.LINE_WIDTH)

EMPTY_HINT = "Press Play (Space) or Step (S)\nto record the curves"


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

        self.legend = pg.LegendItem(colCount=3, labelTextSize=f"{style.PLOT_POINT_SIZE}pt",
                                    labelTextColor="k", frame=False, horSpacing=14)
        self.graphics.addItem(self.legend, row=0, col=0)

        self.loss_plot = self.graphics.addPlot(row=1, col=0)
        style.style_plot(self.loss_plot, left="loss")
        self.loss_plot.getAxis("bottom").setStyle(showValues=False)

        self.acc_plot = self.graphics.addPlot(row=2, col=0)
        style.style_plot(self.acc_plot, left="accuracy (%)", bottom="SGD step")
        # A reference line at 100 % instead of a grid: grid lines of a plot whose range
        # changes every frame cost as much as the curves and leave stale segments behind.
        self.acc_plot.addItem(pg.InfiniteLine(pos=100, angle=0, movable=False,
                                              pen=pg.mkPen("#999999", width=1,
                                                           style=Qt.DashLine)))
        self.acc_plot.setXLink(self.loss_plot)
        self.acc_plot.setYRange(0, 100, padding=0.15)  # room for the "0" and "100" labels
        self.acc_plot.setMouseEnabled(x=True, y=False)
        self.acc_plot.getAxis("left").setTicks([[(v, str(v)) for v in (0, 50, 100)]])
        for plot in (self.loss_plot, self.acc_plot):
            plot.getAxis("left").setWidth(72)  # the same in both plots: x axes line up
            for name in ("left", "bottom"):
                axis = plot.getAxis(name)
                axis.enableAutoSIPrefix(False)  # no "loss (x0.001)"
                axis.setStyle(maxTickLevel=0)  # major ticks only: calmer on a projector
        self.graphics.ci.layout.setRowStretchFactor(1, 3)
        self.graphics.ci.layout.setRowStretchFactor(2, 2)

        self.data_curve = self._curve(self.loss_plot, DATA_PEN)
        self.reg_curve = self._curve(self.loss_plot, REG_PEN)
        self.total_curve = self._curve(self.loss_plot, TOTAL_PEN)
        self.acc_curve = self._curve(self.acc_plot, ACC_PEN)
        # Total beneath, the dashed terms on top: where data loss = total both stay visible.
        self.total_curve.setZValue(0)
        self.data_curve.setZValue(1)
        self.reg_curve.setZValue(2)
        self.acc_curve.setSkipFiniteCheck(False)  # accuracy is NaN while there are no points
        self.legend.addItem(self.data_curve, "data loss")
        self.legend.addItem(self.reg_curve, "L2 penalty")
        self.legend.addItem(self.total_curve, "total")

        self.hint = pg.TextItem(EMPTY_HINT, color="#555555", anchor=(0.5, 0.5))
        self.hint.setFont(style.font(style.PLOT_POINT_SIZE))
        self.hint.setParentItem(self.loss_plot.getViewBox())
        self.loss_plot.getViewBox().sigResized.connect(self._place_hint)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)

        self.scene.history_changed.connect(self._on_history_changed)
        self._on_history_changed()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        return QSize(440, 380)  # the right dock's natural size; the plots stretch

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

    def _on_history_changed(self) -> None:
        h = self.scene.history
        # Copies: the history's buffer is reused in place (cleared, thinned out).
        step = np.array(h.column("step"))
        self.data_curve.setData(step, np.array(h.column("data_loss")))
        self.reg_curve.setData(step, np.array(h.column("reg_loss")))
        self.total_curve.setData(step, np.array(h.column("total_loss")))
        self.acc_curve.setData(step, 100.0 * h.column("accuracy"), connect="finite")
        self.hint.setVisible(len(h) == 0)
