"""The softmax Jacobian dp/ds = (diag(p) - p p^T) / T of the score lab's score vector, as a heat map.

Row i, column j holds dp_i/ds_j: p_i (1 - p_i) on the diagonal (raising s_i
raises p_i) and -p_i p_j off it (raising s_j lowers every other probability),
both divided by the lab's temperature T. Every entry lies in [-0.25/T, 0.25/T],
so the colour scale is fixed at ±0.25/T and colours can be compared across edits.

Hovering a cell asks every view to emphasise ("jacobian", i, j); the view
outlines the cell of that highlight, the row of ("prob", i) and the column
of ("score", j).
"""

from __future__ import annotations

import math

import numpy as np
from ..qtimport import pg
from PySide6.QtCore import QEvent, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QGraphicsRectItem, QSizePolicy, QVBoxLayout, QWidget

from .. import style
from ..perf import DeferredRefresh
from .score_lab import WrapLabel, highlight_pen
from .widgets import HeatMapItem, PlotLabel, TextLayer, still_plot

J_LIMIT = 0.25  # |dp_i/ds_j| <= 1/4 for every score vector (at T = 1)
MIN_PLOT_HEIGHT = 90  # pixels at scale 1


def diverging_colormap() -> pg.ColorMap:
    """Blue (negative) – white (0; the background on the dark theme) – orange-red (positive)."""
    middle = QColor("white") if style.appearance.theme == "light" else style.background()
    return pg.ColorMap([0.0, 0.5, 1.0], [style.NEGATIVE, middle, style.POSITIVE])


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
                "Colour scale ±0.25/T, the largest possible value.")

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self._n = 0
        self._T = 1.0  # the temperature the texts are formatted for
        self._text_size = (0, 0)  # pixels a cell's printed value needs
        self._hovered = None  # the cell whose highlight this view set
        self._highlight = None  # what the outline shows: ("cell", i, j), ("row", i), ("col", j)
        self.texts: list[list[PlotLabel]] = []  # texts[i][j] prints J[i, j]
        self.colormap = diverging_colormap()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)

        self.plot, item, self.view = still_plot(light=True)
        item.layout.setContentsMargins(2, 2, 8, 2)
        self.view.invertY(True)  # row 0 at the top, like a matrix
        self.view.enableAutoRange(enable=False)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.plot.setToolTip(self.PLOT_TIP)

        self.image = HeatMapItem(self.colormap)
        self.plot.addItem(self.image)
        self.text_layer = TextLayer().add_to(self.plot, z=10)  # the cell values

        # The highlight outline (a cell, a row or a column), over the texts.
        self.highlight_rect = QGraphicsRectItem(QRectF(0.5, 0.5, 1.0, 1.0))
        self.highlight_rect.setZValue(30)
        self.highlight_rect.setVisible(False)
        self.plot.addItem(self.highlight_rect, ignoreBounds=True)

        self.caption = WrapLabel(self.CAPTION)
        self.caption.setTextFormat(Qt.RichText)
        self.caption.setAlignment(Qt.AlignCenter)
        self.caption.setToolTip(
            "Raising s_i raises p_i by p_i(1 − p_i) and lowers every other p_j by p_i p_j: "
            "the probabilities always sum to 1")

        layout.addWidget(self.plot, 1)
        layout.addWidget(self.caption)

        self.updates = DeferredRefresh(self, self._refresh)

        self.view.sigResized.connect(self._on_view_resized)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.viewport().installEventFilter(self)
        scene.lab_changed.connect(self.updates.request)
        scene.highlight_changed.connect(self._on_highlight_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_appearance()
        self.updates.request()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 240)

    # ------------------------------------------------------------------ slots
    def _on_highlight_changed(self) -> None:
        self._update_highlight()

    def _on_view_resized(self, _view=None) -> None:
        self._update_text_visibility()

    def _on_appearance_changed(self) -> None:
        """Re-apply fonts, theme colours and line widths to the existing items."""
        self._apply_appearance()
        self._apply_text_font()
        self.updates.run()
        self._update_text_visibility()
        self._fit_caption()

    def _on_mouse_moved(self, scene_pos) -> None:
        """Tooltip of the hovered cell (its formula and value), and the cross-view highlight."""
        cell = self.cell_at(self.view.mapSceneToView(scene_pos))
        if cell is None:
            tip = self.PLOT_TIP
        else:
            i, j = cell
            J = self.scene.lab_jacobian()
            formula = (f"p{i + 1}(1 − p{i + 1})" if i == j else f"−p{i + 1}·p{j + 1}")
            if self.scene.temperature != 1.0:
                formula = f"({formula}) / T"
            tip = f"∂p{i + 1}/∂s{j + 1} = {formula} = {J[i, j]:.6g}".replace("-", "\u2212")
        if self.plot.toolTip() != tip:
            self.plot.setToolTip(tip)
        self._hover(cell)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Leave and obj is self.plot.viewport():
            self._hover(None)
        return super().eventFilter(obj, event)

    def _hover(self, cell) -> None:
        """Highlight ("jacobian", i, j) while a cell is hovered; clear our own on leaving."""
        if cell == self._hovered:
            return
        self._hovered = cell
        if cell is not None:
            self.scene.set_highlight(("jacobian", *cell))
        elif self.scene.highlight is not None and self.scene.highlight[0] == "jacobian":
            self.scene.set_highlight(None)

    def cell_at(self, point) -> tuple[int, int] | None:
        """(row i, column j) of the cell under a view point, or None."""
        n = self._n
        x, y = point.x(), point.y()
        if not (0.5 <= x < n + 0.5 and 0.5 <= y < n + 0.5):
            return None
        return int(round(y)) - 1, int(round(x)) - 1

    def highlighted(self):
        """What the outline shows: ("cell", i, j), ("row", i), ("col", j), or None."""
        return self._highlight

    # ------------------------------------------------------------- updating
    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_caption()

    def _fit_caption(self) -> None:
        """Hide the caption when the dock is too short for it and a readable matrix."""
        room = self.height() - self.caption.sizeHint().height()
        show = room >= style.scaled(MIN_PLOT_HEIGHT + 60)
        if self.caption.isHidden() == show:
            self.caption.setVisible(show)

    def _apply_appearance(self) -> None:
        self.setFont(style.font())
        self.plot.setMinimumHeight(round(style.scaled(MIN_PLOT_HEIGHT)))
        style.style_plot_widget(self.plot)
        style.style_plot(self.plot.getPlotItem(), left="∂p<sub>i</sub>", bottom="∂s<sub>j</sub>")
        self.colormap = diverging_colormap()
        self.image.setColorMap(self.colormap)
        pen = highlight_pen()
        pen.setCosmetic(True)
        self.highlight_rect.setPen(pen)

    def _text_font(self):
        n = self._n
        size = style.PLOT_POINT_SIZE if n <= 4 else (style.PLOT_POINT_SIZE - 2 if n <= 6 else 10)
        return style.font(size, bold=True)

    def _apply_text_font(self) -> None:
        f = self._text_font()
        for row in self.texts:
            for t in row:
                t.setFont(f)
        self._measure_text()

    def _measure_text(self) -> None:
        metrics = QFontMetrics(self._text_font())
        decimals, short = self._text_format(self._n, self._T)
        sample = cell_text(-J_LIMIT / self._T, decimals, short)
        self._text_size = (metrics.horizontalAdvance(sample) + 4, metrics.height())

    def _rebuild(self, n: int) -> None:
        self.text_layer.clear()
        self._n = n
        f = self._text_font()
        self.texts = []
        for i in range(n):
            row = []
            for j in range(n):
                t = self.text_layer.add("", color=style.foreground(), anchor=(0.5, 0.5))
                t.setFont(f)
                t.setPos(j + 1.0, i + 1.0)
                row.append(t)
            self.texts.append(row)
        self.view.setRange(xRange=(0.5, n + 0.5), yRange=(0.5, n + 0.5), padding=0.02)
        self._measure_text()
        self._update_text_visibility()

    @staticmethod
    def _text_format(n: int, temperature: float = 1.0) -> tuple[int, bool]:
        """(decimals, short) of the cell texts for ``n`` classes at temperature T.

        Entries reach ±0.25/T: the decimals follow that scale (3 at T = 1,
        6 at T = 1000, none at T = 0.001), so every cell has the same width.
        """
        base = 3 if n <= 4 else 2
        shift = math.ceil(math.log10(J_LIMIT / temperature))
        return max(0, base - shift), n >= 7 and shift <= 0

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

    def _caption(self) -> str:
        text = self.CAPTION
        if self._T != 1.0:
            text += f" · all ÷ T = {style.format_number(self._T, 4)}"
        return text

    def _update_text_visibility(self) -> None:
        self._update_ticks()
        fit = self.texts_fit()
        for row in self.texts:
            for t in row:
                if t.isVisible() != fit:
                    t.setVisible(fit)
        text = self._caption() if fit else self._caption() + self.CAPTION_SMALL
        if self.caption.text() != text:
            self.caption.setText(text)

    def _refresh(self) -> None:
        J = np.asarray(self.scene.lab_jacobian(), dtype=float)
        T = self.scene.temperature
        n = J.shape[0]
        rebuilt = n != self._n
        if rebuilt:
            self._rebuild(n)
        if T != self._T:
            self._T = T
            self._measure_text()
            self._update_text_visibility()
        limit = J_LIMIT / T
        # The rect can only be set with an image: cell (i, j) is centred on (j + 1, i + 1).
        extra = {"rect": (0.5, 0.5, n, n)} if rebuilt else {}
        self.image.setImage(J, autoLevels=False, levels=(-limit, limit), **extra)
        decimals, short = self._text_format(n, T)
        fg = style.foreground()
        white = QColor("white")
        for i in range(n):
            for j in range(n):
                v = J[i, j]
                t = self.texts[i][j]
                dark = abs(v) / limit > 0.6
                t.setText(cell_text(v, decimals, short), white if dark else fg)
        self._update_highlight()

    def _update_highlight(self) -> None:
        """Outline the highlighted cell, or the row of p_i / the column of s_j."""
        target = self.scene.highlight
        n = self._n
        shown = None
        if target is not None:
            kind, idx = target[0], target[1:]
            if kind == "jacobian" and all(0 <= k < n for k in idx):
                shown = ("cell", idx[0], idx[1])
            elif kind == "prob" and 0 <= idx[0] < n:
                shown = ("row", idx[0])
            elif kind == "score" and 0 <= idx[0] < n:
                shown = ("col", idx[0])
        self._highlight = shown
        if shown is None:
            self.highlight_rect.setVisible(False)
            return
        if shown[0] == "cell":
            rect = QRectF(shown[2] + 0.5, shown[1] + 0.5, 1.0, 1.0)
        elif shown[0] == "row":
            rect = QRectF(0.5, shown[1] + 0.5, n, 1.0)
        else:
            rect = QRectF(shown[1] + 0.5, 0.5, 1.0, n)
        self.highlight_rect.setRect(rect)
        self.highlight_rect.setVisible(True)
