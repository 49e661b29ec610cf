"""One point's gradient dL_i/dW = outer(x_i, p - onehot(y_i)) beside the full-batch dL/dW.

Both are D x C heat maps (rows: features x₁, x₂, …; columns: classes) on a
diverging colour scale symmetric around 0, with the value printed in every
cell. The batch gradient is the mean of all the point gradients (plus the
L2 term 2λW), so comparing the two maps shows how one point pulls on W.

Hovering a cell highlights that gradient entry across the app
(``("point_dW", i, j)`` or ``("dW", i, j)``); the cell of the current
highlight is outlined.
"""

from __future__ import annotations

import numpy as np
from ..qtimport import pg
from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import (
    QBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .. import style
from ..perf import DeferredRefresh
from .notation import class_html, feature_html, feature_text, muted, num
from .widgets import HeatMapItem, PlotLabel, TextLayer, still_plot

SIDE_BY_SIDE_WIDTH = 760  # wider than this, the two maps sit side by side
# Cell text formats, largest first: (font size, significant digits of the largest |value|).
CELL_FORMATS = ((style.PLOT_POINT_SIZE, 3), (style.PLOT_POINT_SIZE - 2, 3), (style.PLOT_POINT_SIZE - 2, 2),
                (style.PLOT_POINT_SIZE - 4, 2))
HEADER_TOP, HEADER_HEIGHT = -0.05, 0.42  # the class swatch row above the matrix (data units)


def diverging_colormap() -> pg.ColorMap:
    """Blue (negative) – white (0) – orange (positive): the app's signed colours."""
    return pg.ColorMap([0.0, 0.5, 1.0], [style.NEGATIVE, QColor("white"), style.POSITIVE])


def cell_text(v: float, decimals: int) -> str:
    """``v`` with fixed decimals and a Unicode minus; −0.00 reads as 0.00."""
    text = f"{v:.{decimals}f}"
    if text.lstrip("-").strip("0.") == "":
        text = f"{0.0:.{decimals}f}"
    return text.replace("-", "\u2212")


def _set_text(label: QLabel, text: str) -> None:
    """setText only when the text changes (a new text may lay the panel out again)."""
    if label.text() != text:
        label.setText(text)


def _text_on(color: QColor) -> QColor:
    lum = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
    return QColor("black") if lum > 120 else QColor("white")


class GradientMap(QWidget):
    """A titled D x C heat map of a gradient with printed values and an outline.

    ``values`` is the matrix shown (None when nothing is shown);
    ``texts[i][j]`` prints ``values[i, j]``; ``level`` is the colour scale's
    half-width. Emits ``cell_hovered((i, j))`` and ``cell_hovered(None)``.
    """

    cell_hovered = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.values: np.ndarray | None = None
        self.level = 1.0
        self.texts: list[list[PlotLabel]] = []
        self.header_texts: list[PlotLabel] = []
        self._shape = (0, 0)
        self._row_names: tuple = ()
        self._hovered = None
        self.cell_format: tuple[int, int] | None = None  # (font size, decimals) of the cells
        self.colormap = diverging_colormap()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.title = QLabel()
        self.title.setTextFormat(Qt.RichText)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignCenter)

        self.plot, item, self.view = still_plot(light=True)
        item.layout.setContentsMargins(2, 2, 8, 2)
        item.hideAxis("bottom")
        self.view.invertY(True)  # row 0 at the top, like a matrix
        self.view.enableAutoRange(enable=False)
        self.plot.setMinimumHeight(90)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

        self.image = HeatMapItem(self.colormap)
        self.plot.addItem(self.image)
        self.header = HeatMapItem()
        self.plot.addItem(self.header)
        self.text_layer = TextLayer().add_to(self.plot, z=5)  # cell values and class headers
        self.outline = pg.PlotCurveItem()
        self.outline.setZValue(10)
        self.plot.addItem(self.outline, ignoreBounds=True)
        self.outline.setVisible(False)

        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)

        self.view.sigResized.connect(self._on_view_resized)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.plot.installEventFilter(self)
        self.apply_style()

    # ------------------------------------------------------------ geometry
    def cell_at(self, point) -> tuple[int, int] | None:
        """(row i, column j) of the matrix cell under a view point, or None."""
        rows, cols = self._shape
        x, y = point.x(), point.y()
        if not (0.5 <= x < cols + 0.5 and 0.5 <= y < rows + 0.5):
            return None
        return int(round(y)) - 1, int(round(x)) - 1

    def cell_center_in_widget(self, i: int, j: int):
        """Where cell (i, j) is drawn, in ``self.plot`` (viewport) coordinates (for tests)."""
        scene_pos = self.view.mapViewToScene(pg.Point(j + 1.0, i + 1.0))
        return self.plot.mapFromScene(scene_pos)

    # --------------------------------------------------------------- events
    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if obj is self.plot and event.type() == QEvent.Leave:
            self._set_hovered(None)
        return False

    def _on_mouse_moved(self, scene_pos) -> None:
        cell = self.cell_at(self.view.mapSceneToView(scene_pos)) if self.values is not None else None
        self._set_hovered(cell)
        if cell is not None:
            i, j = cell
            tip = f"{self._row_names[i]}, {style.class_name(j)}: {num(self.values[i, j], 6)}"
        else:
            tip = ""
        if self.plot.toolTip() != tip:
            self.plot.setToolTip(tip)

    def _set_hovered(self, cell) -> None:
        if cell != self._hovered:
            self._hovered = cell
            self.cell_hovered.emit(cell)

    def _on_view_resized(self, _view=None) -> None:
        self._fit_texts()

    # ------------------------------------------------------------- updating
    def apply_style(self) -> None:
        """Fonts and theme colours (again after ``appearance.changed``)."""
        style.style_plot_widget(self.plot)
        style.style_plot(self.plot.getPlotItem())
        self.title.setFont(style.font(style.BASE_POINT_SIZE))
        self.outline.setPen(pg.mkPen(style.foreground(), width=style.scaled(4)))
        if self._shape != (0, 0):
            rows, cols = self._shape
            self._shape = (0, 0)
            self._rebuild(rows, cols, self._row_names)
            if self.values is not None:
                self.set_values(self.values, self._row_names)

    def _rebuild(self, rows: int, cols: int, row_names) -> None:
        self.text_layer.clear()
        self.cell_format = None
        self.texts = []
        for i in range(rows):
            row = []
            for j in range(cols):
                t = self.text_layer.add("", color=QColor("black"), anchor=(0.5, 0.5))
                t.setPos(j + 1.0, i + 1.0)
                row.append(t)
            self.texts.append(row)
        header = np.zeros((1, cols, 4), dtype=np.uint8)
        self.header_texts = []
        for j in range(cols):
            c = style.class_color(j)
            header[0, j] = (c.red(), c.green(), c.blue(), 255)
            label = style.class_name(j) if cols <= 4 else str(j + 1)
            t = self.text_layer.add(label, color=_text_on(c), anchor=(0.5, 0.5))
            t.setFont(style.font(style.PLOT_POINT_SIZE, bold=True))
            t.setPos(j + 1.0, HEADER_TOP + HEADER_HEIGHT / 2)
            self.header_texts.append(t)
        self.header.setImage(header, autoLevels=False, levels=(0, 255),
                             rect=(0.5, HEADER_TOP, cols, HEADER_HEIGHT))
        self.view.setRange(xRange=(0.5, cols + 0.5), yRange=(HEADER_TOP, rows + 0.5), padding=0.02)
        ticks = [(float(i + 1), feature_text(n)) for i, n in enumerate(row_names)]
        self.plot.getPlotItem().getAxis("left").setTicks([ticks, []])
        self._shape = (rows, cols)
        self._row_names = tuple(feature_text(n) for n in row_names)

    def _decimals(self, significant: int) -> int:
        """Fixed decimals giving the map's largest |value| ``significant`` digits (0.52, 0.013)."""
        return max(0, significant - 1 - int(np.floor(np.log10(self.level))))

    def _choose_cell_format(self):
        """The largest (font size, decimals) whose printed values fit a cell, or None."""
        rows, cols = self._shape
        w, h = self.view.width(), self.view.height()
        values = self.values.ravel()
        for size, significant in CELL_FORMATS:
            decimals = self._decimals(significant)
            if w <= 0 or h <= 0:  # not laid out yet: the largest
                return size, decimals
            metrics = QFontMetrics(style.font(size, bold=True))
            need_w = max(metrics.horizontalAdvance(cell_text(v, decimals)) for v in values) + 6
            if need_w <= w / (cols * 1.04) and metrics.height() <= h / ((rows + 0.55) * 1.04):
                return size, decimals
        return None

    def _fit_texts(self) -> None:
        """Print the values in the cells, as large as the cells allow (hidden if nothing fits)."""
        if self.values is None or not self.texts:
            return
        fmt = self._choose_cell_format()
        if fmt is not None and (self.cell_format is None or fmt[0] != self.cell_format[0]):
            f = style.font(fmt[0], bold=True)
            for row in self.texts:
                for t in row:
                    t.setFont(f)
        self.cell_format = fmt
        for i, row in enumerate(self.texts):
            for j, t in enumerate(row):
                if fmt is None:
                    t.setVisible(False)
                    continue
                v = self.values[i, j]
                text = cell_text(v, fmt[1])
                color = QColor("white") if abs(v) / self.level > 0.6 else QColor("black")
                if t.toPlainText() != text or t.color != color:
                    t.setText(text, color)
                if not t.isVisible():
                    t.setVisible(True)

    def texts_fit(self) -> bool:
        """Whether the values are printed in the cells (False: too small; hover shows them)."""
        return self.cell_format is not None

    def set_values(self, M: np.ndarray, row_names) -> None:
        """Show the matrix ``M`` (rows: features named ``row_names``; columns: classes)."""
        M = np.asarray(M, dtype=float)
        rows, cols = M.shape
        names = tuple(feature_text(n) for n in row_names)
        rebuilt = (rows, cols) != self._shape or names != self._row_names
        if rebuilt:
            self._rebuild(rows, cols, row_names)
        finite = np.abs(M[np.isfinite(M)])
        self.level = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        self.values = M
        extra = {"rect": (0.5, 0.5, cols, rows)} if rebuilt or self.image.image is None else {}
        self.image.setImage(M, autoLevels=False, levels=(-self.level, self.level), **extra)
        self._fit_texts()

    def set_outline(self, rect) -> None:
        """Outline the cells (i0, j0, i1, j1) inclusive, or nothing (None)."""
        if rect is None or not self._shape[0]:
            self.outline.setVisible(False)
            return
        i0, j0, i1, j1 = rect
        x0, x1 = j0 + 0.5, j1 + 1.5
        y0, y1 = i0 + 0.5, i1 + 1.5
        self.outline.setData([x0, x1, x1, x0, x0], [y0, y0, y1, y1, y0])
        self.outline.setVisible(True)

    def outlined(self):
        """The outlined rectangle (i0, j0, i1, j1), or None (for tests)."""
        if not self.outline.isVisible():
            return None
        x, y = self.outline.getData()
        return (int(round(y[0] - 0.5)), int(round(x[0] - 0.5)),
                int(round(y[2] - 1.5)), int(round(x[1] - 1.5)))


