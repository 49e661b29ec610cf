"""The softmax Jacobian dp/ds = diag(p) - p p^T of the score lab's score vector, as a heat map.

Row i, column j holds dp_i/ds_j: p_i (1 - p_i) on the diagonal (raising s_i
raises p_i) and -p_i p_j off it (raising s_j lowers every other probability).
Every entry lies in [-0.25, 0.25], so the colour scale is fixed at ±0.25 and
colours can be compared across edits.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from .. import style

J_LIMIT = 0.25  # |dp_i/ds_j| <= 1/4 for every score vector


def diverging_colormap() -> pg.ColorMap:
    """Blue (negative) – white (0) – orange-red (positive), the app's signed colours."""
    return pg.ColorMap([0.0, 0.5, 1.0], [style.NEGATIVE, QColor("white"), style.POSITIVE])


def cell_text(v: float, decimals: int, short: bool = False) -> str:
    """``v`` with fixed decimals and a Unicode minus; ``short`` drops the leading zero (−.05)."""
    text = f"{v:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":  # -0.000 reads as 0
        text = f"{0.0:.{decimals}f}"
    if short:
        text = text.replace("0.", ".", 1)
    return text.replace("-", "\u2212")


class JacobianView(QWidget):
    """A C x C heat map of dp_i/ds_j with the value printed in every cell.

    When the cells are too small for their numbers (many classes, a small
    panel) the numbers are hidden; hovering a cell still shows its value.
    """

    CAPTION = ("diagonal  p<sub>i</sub>(1 − p<sub>i</sub>) &gt; 0 · "
               "off-diagonal  −p<sub>i</sub> p<sub>j</sub> &lt; 0 · rows sum to 0")
    CAPTION_SMALL = " · <i>hover a cell for its value</i>"
    PLOT_TIP = ("Row i, column j: how fast p_i changes when s_j grows (∂p_i/∂s_j). "
                "Colour scale ±0.25, the largest possible value.")

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self._n = 0
        self._text_size = (0, 0)  # pixels a cell's printed value needs
        self.texts: list[list[pg.TextItem]] = []  # texts[i][j] prints J[i, j]
        self.colormap = diverging_colormap()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)

        self.plot = pg.PlotWidget()
        item = self.plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        style.style_plot(item, left="∂p<sub>i</sub>", bottom="∂s<sub>j</sub>")
        item.layout.setContentsMargins(2, 2, 8, 2)
        self.view = item.getViewBox()
        self.view.setMouseEnabled(x=False, y=False)
        self.view.setMenuEnabled(False)
        self.view.invertY(True)  # row 0 at the top, like a matrix
        self.view.enableAutoRange(enable=False)
        self.plot.setMinimumHeight(130)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.plot.setToolTip(self.PLOT_TIP)

        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setColorMap(self.colormap)
        self.plot.addItem(self.image)

        self.caption = QLabel(self.CAPTION)
        self.caption.setTextFormat(Qt.RichText)
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignCenter)
        self.caption.setToolTip(
            "Raising s_i raises p_i by p_i(1 − p_i) and lowers every other p_j by p_i p_j: "
            "the probabilities always sum to 1")

        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)

        self.view.sigResized.connect(self._on_view_resized)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        scene.scores_changed.connect(self._on_scores_changed)
        scene.weights_changed.connect(self._on_weights_changed)
        scene.dataset_changed.connect(self._on_dataset_changed)
        scene.selection_changed.connect(self._on_selection_changed)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.features_changed.connect(self._on_features_changed)

        self._refresh()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 240)

    # ------------------------------------------------------------------ slots
    def _on_scores_changed(self) -> None:
        self._refresh()

    def _on_weights_changed(self) -> None:
        if self.scene.selected is not None:
            self._refresh()

    def _on_dataset_changed(self) -> None:
        if self.scene.selected is not None:
            self._refresh()

    def _on_features_changed(self) -> None:
        if self.scene.selected is not None:
            self._refresh()

    def _on_selection_changed(self) -> None:
        self._refresh()

    def _on_classes_changed(self) -> None:
        self._refresh()

    def _on_view_resized(self, _view=None) -> None:
        self._update_text_visibility()

    def _on_mouse_moved(self, scene_pos) -> None:
        """Tooltip of the hovered cell: its formula and value."""
        cell = self.cell_at(self.view.mapSceneToView(scene_pos))
        if cell is None:
            tip = self.PLOT_TIP
        else:
            i, j = cell
            J = self.scene.lab_jacobian()
            formula = (f"p{i + 1}(1 − p{i + 1})" if i == j else f"−p{i + 1}·p{j + 1}")
            tip = f"∂p{i + 1}/∂s{j + 1} = {formula} = {J[i, j]:.6g}".replace("-", "\u2212")
        if self.plot.toolTip() != tip:
            self.plot.setToolTip(tip)

    def cell_at(self, point) -> tuple[int, int] | None:
        """(row i, column j) of the cell under a view point, or None."""
        n = self._n
        x, y = point.x(), point.y()
        if not (0.5 <= x < n + 0.5 and 0.5 <= y < n + 0.5):
            return None
        return int(round(y)) - 1, int(round(x)) - 1

    # ------------------------------------------------------------- updating
    def _rebuild(self, n: int) -> None:
        for row in self.texts:
            for t in row:
                self.plot.removeItem(t)
        size = style.PLOT_POINT_SIZE if n <= 4 else (style.PLOT_POINT_SIZE - 2 if n <= 6 else 10)
        f = style.font(size, bold=True)
        metrics = QFontMetrics(f)
        self._text_size = (metrics.horizontalAdvance(cell_text(-0.25, *self._text_format(n))) + 4,
                           metrics.height())
        self.texts = []
        for i in range(n):
            row = []
            for j in range(n):
                t = pg.TextItem("", color=QColor("black"), anchor=(0.5, 0.5))
                t.setFont(f)
                t.setPos(j + 1.0, i + 1.0)
                self.plot.addItem(t, ignoreBounds=True)
                row.append(t)
            self.texts.append(row)
        self.view.setRange(xRange=(0.5, n + 0.5), yRange=(0.5, n + 0.5), padding=0.02)
        self._n = n
        self._update_text_visibility()

    @staticmethod
    def _text_format(n: int) -> tuple[int, bool]:
        """(decimals, short) of the cell texts for ``n`` classes."""
        return (3 if n <= 4 else 2), n >= 7

    def texts_fit(self) -> bool:
        """Whether a cell is large enough (on screen) for its printed value."""
        if not self._n:
            return False
        w, h = self.view.width(), self.view.height()
        if w <= 0 or h <= 0:  # not laid out yet
            return True
        cell_w, cell_h = w / (self._n + 0.04 * self._n), h / (self._n + 0.04 * self._n)
        return cell_w >= self._text_size[0] and cell_h >= self._text_size[1]

    def _update_ticks(self) -> None:
        """Label every row and column, or every k-th when the cells are too small for that."""
        n = self._n
        metrics = QFontMetrics(style.font(style.PLOT_POINT_SIZE))
        w, h = self.view.width(), self.view.height()
        for name, cell, need in (("bottom", w / n if w > 0 else 100.0, metrics.horizontalAdvance("10") + 6),
                                 ("left", h / n if h > 0 else 100.0, metrics.height())):
            step = max(1, int(np.ceil(need / max(cell, 1.0))))
            ticks = [(float(k + 1), str(k + 1)) for k in range(0, n, step)]
            minor = [(float(k + 1), "") for k in range(n) if k % step]
            self.plot.getPlotItem().getAxis(name).setTicks([ticks, minor])

    def _update_text_visibility(self) -> None:
        self._update_ticks()
        fit = self.texts_fit()
        for row in self.texts:
            for t in row:
                if t.isVisible() != fit:
                    t.setVisible(fit)
        self.caption.setText(self.CAPTION if fit else self.CAPTION + self.CAPTION_SMALL)

    def _refresh(self) -> None:
        J = np.asarray(self.scene.lab_jacobian(), dtype=float)
        n = J.shape[0]
        rebuilt = n != self._n
        if rebuilt:
            self._rebuild(n)
        # The rect can only be set with an image: cell (i, j) is centred on (j + 1, i + 1).
        extra = {"rect": (0.5, 0.5, n, n)} if rebuilt else {}
        self.image.setImage(J, autoLevels=False, levels=(-J_LIMIT, J_LIMIT), **extra)
        decimals, short = self._text_format(n)
        for i in range(n):
            for j in range(n):
                v = J[i, j]
                t = self.texts[i][j]
                dark = abs(v) / J_LIMIT > 0.6
                t.setText(cell_text(v, decimals, short), QColor("white") if dark else QColor("black"))
