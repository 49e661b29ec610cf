"""The score lab: one score vector s, its softmax p, the loss -ln p_y and dL/ds = p - onehot(y).

Everything shown is read from the scene's ``lab_*`` methods, so the lab shows
the free scores, or (when a data point is selected) that point's scores
``s = W^T x + b``; editing a score then shifts the bias b_j (``Scene.set_score``).

Scores can be edited three ways: typing into a score field, moving its slider,
or dragging a bar of the scores or probabilities chart up and down. A slider
drag or a bar drag is one undo entry.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol

from .. import engine, style
from ..state import MAX_SCORE
from .widgets import NumberEdit, messages

SLIDER_RANGE = 10.0  # the sliders cover [-10, 10]
SLIDER_RESOLUTION = 100  # slider units per score unit: steps of 0.01
BAR_WIDTH = 0.72
P_RANGE = (0.0, 1.05)
GRAD_RANGE = (-1.1, 1.1)
Q_CLAMP = (0.001, 0.999)  # probabilities a bar drag may ask for
SCORE_DRAW_LIMIT = 1e100  # Qt stops drawing bars somewhere above 1e100: taller bars are cut
MAX_VISIBLE_EDITOR_ROWS = 4  # more classes scroll
MIN_CHART_HEIGHT = 110  # pixels; the three charts share what the dock leaves

SCORE_TITLE_FREE = "free scores s  <span style='color:#555'>⇕ drag a bar</span>"
SCORE_TITLE_LINKED = "scores s = Wᵀx + b  <span style='color:#555'>⇕ drag a bar</span>"
PROB_TITLE = "probabilities p = softmax(s)  <span style='color:#555'>⇕ drag</span>"
GRAD_TITLE = "gradient ∂L/∂s = p − onehot(y)"

_drag_ids = itertools.count(1)


def class_icon(j: int, size: int = 22) -> QIcon:
    """The class's marker (colour and shape, as in the dataset plot) as an icon."""
    return QIcon(class_pixmap(j, size))


def class_pixmap(j: int, size: int = 22) -> QPixmap:
    pen = pg.mkPen(QColor(40, 40, 40), width=1.5)
    brush = pg.mkBrush(style.class_color(j))
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.transparent)
    return renderSymbol(style.class_symbol(j), size - 4, pen, brush, device=pixmap)


def text_color_on(color: QColor) -> QColor:
    """Black or white, whichever reads better on ``color``."""
    lum = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
    return QColor("black") if lum > 120 else QColor("white")


def fmt(v: float, digits: int = 4) -> str:
    """``digits`` significant digits, keeping trailing zeros (0.1300), Unicode minus."""
    v = float(v)
    if v == 0:
        return "0" if digits <= 1 else "0." + "0" * (digits - 1)
    text = f"{v:#.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant.rstrip('.')}e{int(exp)}"
    return text.rstrip(".").replace("-", "\u2212")


def fmt_fixed(v: float, decimals: int, signed: bool = False, short: bool = False) -> str:
    """Fixed decimals (0.130), Unicode minus, optional plus sign; ``short`` drops the 0 (.13)."""
    text = f"{v:+.{decimals}f}" if signed else f"{v:.{decimals}f}"
    if text.lstrip("+-").strip("0.") == "":  # -0.000 and +0.000 read as 0.000
        text = f"{0.0:.{decimals}f}"
    if short:
        text = text.replace("0.", ".", 1)
    return text.replace("-", "\u2212")


def bar_value_text(v: float, n: int, signed: bool = False) -> str:
    """A bar's printed value, as compact as ``n`` bars in a narrow chart need."""
    if n <= 5:
        return fmt_fixed(v, 3, signed)
    if n <= 6:
        return fmt_fixed(v, 2, signed)
    return fmt_fixed(v, 2, short=True)