class PointGradientView(QWidget):
    """The selected point's dL_i/dW beside the full-batch dL/dW, as D x C heat maps.

    ``point_map`` and ``batch_map`` are ``GradientMap`` widgets; ``hint`` is
    the label shown instead of the point map when no point is selected.
    """

    HINT = "Click a point to see its gradient"

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self._hover_target = None
        # The two plots are built when the panel is first shown when the main window builds
        # it behind another dock tab (``DeferredRefresh.deferring``): ~20 ms each at start-up.
        self.point_map: GradientMap | None = None
        self.batch_map: GradientMap | None = None
        self.hint = QLabel(self.HINT)
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setWordWrap(True)
        self.point_stack = QStackedWidget()
        self.point_stack.addWidget(self.hint)
        self.batch_hint = QLabel("No points: add points or pick a preset")
        self.batch_hint.setAlignment(Qt.AlignCenter)
        self.batch_hint.setWordWrap(True)
        self.batch_stack = QStackedWidget()
        self.batch_stack.addWidget(self.batch_hint)

        self.maps = QBoxLayout(QBoxLayout.TopToBottom)
        self.maps.setSpacing(10)
        self.maps.addWidget(self.point_stack, 1)
        self.maps.addWidget(self.batch_stack, 1)
        self.caption = QLabel()
        self.caption.setTextFormat(Qt.RichText)
        self.caption.setWordWrap(True)
        self.caption.setAlignment(Qt.AlignCenter)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(self.maps, 1)
        layout.addWidget(self.caption)

        self.updates = DeferredRefresh(self, self._refresh)
        if not DeferredRefresh.deferring_now():
            self._build_maps()

        scene.weights_changed.connect(self._on_weights_changed)
        scene.dataset_changed.connect(self._on_dataset_changed)
        scene.features_changed.connect(self._on_features_changed)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.hyper_changed.connect(self._on_hyper_changed)
        scene.selection_changed.connect(self._on_selection_changed)
        scene.highlight_changed.connect(self._on_highlight_changed)
        scene.metrics_changed.connect(self._on_metrics_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_style()
        self.updates.request()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 560)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        direction = (QBoxLayout.LeftToRight if event.size().width() >= SIDE_BY_SIDE_WIDTH
                     else QBoxLayout.TopToBottom)
        if self.maps.direction() != direction:
            self.maps.setDirection(direction)
        super().resizeEvent(event)

    # ------------------------------------------------------------------ slots
    def _on_weights_changed(self) -> None:
        self.updates.request()

    def _on_dataset_changed(self) -> None:
        self.updates.request()

    def _on_features_changed(self) -> None:
        self.updates.request()

    def _on_classes_changed(self) -> None:
        self.updates.request()

    def _on_hyper_changed(self) -> None:
        self.updates.request()

    def _on_selection_changed(self) -> None:
        self.updates.request()

    def _on_metrics_changed(self) -> None:
        self.updates.request()

    def _on_highlight_changed(self) -> None:
        self._show_highlight()

    def _on_appearance_changed(self) -> None:
        self._apply_style()
        if self.point_map is not None:
            self.point_map.apply_style()
            self.batch_map.apply_style()
            self.updates.run()

    def _build_maps(self) -> None:
        """The two heat maps (once)."""
        if self.point_map is not None:
            return
        self.point_map = GradientMap()
        self.batch_map = GradientMap()
        self.point_stack.addWidget(self.point_map)
        self.batch_stack.addWidget(self.batch_map)
        self.point_map.cell_hovered.connect(self._on_point_cell_hovered)
        self.batch_map.cell_hovered.connect(self._on_batch_cell_hovered)

    def _on_point_cell_hovered(self, cell) -> None:
        self._hover(None if cell is None else ("point_dW", *cell))

    def _on_batch_cell_hovered(self, cell) -> None:
        self._hover(None if cell is None else ("dW", *cell))

    # ------------------------------------------------------------- updating
    def _hover(self, target) -> None:
        """Set the scene's highlight from a hovered cell; clear only our own highlight."""
        if target is None:
            self.scene.release_highlight(self._hover_target)
        else:
            self.scene.set_highlight(target)
        self._hover_target = target

    def _apply_style(self) -> None:
        self.hint.setFont(style.font(style.TITLE_POINT_SIZE, bold=True))
        self.batch_hint.setFont(style.font(style.TITLE_POINT_SIZE, bold=True))
        self.caption.setFont(style.font(style.BASE_POINT_SIZE - 1))
        fg = style.foreground().name()
        self.hint.setStyleSheet(f"color: {fg}; border: 2px dashed {style.faint().name()};")

    def _refresh(self) -> None:
        self._build_maps()
        s = self.scene
        names = s.feature_names
        svm = s.loss == "svm"
        i = s.selected
        grad = None
        if i is not None:
            try:
                grad = s.point_gradient()
            except ValueError as exc:
                self.hint.setText(f"Point {i + 1}: {exc}")
        if grad is None:
            if i is None:
                _set_text(self.hint, self.HINT)
            self.point_map.values = None
            if self.point_stack.currentWidget() is not self.hint:
                self.point_stack.setCurrentWidget(self.hint)
        else:
            y = int(s.y[i])
            self.point_map.set_values(grad[0], names)
            g = "g<sub>i</sub>" if svm else "(p<sub>i</sub> − onehot(y<sub>i</sub>))"
            _set_text(self.point_map.title,
                      f"<b>point {i + 1}</b> ({class_html(y)}): "
                      f"∂L<sub>i</sub>/∂W = x<sub>i</sub> {g}<sup>T</sup>")
            if self.point_stack.currentWidget() is not self.point_map:
                self.point_stack.setCurrentWidget(self.point_map)
        m = s.metrics()  # the latest full-batch evaluation (a few steps back while training)
        terms = m.terms
        if terms is not None and terms.dW.shape != s.W.shape:
            terms = None
        if terms is None:
            self.batch_map.values = None
            self.batch_stack.setCurrentWidget(self.batch_hint)
        else:
            self.batch_map.set_values(terms.dW, names)
            reg = f" + 2λW <span style='color:{muted()}'>(λ = {s.reg:g})</span>" if s.reg else ""
            g = "g<sub>i</sub>" if svm else "(p<sub>i</sub> − y<sub>i</sub>)"
            _set_text(
                self.batch_map.title,
                f"<b>all {s.n_points} points</b>: ∂L/∂W = "
                f"<sup>1</sup>/<sub>N</sub> Σ<sub>i</sub> x<sub>i</sub> {g}<sup>T</sup>{reg}"
                + (f" <span style='color:{muted()}'>(step {m.step})</span>" if m.step != s.step else ""))
            self.batch_stack.setCurrentWidget(self.batch_map)
        rows = ", ".join(feature_html(n) for n in names)
        entry = ("x<sub>d</sub> · g<sub>j</sub> (hinge subgradient)" if svm
                 else "x<sub>d</sub> · (p<sub>j</sub> − [j = y])")
        _set_text(
            self.caption,
            f"Rows: features {rows}; columns: classes. Entry [d, j] = {entry}. "
            f"<b style='color:{style.NEGATIVE.name()}'>blue</b> &lt; 0 &lt; "
            f"<b style='color:{style.POSITIVE.name()}'>orange</b>; each map is scaled to its "
            "largest |value|. Hover a cell to highlight it everywhere.")
        self._show_highlight()

    def _show_highlight(self) -> None:
        """Outline the highlighted quantity's cell(s) in the map(s) that show it."""
        if self.point_map is None:
            return  # (not built yet: the first refresh shows it)
        h = self.scene.highlight
        point_rect = batch_rect = None
        rows = len(self.scene.feature_names)
        cols = self.scene.n_classes
        if h is not None:
            kind, idx = h[0], h[1:]
            if kind == "point_dW" and len(idx) == 2:
                point_rect = (idx[0], idx[1], idx[0], idx[1])
            elif kind == "dW" and len(idx) == 2:
                batch_rect = (idx[0], idx[1], idx[0], idx[1])
            elif kind == "W" and len(idx) == 2:  # the gradient of W[i, j] in both maps
                point_rect = batch_rect = (idx[0], idx[1], idx[0], idx[1])
            elif kind == "x" and len(idx) == 1:  # feature d scales the whole row
                point_rect = (idx[0], 0, idx[0], cols - 1)
            elif kind == "grad" and len(idx) == 1:  # dL/ds_j scales the whole column
                point_rect = (0, idx[0], rows - 1, idx[0])

        def valid(r):
            return r is not None and 0 <= r[0] <= r[2] < rows and 0 <= r[1] <= r[3] < cols

        self.point_map.set_outline(point_rect if valid(point_rect) and self.point_map.values is not None
                                   else None)
        self.batch_map.set_outline(batch_rect if valid(batch_rect) and self.batch_map.values is not None
                                   else None)