def set_bar_text(item: pg.TextItem, text: str, x: float, y: float, anchor, inside_class) -> None:
    """Update a bar's value text, touching only what changed.

    ``inside_class`` is the class whose bar the text sits inside (its colour
    then picks black or white), or None for black text outside the bar.
    """
    color = QColor("black") if inside_class is None else text_color_on(style.class_color(inside_class))
    if item.toPlainText() != text or item.color != color:
        item.setText(text, color)
    if tuple(item.anchor) != tuple(anchor):
        item.setAnchor(anchor)
    item.setPos(x, y)


class ScoreAxis(pg.AxisItem):
    """Tick labels like the rest of the app (2.5, 1e+09, Unicode minus), no SI prefixes."""

    def __init__(self, orientation: str = "left", **kwargs):
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        return ["0" if abs(v) < 1e-9 * spacing else style.format_number(v * scale, 3)
                for v in values]


class BarDragViewBox(pg.ViewBox):
    """A fixed ViewBox (no pan, zoom or menu) whose bars at x = 1..C drag vertically.

    A left-button drag that starts in bar j's column emits ``drag_started(j)``,
    then ``dragged(j, y)`` with the mouse's data y at every move (the start
    included), then ``drag_finished(j)``.
    """

    drag_started = Signal(int)
    dragged = Signal(int, float)
    drag_finished = Signal(int)

    def __init__(self, draggable: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.n_bars = 0
        self.draggable = draggable
        self._bar = None
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)

    def bar_at(self, x: float) -> int | None:
        """The bar whose column (x within ±0.5 of j + 1) holds data x, or None."""
        if not math.isfinite(x):
            return None
        j = int(round(x)) - 1
        return j if 0 <= j < self.n_bars and abs(x - (j + 1)) <= 0.5 else None

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph's name
        ev.accept()  # never pan
        if not self.draggable or axis is not None or ev.button() != Qt.LeftButton:
            return
        if ev.isStart():
            self._bar = self.bar_at(self.mapToView(ev.buttonDownPos()).x())
            if self._bar is not None:
                self.drag_started.emit(self._bar)
        if self._bar is None:
            return
        j = self._bar
        self.dragged.emit(j, float(self.mapToView(ev.pos()).y()))
        if ev.isFinish():
            self._bar = None
            self.drag_finished.emit(j)

    def mouseClickEvent(self, ev):  # noqa: N802 - no menu, no zoom-out on right click
        ev.accept()

    def wheelEvent(self, ev, axis=None):  # noqa: N802 - fixed ranges: let the wheel pass
        ev.ignore()

    def hoverEvent(self, ev):  # noqa: N802 - a vertical-resize cursor over draggable bars
        if not self.draggable:
            return
        if ev.isExit() or self.bar_at(self.mapToView(ev.pos()).x()) is None:
            self.unsetCursor()
        else:
            self.setCursor(Qt.SizeVerCursor)


class ChartPanel(QFrame):
    """A white panel: a wrapping title (a Qt label, so a narrow dock never clips it) over a chart."""

    def __init__(self, title: str, left: str, draggable: bool, tick_labels: bool = True,
                 left_axis: pg.AxisItem | None = None, parent=None):
        super().__init__(parent)
        self.setObjectName("chart_panel")
        self.setStyleSheet("QFrame#chart_panel { background: white; }")
        self.title = QLabel(title)
        self.title.setTextFormat(Qt.RichText)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignCenter)
        self.title.setFont(style.font(style.PLOT_POINT_SIZE))
        self.title.setStyleSheet("background: white; color: black;")
        self.view = BarDragViewBox(draggable=draggable)
        axes = {"left": left_axis} if left_axis is not None else None
        self.plot = pg.PlotWidget(viewBox=self.view, axisItems=axes)
        item = self.plot.getPlotItem()
        item.hideButtons()
        item.setMenuEnabled(False)
        style.style_plot(item, left=left)
        if not tick_labels:  # the charts are stacked: only the lowest one prints class numbers
            item.getAxis("bottom").setStyle(showValues=False)
            item.getAxis("bottom").setHeight(8)
        item.layout.setContentsMargins(2, 8, 8, 2)  # room for the top tick label
        # No pyqtgraph grid: with one, the axis hides its labels at the range ends (0 and 1).
        item.getAxis("left").setWidth(62)
        self.plot.setMinimumHeight(MIN_CHART_HEIGHT)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        zero = pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen((60, 60, 60), width=1.5))
        item.addItem(zero, ignoreBounds=True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)

    def add_guides(self, values) -> None:
        """Faint dashed horizontal lines at ``values`` (e.g. p = 1)."""
        pen = pg.mkPen((150, 150, 150), width=1, style=Qt.DashLine)
        for v in values:
            self.plot.addItem(pg.InfiniteLine(pos=v, angle=0, pen=pen), ignoreBounds=True)

    def set_title(self, title: str) -> None:
        if self.title.text() != title:
            self.title.setText(title)


class ScoreLab(QWidget):
    """Edit one score vector and watch its softmax, loss and score gradient."""

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self._n = 0  # the number of classes the per-class items are built for
        self._slider_keys: dict[int, tuple] = {}  # slider j -> merge key of its running drag
        self._bar_key = None  # merge key of the running bar drag
        self._freeze_score_range = False
        self._text_px = 24  # height of a printed bar value, in pixels
        self._outlined = None  # (n, y) the bar outlines were made for
        self._loss_fit = None  # (text length, width) the loss font was fitted to
        self.score_edits: list[NumberEdit] = []
        self.sliders: list[QSlider] = []
        self.swatches: list[QLabel] = []
        self.score_labels: list[QLabel] = []
        self.prob_texts: list[pg.TextItem] = []
        self.score_cut_texts: list[pg.TextItem] = []  # the true value on a bar cut for drawing
        self.grad_texts: list[pg.TextItem] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)

        # -- classes and true class ------------------------------------------
        top = QHBoxLayout()
        top.setSpacing(6)
        classes_label = QLabel("Classes")
        self.classes_spin = QSpinBox()
        self.classes_spin.setRange(engine.MIN_CLASSES, engine.MAX_CLASSES)
        self.classes_spin.setKeyboardTracking(False)
        self.classes_spin.setToolTip("Number of classes C (2–10); resizes W, b, the scores and the data")
        classes_label.setBuddy(self.classes_spin)
        classes_label.setToolTip(self.classes_spin.toolTip())
        self.true_class_combo = QComboBox()
        self.true_class_combo.setIconSize(QSize(20, 20))
        self.true_class_combo.setToolTip(
            "The true class y: the loss is −ln p_y and the gradient is p − onehot(y). "
            "With a point selected, this relabels the point.")
        top.addWidget(classes_label)
        top.addWidget(self.classes_spin)
        top.addSpacing(10)
        top.addWidget(self.true_class_combo, 1)
        layout.addLayout(top)

        # -- linked-mode banner ----------------------------------------------
        self.banner = QFrame()
        self.banner.setObjectName("linked_banner")
        self.banner.setStyleSheet(
            "QFrame#linked_banner { background: #fff2c2; border: 2px solid #d9a400;"
            " border-radius: 4px; }")
        banner_layout = QGridLayout(self.banner)
        banner_layout.setContentsMargins(6, 3, 4, 3)
        banner_layout.setHorizontalSpacing(6)
        banner_layout.setVerticalSpacing(0)
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        self.banner_label.setTextFormat(Qt.RichText)
        self.banner_label.setToolTip("The lab shows the selected point's scores s = Wᵀx + b")
        self.banner_detail = QLabel(
            "Showing its scores s = Wᵀx + b — editing a score shifts b<sub>j</sub>")
        self.banner_detail.setWordWrap(True)
        self.banner_detail.setTextFormat(Qt.RichText)
        self.banner_detail.setToolTip(
            "Scores of a point are Wᵀx + b: to set s_j alone, the lab shifts the bias b_j")
        self.unselect_button = QPushButton("Unselect")
        self.unselect_button.setToolTip("Forget the selected point and go back to the free scores")
        banner_layout.addWidget(self.banner_label, 0, 0)
        banner_layout.addWidget(self.unselect_button, 0, 1)
        banner_layout.addWidget(self.banner_detail, 1, 0, 1, 2)
        banner_layout.setColumnStretch(0, 1)
        self.unselect_button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.banner.setVisible(False)
        layout.addWidget(self.banner)

        # -- one editor row per class ----------------------------------------
        self.editor_box = QWidget()
        self.editor_grid = QGridLayout(self.editor_box)
        self.editor_grid.setContentsMargins(0, 0, 0, 0)
        self.editor_grid.setHorizontalSpacing(6)
        self.editor_grid.setVerticalSpacing(2)
        self.editor_grid.setColumnStretch(3, 1)
        self.editor_scroll = QScrollArea()
        self.editor_scroll.setWidget(self.editor_box)
        self.editor_scroll.setWidgetResizable(True)
        self.editor_scroll.setFrameShape(QFrame.NoFrame)
        self.editor_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.addWidget(self.editor_scroll)

        # -- the three charts ----------------------------------------------
        self.score_panel = ChartPanel(SCORE_TITLE_FREE, "s<sub>j</sub>", True, False,
                                      left_axis=ScoreAxis("left"))
        self.prob_panel = ChartPanel(PROB_TITLE, "p<sub>j</sub>", True, False)
        self.grad_panel = ChartPanel(GRAD_TITLE, "∂L/∂s<sub>j</sub>", False)
        self.score_plot, self.score_vb = self.score_panel.plot, self.score_panel.view
        self.prob_plot, self.prob_vb = self.prob_panel.plot, self.prob_panel.view
        self.grad_plot, self.grad_vb = self.grad_panel.plot, self.grad_panel.view
        self.score_plot.setToolTip("The scores s_j. Drag a bar up or down to set s_j.")
        self.prob_plot.setToolTip(
            "The probabilities p_j = e^{s_j} / Σ_k e^{s_k}. Drag a bar to the p_j you want: "
            "s_j moves, the other scores stay.")
        self.grad_plot.setToolTip(
            "∂L/∂s_j = p_j − [j = y]: negative only at the true class y (outlined). "
            "Gradient descent moves s against it: s_y up, the others down.")
        self.prob_panel.add_guides([0.5, 1.0])
        self.grad_panel.add_guides([-1.0, -0.5, 0.5, 1.0])
        self.prob_vb.setYRange(*P_RANGE, padding=0)
        self.grad_vb.setYRange(*GRAD_RANGE, padding=0)
        self.prob_plot.getPlotItem().getAxis("left").setTicks(
            [[(0.0, "0"), (0.5, "0.5"), (1.0, "1")], [(0.25, ""), (0.75, "")]])
        self.grad_plot.getPlotItem().getAxis("left").setTicks(
            [[(-1.0, "\u22121"), (0.0, "0"), (1.0, "1")], [(-0.5, ""), (0.5, "")]])
        for vb in (self.score_vb, self.prob_vb, self.grad_vb):
            vb.enableAutoRange(enable=False)

        self.score_bars = pg.BarGraphItem(x=[1], height=[0], width=BAR_WIDTH)
        self.prob_bars = pg.BarGraphItem(x=[1], height=[0], width=BAR_WIDTH)
        self.grad_bars = pg.BarGraphItem(x=[1], height=[0], width=BAR_WIDTH)
        self.score_plot.addItem(self.score_bars)
        self.prob_plot.addItem(self.prob_bars)
        self.grad_plot.addItem(self.grad_bars)
        self.true_mark = pg.TextItem("y", color=QColor("black"), anchor=(0.5, 1.0))
        self.true_mark.setFont(style.font(style.TITLE_POINT_SIZE, bold=True))
        self.grad_plot.addItem(self.true_mark, ignoreBounds=True)

        self.loss_label = QLabel()
        self.loss_label.setFont(style.font(style.TITLE_POINT_SIZE + 1, bold=True))
        self.loss_label.setTextFormat(Qt.RichText)
        self.loss_label.setAlignment(Qt.AlignCenter)
        self.loss_label.setWordWrap(True)
        self.loss_label.setToolTip(
            "Cross-entropy loss of this score vector: small when p_y is near 1")

        layout.addWidget(self.score_panel, 1)
        layout.addWidget(self.prob_panel, 1)
        layout.addWidget(self.loss_label)
        layout.addWidget(self.grad_panel, 1)

        # -- connections ---------------------------------------------------
        self.classes_spin.valueChanged.connect(self._on_classes_spin_changed)
        self.true_class_combo.currentIndexChanged.connect(self._on_true_class_chosen)
        self.unselect_button.clicked.connect(self._on_unselect_clicked)
        self.score_vb.drag_started.connect(self._on_bar_drag_started)
        self.score_vb.dragged.connect(self._on_score_bar_dragged)
        self.score_vb.drag_finished.connect(self._on_bar_drag_finished)
        self.prob_vb.drag_started.connect(self._on_bar_drag_started)
        self.prob_vb.dragged.connect(self._on_prob_bar_dragged)
        self.prob_vb.drag_finished.connect(self._on_bar_drag_finished)
        self.score_vb.sigResized.connect(self._on_chart_resized)
        self.prob_vb.sigResized.connect(self._on_chart_resized)
        self.grad_vb.sigResized.connect(self._on_chart_resized)
        scene.scores_changed.connect(self._on_scores_changed)
        scene.weights_changed.connect(self._on_weights_changed)
        scene.dataset_changed.connect(self._on_dataset_changed)
        scene.selection_changed.connect(self._on_selection_changed)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.features_changed.connect(self._on_features_changed)

        self._refresh()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 720)

    # ------------------------------------------------------------------ slots
    def _on_scores_changed(self) -> None:
        self._refresh()

    def _on_weights_changed(self) -> None:
        if self.scene.selected is not None:  # the free scores do not depend on W, b
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

    def _on_chart_resized(self, _vb=None) -> None:
        # The room for the printed values is measured in pixels.
        self._refresh()

    # -- user input -----------------------------------------------------------
    def _report(self, exc: Exception) -> None:
        messages.message.emit(str(exc))

    def _on_classes_spin_changed(self, n: int) -> None:
        try:
            self.scene.set_n_classes(n)
        except ValueError as exc:
            self._report(exc)
            self._refresh()

    def _on_true_class_chosen(self, index: int) -> None:
        if index < 0:
            return
        try:
            self.scene.set_true_class(index)
        except ValueError as exc:
            self._report(exc)
            self._refresh()

    def _on_unselect_clicked(self) -> None:
        self.scene.select(None)

    def _set_score(self, j: int, value: float, merge_key=None) -> bool:
        try:
            return self.scene.set_score(j, value, merge_key)
        except ValueError as exc:
            self._report(exc)
            self._refresh()
            return False

    def _on_score_edited(self, j: int, value) -> None:
        edit = self.score_edits[j]
        try:
            self.scene.set_score(j, value)
        except ValueError as exc:  # e.g. in linked mode b_j would leave its range
            edit.show_error(str(exc))  # keeps the text to be corrected; Escape restores
            return
        with QSignalBlocker(edit):  # show the scene's value, also when it was unchanged
            edit.setValue(float(self.scene.lab_scores()[j]))

    def _on_slider_pressed(self, j: int) -> None:
        self._slider_keys[j] = ("score-lab-slider", j, next(_drag_ids))

    def _on_slider_released(self, j: int) -> None:
        self._slider_keys.pop(j, None)

    def _on_slider_moved(self, j: int, value: int) -> None:
        key = self._slider_keys.get(j) if self.sliders[j].isSliderDown() else None
        self._set_score(j, value / SLIDER_RESOLUTION, key)

    def _on_bar_drag_started(self, j: int) -> None:
        self._bar_key = ("score-lab-bar", j, next(_drag_ids))
        self._freeze_score_range = True

    def _on_bar_drag_finished(self, j: int) -> None:
        self._bar_key = None
        self._freeze_score_range = False
        self._update_score_range()

    def _on_score_bar_dragged(self, j: int, y: float) -> None:
        if j < self.scene.n_classes and math.isfinite(y):
            self._set_score(j, float(np.clip(y, -MAX_SCORE, MAX_SCORE)), self._bar_key)

    def _on_prob_bar_dragged(self, j: int, y: float) -> None:
        if j >= self.scene.n_classes or not math.isfinite(y):
            return
        q = float(np.clip(y, *Q_CLAMP))
        try:
            s_j = engine.score_for_probability(self.scene.lab_scores(), j, q)
        except ValueError as exc:
            self._report(exc)
            return
        self._set_score(j, s_j, self._bar_key)

    # ------------------------------------------------------------- building
    def _rebuild(self, n: int) -> None:
        """(Re)create the per-class editors and texts for ``n`` classes."""
        for widgets in (self.swatches, self.score_labels, self.score_edits, self.sliders):
            for w in widgets:
                self.editor_grid.removeWidget(w)
                w.deleteLater()
            widgets.clear()
        for plot, texts in ((self.score_plot, self.score_cut_texts), (self.prob_plot, self.prob_texts),
                            (self.grad_plot, self.grad_texts)):
            for t in texts:
                plot.removeItem(t)
            texts.clear()
        self._slider_keys.clear()

        edit_tip = ("Score s{j} of class {j}: any number (e.g. 2.5, −1e3, 1e300); Enter applies, "
                    "Up/Down step by 0.5. With a point selected, changing s{j} shifts the bias b{j}.")
        slider_tip = ("Drag to set s{j} between −10 and 10 (one undo step per drag). "
                      "With a point selected this shifts the bias b{j}.")
        for j in range(n):
            swatch = QLabel()
            swatch.setPixmap(class_pixmap(j))
            swatch.setToolTip(f"{style.class_name(j)}: its colour and marker everywhere in the app")
            name = QLabel(f"s<sub>{j + 1}</sub>")
            name.setTextFormat(Qt.RichText)
            name.setToolTip(f"The score (logit) of {style.class_name(j)}")
            edit = NumberEdit(0.0, minimum=-MAX_SCORE, maximum=MAX_SCORE, step=0.5,
                              name=f"s{j + 1}")
            edit.setBaseToolTip(edit_tip.format(j=j + 1))
            edit.setFixedWidth(118)
            slider = QSlider(Qt.Horizontal)
            slider.setRange(-int(SLIDER_RANGE * SLIDER_RESOLUTION), int(SLIDER_RANGE * SLIDER_RESOLUTION))
            slider.setSingleStep(10)
            slider.setPageStep(100)
            slider.setToolTip(slider_tip.format(j=j + 1))
            slider.setMinimumWidth(80)
            edit.value_edited.connect(lambda v, j=j: self._on_score_edited(j, v))
            slider.valueChanged.connect(lambda v, j=j: self._on_slider_moved(j, v))
            slider.sliderPressed.connect(lambda j=j: self._on_slider_pressed(j))
            slider.sliderReleased.connect(lambda j=j: self._on_slider_released(j))
            for col, w in enumerate((swatch, name, edit, slider)):
                self.editor_grid.addWidget(w, j, col)
            self.swatches.append(swatch)
            self.score_labels.append(name)
            self.score_edits.append(edit)
            self.sliders.append(slider)

        text_font = style.font(self._value_point_size(n), bold=True)
        self._text_px = QFontMetrics(text_font).height() + 4
        for plot, texts in ((self.score_plot, self.score_cut_texts), (self.prob_plot, self.prob_texts),
                            (self.grad_plot, self.grad_texts)):
            for j in range(n):
                t = pg.TextItem("", color=QColor("black"), anchor=(0.5, 1.0))
                t.setFont(text_font)
                plot.addItem(t, ignoreBounds=True)
                texts.append(t)

        x = np.arange(1, n + 1, dtype=float)
        ticks = [[(float(j + 1), str(j + 1)) for j in range(n)]]
        brushes = [pg.mkBrush(style.class_color(j)) for j in range(n)]
        for plot, bars, vb in ((self.score_plot, self.score_bars, self.score_vb),
                               (self.prob_plot, self.prob_bars, self.prob_vb),
                               (self.grad_plot, self.grad_bars, self.grad_vb)):
            bars.setOpts(x=x, height=np.zeros(n), width=BAR_WIDTH, brushes=brushes)
            plot.getPlotItem().getAxis("bottom").setTicks(ticks)
            vb.setXRange(0.45, n + 0.55, padding=0)
            vb.n_bars = n

        with QSignalBlocker(self.true_class_combo):
            self.true_class_combo.clear()
            for j in range(n):
                self.true_class_combo.addItem(class_icon(j), f"true class y = {j + 1}")
        rows = min(n, MAX_VISIBLE_EDITOR_ROWS)
        row_h = max(e.sizeHint().height() for e in self.score_edits) + self.editor_grid.verticalSpacing()
        self.editor_scroll.setFixedHeight(rows * row_h + 2)
        self._n = n

    @staticmethod
    def _value_point_size(n: int) -> int:
        if n <= 4:
            return style.PLOT_POINT_SIZE
        if n <= 6:
            return style.PLOT_POINT_SIZE - 2
        return style.PLOT_POINT_SIZE - 4

    # ------------------------------------------------------------- updating
    def _refresh(self) -> None:
        """Show the scene's lab quantities in the existing items."""
        scene = self.scene
        n = scene.n_classes
        if n != self._n:
            self._rebuild(n)
        s = np.asarray(scene.lab_scores(), dtype=float)
        p = scene.lab_probabilities()
        g = scene.lab_gradient()
        y = scene.lab_label()
        loss = scene.lab_loss()

        with QSignalBlocker(self.classes_spin):
            self.classes_spin.setValue(n)
        with QSignalBlocker(self.true_class_combo):
            self.true_class_combo.setCurrentIndex(y)

        for j in range(n):
            edit = self.score_edits[j]
            if edit.value() != s[j] and not (edit.hasFocus() and edit.isModified()):
                with QSignalBlocker(edit):
                    edit.setValue(float(s[j]))
            slider = self.sliders[j]
            pos = int(round(float(np.clip(s[j], -SLIDER_RANGE, SLIDER_RANGE)) * SLIDER_RESOLUTION))
            if slider.value() != pos:
                with QSignalBlocker(slider):
                    slider.setValue(pos)

        self._update_banner()

        cut = np.abs(s) > SCORE_DRAW_LIMIT
        self.score_bars.setOpts(height=np.clip(s, -SCORE_DRAW_LIMIT, SCORE_DRAW_LIMIT))
        for j in range(n):  # a cut bar prints its true value inside its end
            t = self.score_cut_texts[j]
            t.setVisible(bool(cut[j]))
            if cut[j]:
                arrow = "\u2191" if s[j] > 0 else "\u2193"
                set_bar_text(t, f"{style.format_number(s[j], 3)} {arrow}", j + 1.0,
                             float(np.clip(s[j], -SCORE_DRAW_LIMIT, SCORE_DRAW_LIMIT)),
                             (0.5, 0.0) if s[j] > 0 else (0.5, 1.0), j)
        if self._outlined != (n, y):  # the true class's bars get a thick outline
            pens = [pg.mkPen(QColor(30, 30, 30), width=4.5 if j == y else 1.2) for j in range(n)]
            self.prob_bars.setOpts(height=p, pens=pens)
            self.grad_bars.setOpts(height=g, pens=pens)
            self._outlined = (n, y)
        else:
            self.prob_bars.setOpts(height=p)
            self.grad_bars.setOpts(height=g)
        self._update_score_range()
        self._update_texts(p, g, y)

        p_y = float(p[y])
        p_text = fmt(p_y) if p_y > 0 else "0 (underflow)"
        text = f"L = −ln p<sub>y</sub> = −ln {p_text} = {fmt(loss)}"
        if text != self.loss_label.text():
            self.loss_label.setText(text)
            self._fit_loss_font()

    def _fit_loss_font(self) -> None:
        """The largest font (up to title size + 2) that shows the loss on one line."""
        width = self.loss_label.width() if self.loss_label.width() > 50 else self.width() - 12
        key = (len(self.loss_label.text()), width)
        if key == self._loss_fit:
            return
        self._loss_fit = key
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        for size in range(style.TITLE_POINT_SIZE + 2, style.BASE_POINT_SIZE - 2, -1):
            f = style.font(size, bold=True)
            doc.setDefaultFont(f)
            doc.setHtml(self.loss_label.text())
            if doc.idealWidth() <= width - 4:
                break
        if self.loss_label.font().pointSize() != f.pointSize():
            self.loss_label.setFont(f)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_loss_font()

    def _update_banner(self) -> None:
        i = self.scene.selected
        self.banner.setVisible(i is not None)
        self.score_panel.set_title(SCORE_TITLE_FREE if i is None else SCORE_TITLE_LINKED)
        if i is None:
            return
        c = int(self.scene.y[i])
        self.banner_label.setText(f"<b>Point #{i + 1}</b> ({style.class_name(c)})")

    def _chart_height(self, vb) -> float:
        h = vb.height()
        return h if h >= 40 else 120.0  # not laid out yet: a typical height

    def _update_score_range(self) -> None:
        """Fit the scores chart to the bars (and 0) with a margin, without jitter.

        During a bar drag the range stays put: the mouse's data y then means
        the same all along the drag (a range following the bar would run away
        from a mouse held above the chart). The chart refits on release.
        """
        if self._freeze_score_range:
            return
        s = np.asarray(self.score_bars.opts["height"], dtype=float)
        lo, hi = min(0.0, float(s.min())), max(0.0, float(s.max()))
        span = max(hi - lo, 1.0)
        need = (lo - 0.08 * span, hi + 0.08 * span)
        cur_lo, cur_hi = self.score_vb.viewRange()[1]
        if cur_lo <= need[0] and cur_hi >= need[1] and cur_hi - cur_lo <= 1.5 * span:
            return  # still a good fit: do not jitter
        self.score_vb.setYRange(lo - 0.12 * span, hi + 0.12 * span, padding=0)

    def _update_texts(self, p, g, y) -> None:
        """Print each bar's value beyond its end, or inside it when there is no room beyond."""
        n = len(p)
        p_text = self._text_px * (P_RANGE[1] - P_RANGE[0]) / self._chart_height(self.prob_vb)
        g_text = self._text_px * (GRAD_RANGE[1] - GRAD_RANGE[0]) / self._chart_height(self.grad_vb)
        for j in range(n):
            x = j + 1.0
            inside = p[j] + p_text > P_RANGE[1] and p[j] > p_text
            set_bar_text(self.prob_texts[j], bar_value_text(p[j], n), x, p[j],
                         (0.5, 0.0) if inside else (0.5, 1.0), j if inside else None)
            inside = abs(g[j]) + g_text > GRAD_RANGE[1] and abs(g[j]) > g_text
            up = g[j] >= 0 and j != y  # the true class's bar points down
            set_bar_text(self.grad_texts[j], bar_value_text(g[j], n, signed=True), x, g[j],
                         (0.5, 0.0 if up == inside else 1.0), j if inside else None)
        self.true_mark.setPos(y + 1.0, 0.02)
