"""The score lab: one score vector s, its softmax p, the loss -ln p_y and dL/ds = p - onehot(y).

Everything shown is read from the scene's ``lab_*`` methods, so the lab shows
the free scores, or (when a data point is selected) that point's scores
``s = W^T x + b``; editing a score then shifts the bias b_j (``Scene.set_score``).

Scores can be edited three ways: typing into a score field, moving its slider,
or dragging a bar of the scores or probabilities chart up and down. A slider
drag or a bar drag is one undo entry.

The "softmax knobs" beneath the editors show three properties of softmax:
the temperature T (p = softmax(s / T), dL/ds = (p - onehot(y)) / T), shift
invariance (adding c to every score leaves p unchanged) and why the stable
formula subtracts max(s) (the naive exp(s) / sum exp(s) overflows to NaN).
With the multiclass SVM loss selected, a fourth chart shows the hinge margins.

Hovering a bar asks every view to emphasise that quantity (``Scene.set_highlight``);
the lab outlines the bar matching the scene's highlight, wherever it was set.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
from ..qtimport import pg
from PySide6.QtCore import QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFontMetrics, QIcon, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
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
from ..perf import DeferredRefresh, interaction
from ..state import MAX_SCORE, TEMPERATURE_RANGE
from .widgets import (
    Bars, LightPlotWidget, NumberEdit, PlotLabel, ReadoutLabel, TextLayer, cache_drawing, messages,
)

SLIDER_RANGE = 10.0  # the sliders cover [-10, 10]
SLIDER_RESOLUTION = 100  # slider units per score unit: steps of 0.01
T_SLIDER_RESOLUTION = 100  # temperature slider units per decade (log10 T)
SHIFT_RANGE = 10.0  # the shift slider covers c in [-10, 10]
NAIVE_OVERFLOW = 709.78  # exp(s) overflows a double above this
BAR_WIDTH = 0.72
P_RANGE = (0.0, 1.05)
GRAD_RANGE = (-1.1, 1.1)  # at T = 1; the gradient chart spans GRAD_RANGE / T
Q_CLAMP = (0.001, 0.999)  # probabilities a bar drag may ask for
SCORE_DRAW_LIMIT = 1e100  # Qt stops drawing bars somewhere above 1e100: taller bars are cut
MAX_VISIBLE_EDITOR_ROWS = 4  # more classes scroll
MIN_CHART_HEIGHT = 80  # pixels at scale 1; a shorter dock scrolls (the main window's scroll area)
SVM_CHART_HEIGHT = 60  # the margins chart, shown only with the SVM loss, may be lower
MIN_SLIDER_WIDTH = 110  # pixels at scale 1; a narrower knob row puts its slider on a line of its own
EDIT_WIDTH = 118  # pixels at scale 1

DRAG_HINT = "⇕ drag a bar"
SCORE_TITLE_FREE = "free scores s"
SCORE_TITLE_LINKED = "scores s = Wᵀx + b"
SVM_TITLE = "multiclass SVM (hinge): margins m<sub>j</sub> = s<sub>j</sub> − s<sub>y</sub> + 1"
NAIVE_BANNER = ("Naive exp(s)/Σexp(s) overflows above s ≈ 709: "
                "this is what subtracting max(s) prevents")

# The cross-view highlight (hover) colour: not a class colour, and drawn thick.
HIGHLIGHT_COLOR = QColor(0xE6, 0x00, 0x7E)
HIGHLIGHT_WIDTH = 6.0  # pixels at scale 1

_drag_ids = itertools.count(1)


# ---------------------------------------------------------------- look helpers
def highlight_pen() -> pg.QtGui.QPen:
    pen = pg.mkPen(HIGHLIGHT_COLOR, width=style.scaled(HIGHLIGHT_WIDTH))
    pen.setJoinStyle(Qt.MiterJoin)
    return pen


def warning_color() -> QColor:
    """Red that reads on the current theme's background (NaN, overflow)."""
    return QColor("#ff6b6b") if style.appearance.theme == "dark" else QColor("#c00000")


def muted_color() -> QColor:
    """A grey between the theme's text and background, for hints."""
    fg, bg = style.foreground(), style.background()
    return QColor(*(round(0.55 * a + 0.45 * b) for a, b in
                    ((fg.red(), bg.red()), (fg.green(), bg.green()), (fg.blue(), bg.blue()))))


def outline_color() -> QColor:
    """Bar outlines: near-black on the light theme, near-white on the dark one."""
    return QColor(230, 230, 230) if style.appearance.theme == "dark" else QColor(30, 30, 30)


def appearance_key() -> tuple:
    a = style.appearance
    return a.scale, a.theme, a.palette


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


# ---------------------------------------------------------------- number texts
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


def fmt_special(v: float) -> str | None:
    """"NaN", "inf" or "−inf" for a non-finite value, else None."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "inf" if v > 0 else "\u2212inf"
    return None


def fmt_signed(v: float, digits: int = 3) -> str:
    """3 significant digits with an explicit sign (+0.25, −1.2e+03)."""
    text = style.format_number(v, digits)
    return text if v <= 0 else "+" + text


def bar_value_text(v: float, n: int, signed: bool = False) -> str:
    """A bar's printed value, as compact as ``n`` bars in a narrow chart need."""
    if n <= 5:
        return fmt_fixed(v, 3, signed)
    if n <= 6:
        return fmt_fixed(v, 2, signed)
    return fmt_fixed(v, 2, short=True)


def grad_value_text(v: float, n: int, temperature: float) -> str:
    """A gradient bar's value. The gradient (p − onehot(y)) / T spans ±1/T, so the
    decimals follow that scale: 3 at T = 1 (fewer with many bars), 2 at T = 0.5,
    none at T = 0.001 (±1000), 6 at T = 1000 (±0.001)."""
    if temperature == 1.0:
        return bar_value_text(v, n, signed=True)
    base = 3 if n <= 5 else 2
    shift = math.ceil(math.log10(1.0 / temperature))
    return fmt_fixed(v, max(0, base - shift), signed=True)


def set_bar_text(item: PlotLabel, text: str, x: float, y: float, anchor, inside_class,
                 color: QColor | None = None) -> None:
    """Update a bar's value text, touching only what changed.

    ``inside_class`` is the class whose bar the text sits inside (its colour
    then picks black or white), or None for theme-coloured text outside the bar.
    ``color`` overrides both (e.g. the warning red of a NaN).
    """
    if color is None:
        color = style.foreground() if inside_class is None else \
            text_color_on(style.class_color(inside_class))
    if item.toPlainText() != text or item.color != color:
        item.setText(text, color)
    if tuple(item.anchor) != tuple(anchor):
        item.setAnchor(anchor)
    item.setPos(x, y)


class WrapLabel(QLabel):
    """A word-wrapping label whose minimum height is that of its wrapped text.

    It reports no height-for-width: inside a scroll area (the main window puts
    every panel in one), height-for-width makes the panel as tall as every
    chart's preferred size, so it always scrolls; and a plain wrapping label
    could then be squeezed to one line.
    """

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return False

    def __init__(self, text: str = "", parent=None):
        super().__init__(text, parent)
        self.setWordWrap(True)

    def _fit_height(self) -> None:
        h = super().heightForWidth(self.width()) if self.width() > 0 else -1
        if h > 0 and h != self.minimumHeight():
            self.setMinimumHeight(h)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        if self.width() > 0:
            hint.setHeight(super().heightForWidth(self.width()))
        return hint

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self._fit_height()

    def setFont(self, font) -> None:  # noqa: N802 - Qt's name
        super().setFont(font)
        self._fit_height()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_height()


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
    included), then ``drag_finished(j)``. ``hovered(j)`` tells which bar's
    column the mouse is over (-1: none), whenever that changes.
    """

    drag_started = Signal(int)
    dragged = Signal(int, float)
    drag_finished = Signal(int)
    hovered = Signal(int)

    def __init__(self, draggable: bool = True, **kwargs):
        kwargs.setdefault("enableMenu", False)  # (no context menu: not built at all)
        super().__init__(**kwargs)
        self.n_bars = 0
        self.draggable = draggable
        self._bar = None
        self._hover = -1
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

    def hoverEvent(self, ev):  # noqa: N802 - hover highlight, and a resize cursor on draggable bars
        j = None if ev.isExit() else self.bar_at(self.mapToView(ev.pos()).x())
        key = -1 if j is None else j
        if key != self._hover:
            self._hover = key
            self.hovered.emit(key)
        if not self.draggable:
            return
        if j is None:
            self.unsetCursor()
        else:
            self.setCursor(Qt.SizeVerCursor)


class ChartPanel(QFrame):
    """A themed panel: a wrapping title (a Qt label, so a narrow dock never clips it) over a chart."""

    def __init__(self, title: str, left: str, draggable: bool, tick_labels: bool = True,
                 left_axis: pg.AxisItem | None = None, hint: str | None = None,
                 min_height: int = MIN_CHART_HEIGHT, parent=None):
        super().__init__(parent)
        self._min_height = min_height
        self.setObjectName("chart_panel")
        self._title, self._hint = title, hint
        self._left = left
        self._tick_labels = tick_labels
        self._guides: list[tuple[pg.InfiniteLine, float]] = []  # (line, value at scale 1)
        self._guide_scale = 1.0
        self.title = WrapLabel()
        self.title.setTextFormat(Qt.RichText)
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignCenter)
        self.view = BarDragViewBox(draggable=draggable)
        axes = {"left": left_axis} if left_axis is not None else None
        self.plot = LightPlotWidget(viewBox=self.view, axisItems=axes)  # (no menu, no buttons)
        item = self.plot.getPlotItem()
        item.layout.setContentsMargins(2, 8, 8, 2)  # room for the top tick label
        # No pyqtgraph grid: with one, the axis hides its labels at the range ends (0 and 1).
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.zero = pg.InfiniteLine(pos=0, angle=0)
        item.addItem(self.zero, ignoreBounds=True)
        # Lines and axes change far less often than the bars: blitted between their changes.
        cache_drawing(self.zero, item.getAxis("left"), item.getAxis("bottom"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot, 1)
        self.apply_appearance()

    def title_html(self) -> str:
        if not self._hint:
            return self._title
        return f"{self._title}  <span style='color:{muted_color().name()}'>{self._hint}</span>"

    def apply_appearance(self) -> None:
        """Fonts, line widths and colours of the current ``style.appearance``."""
        bg, fg = style.background().name(), style.foreground().name()
        self.setStyleSheet(f"QFrame#chart_panel {{ background: {bg}; }}")
        self.title.setFont(style.font(style.PLOT_POINT_SIZE))
        self.title.setStyleSheet(f"background: {bg}; color: {fg};")
        self.title.setText(self.title_html())
        style.style_plot_widget(self.plot)
        item = self.plot.getPlotItem()
        style.style_plot(item, left=self._left)
        if not self._tick_labels:  # the charts are stacked: only the lowest one prints class numbers
            item.getAxis("bottom").setStyle(showValues=False)
            item.getAxis("bottom").setHeight(8)
        item.getAxis("left").setWidth(round(style.scaled(62)))
        self.plot.setMinimumHeight(round(style.scaled(self._min_height)))
        zero = style.foreground()
        zero.setAlpha(190)
        self.zero.setPen(pg.mkPen(zero, width=max(1.0, style.scaled(1.5))))
        for line, _ in self._guides:
            line.setPen(self._guide_pen())

    @staticmethod
    def _guide_pen():
        return pg.mkPen(muted_color(), width=max(1.0, style.scaled(1)), style=Qt.DashLine)

    def add_guides(self, values) -> None:
        """Faint dashed horizontal lines at ``values`` (e.g. p = 1)."""
        for v in values:
            line = pg.InfiniteLine(pos=v * self._guide_scale, angle=0, pen=self._guide_pen())
            cache_drawing(line)
            self.plot.addItem(line, ignoreBounds=True)
            self._guides.append((line, v))

    def set_guide_scale(self, k: float) -> None:
        """Put the guides at k times their values (the gradient chart at temperature T: k = 1/T)."""
        self._guide_scale = k
        for line, v in self._guides:
            line.setPos(v * k)

    def set_title(self, title: str, hint: str | None = None) -> None:
        self._title, self._hint = title, hint
        html = self.title_html()
        if self.title.text() != html:
            self.title.setText(html)


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
        self._bar_style = None  # what the bar pens and brushes were made for
        self._grad_T = None  # the temperature the gradient chart's range was set for
        self._loss_fit = None  # (text length, width) the loss font was fitted to
        self._shift_total = 0.0  # c: the shift applied through the shift control
        self._shift_scores = scene.scores  # the free scores c was accumulated on
        self._shift_key = None  # merge key of the running shift drag
        self._shifting = False
        self._dragging: set = set()  # the drags of this lab going on (``perf.interaction``)
        self._svm_fit = None  # (lo, hi) the margins chart was fitted to
        self._svm_style = None  # what the margin bars' pens and brushes were made for
        self.score_edits: list[NumberEdit] = []
        self.sliders: list[QSlider] = []
        self.swatches: list[QLabel] = []
        self.score_labels: list[QLabel] = []
        self.prob_texts: list[PlotLabel] = []
        self.score_cut_texts: list[PlotLabel] = []  # the true value on a bar cut for drawing
        self.grad_texts: list[PlotLabel] = []
        self.svm_texts: list[PlotLabel] = []

        self.setFont(style.font())
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
            " border-radius: 4px; } QFrame#linked_banner QLabel { color: black; }")
        banner_layout = QGridLayout(self.banner)
        banner_layout.setContentsMargins(6, 3, 4, 3)
        banner_layout.setHorizontalSpacing(6)
        banner_layout.setVerticalSpacing(0)
        self.banner_label = WrapLabel()
        self.banner_label.setWordWrap(True)
        self.banner_label.setTextFormat(Qt.RichText)
        self.banner_label.setToolTip("The lab shows the selected point's scores s = Wᵀx + b")
        self.banner_detail = WrapLabel(
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

        # -- softmax knobs: temperature, shift, naive formula ------------------
        self.knobs = QFrame()
        self.knobs.setObjectName("softmax_knobs")
        self.knobs.setFrameShape(QFrame.StyledPanel)
        knobs = QGridLayout(self.knobs)
        knobs.setContentsMargins(6, 3, 6, 3)
        knobs.setHorizontalSpacing(6)
        knobs.setVerticalSpacing(2)
        knobs.setColumnStretch(2, 1)
        self.temperature_label = QLabel("T")
        self.temperature_label.setToolTip("Temperature: p = softmax(s / T)")
        self.temperature_edit = NumberEdit(1.0, minimum=TEMPERATURE_RANGE[0],
                                           maximum=TEMPERATURE_RANGE[1], name="temperature T")
        self.temperature_edit.setBaseToolTip(
            "Temperature T (0.001–1000): p = softmax(s / T); small T → one-hot, large T → uniform")
        self.temperature_label.setBuddy(self.temperature_edit)
        self.temperature_slider = QSlider(Qt.Horizontal)
        lo, hi = (round(math.log10(t) * T_SLIDER_RESOLUTION) for t in TEMPERATURE_RANGE)
        self.temperature_slider.setRange(lo, hi)
        self.temperature_slider.setSingleStep(5)
        self.temperature_slider.setPageStep(T_SLIDER_RESOLUTION)
        self.temperature_slider.setToolTip("Drag to set T on a log scale from 0.001 to 1000")
        self.temperature_reset = QPushButton("T = 1")
        self.temperature_reset.setToolTip("Back to the plain softmax (T = 1)")
        self.shift_label = QLabel("s + c")
        self.shift_minus = QPushButton("−1")
        self.shift_plus = QPushButton("+1")
        self.shift_slider = QSlider(Qt.Horizontal)
        shift_steps = int(SHIFT_RANGE * SLIDER_RESOLUTION)
        self.shift_slider.setRange(-shift_steps, shift_steps)
        self.shift_slider.setSingleStep(10)
        self.shift_slider.setPageStep(100)
        self.shift_value = QLabel()
        self.shift_value.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.shift_caption = QLabel("softmax(s + c) = softmax(s)")
        self.shift_caption.setToolTip(
            "e^(s_j + c) / Σ e^(s_k + c) = e^s_j / Σ e^s_k: the common factor e^c cancels")
        self.naive_check = QCheckBox("naive softmax")
        self.naive_check.setToolTip(
            "Compute p = exp(s)/Σexp(s) without subtracting max(s) first: try s₁ = 1000")
        self.shift_buttons = QWidget()
        shift_buttons = QHBoxLayout(self.shift_buttons)
        shift_buttons.setContentsMargins(0, 0, 0, 0)
        shift_buttons.setSpacing(2)
        shift_buttons.addWidget(self.shift_minus)
        shift_buttons.addWidget(self.shift_plus)
        for button in (self.temperature_reset, self.shift_minus, self.shift_plus):
            button.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        self.caption_box = QWidget()
        caption_row = QBoxLayout(QBoxLayout.LeftToRight, self.caption_box)
        caption_row.setContentsMargins(0, 0, 0, 0)
        caption_row.setSpacing(8)
        caption_row.addWidget(self.shift_caption, 1)
        caption_row.addWidget(self.naive_check)
        self.knobs_grid = knobs
        self._knobs_stacked = None  # sliders on rows of their own (a narrow dock, large fonts)
        self._place_knobs(False)
        layout.addWidget(self.knobs)

        self.naive_banner = WrapLabel()
        self.naive_banner.setObjectName("naive_banner")
        self.naive_banner.setWordWrap(True)
        self.naive_banner.setTextFormat(Qt.RichText)
        self.naive_banner.setToolTip(
            "exp(710) is beyond the largest double: inf / inf = NaN. The stable softmax "
            "computes exp(s − max s) ≤ 1 instead.")
        self.naive_banner.setVisible(False)
        layout.addWidget(self.naive_banner)

        # -- the charts ----------------------------------------------------
        self.score_panel = ChartPanel(SCORE_TITLE_FREE, "s<sub>j</sub>", True, False,
                                      left_axis=ScoreAxis("left"), hint=DRAG_HINT)
        self.prob_panel = ChartPanel("probabilities p = softmax(s)", "p<sub>j</sub>", True, False,
                                     hint="⇕ drag")
        self.grad_panel = ChartPanel("gradient ∂L/∂s = p − onehot(y)", "∂L/∂s<sub>j</sub>", False)
        self.svm_panel = ChartPanel(SVM_TITLE, "m<sub>j</sub>", False, left_axis=ScoreAxis("left"),
                                    min_height=SVM_CHART_HEIGHT)
        self.score_plot, self.score_vb = self.score_panel.plot, self.score_panel.view
        self.prob_plot, self.prob_vb = self.prob_panel.plot, self.prob_panel.view
        self.grad_plot, self.grad_vb = self.grad_panel.plot, self.grad_panel.view
        self.svm_plot, self.svm_vb = self.svm_panel.plot, self.svm_panel.view
        self.score_plot.setToolTip("The scores s_j. Drag a bar up or down to set s_j.")
        self.prob_plot.setToolTip(
            "The probabilities p_j = e^{s_j} / Σ_k e^{s_k}. Drag a bar to the p_j you want: "
            "s_j moves, the other scores stay.")
        self.grad_plot.setToolTip(
            "∂L/∂s_j = p_j − [j = y]: negative only at the true class y (outlined). "
            "Gradient descent moves s against it: s_y up, the others down.")
        self.svm_plot.setToolTip(
            "Hinge margins m_j = s_j − s_y + 1 of the other classes: each positive margin "
            "(filled, outlined) adds m_j to the SVM loss")
        self.prob_panel.add_guides([0.5, 1.0])
        self.grad_panel.add_guides([-1.0, -0.5, 0.5, 1.0])
        self.prob_vb.setYRange(*P_RANGE, padding=0)
        self.grad_vb.setYRange(*GRAD_RANGE, padding=0)
        self.prob_plot.getPlotItem().getAxis("left").setTicks(
            [[(0.0, "0"), (0.5, "0.5"), (1.0, "1")], [(0.25, ""), (0.75, "")]])
        for vb in (self.score_vb, self.prob_vb, self.grad_vb, self.svm_vb):
            vb.enableAutoRange(enable=False)

        self.score_bars = Bars(x=[1], height=[0], width=BAR_WIDTH)
        self.prob_bars = Bars(x=[1], height=[0], width=BAR_WIDTH)
        self.grad_bars = Bars(x=[1], height=[0], width=BAR_WIDTH)
        self.svm_bars = Bars(x=[1], height=[0], width=BAR_WIDTH)
        self.score_plot.addItem(self.score_bars)
        self.prob_plot.addItem(self.prob_bars)
        self.grad_plot.addItem(self.grad_bars)
        self.svm_plot.addItem(self.svm_bars)
        # The highlight outline of one bar per chart, over the bars; hidden when nothing is hovered.
        self.glows = {kind: Bars(x=[1.0], height=[0.0], width=BAR_WIDTH + 0.06,
                                            pen=highlight_pen(), brush=pg.mkBrush(None))
                      for kind in ("score", "prob", "grad")}
        for kind, plot in (("score", self.score_plot), ("prob", self.prob_plot),
                           ("grad", self.grad_plot)):
            glow = self.glows[kind]
            glow.setZValue(20)
            glow.setVisible(False)
            plot.addItem(glow, ignoreBounds=True)
        self._glow_bar: dict[str, int | None] = dict.fromkeys(self.glows)
        # Each chart's printed values (and the "y" mark under the true class) in one item:
        # above the bars, under the highlight glows.
        self.text_layers = {plot: TextLayer().add_to(plot, z=10)
                            for plot in (self.score_plot, self.prob_plot, self.grad_plot,
                                         self.svm_plot)}
        self.true_mark = self.text_layers[self.grad_plot].add("y", anchor=(0.5, 1.0))
        self.svm_true_mark = self.text_layers[self.svm_plot].add("y", anchor=(0.5, 1.0))

        self.loss_label = ReadoutLabel()
        self.loss_label.setTextFormat(Qt.RichText)
        self.loss_label.setAlignment(Qt.AlignCenter)
        self.loss_label.setWordWrap(True)
        self.loss_label.setToolTip(
            "Cross-entropy loss of this score vector: small when p_y is near 1")
        # Its text changes with every edit: an explicit minimum width keeps the panel's
        # minimum size (hence the dock and the window layout) independent of the digits.
        self.loss_label.setMinimumWidth(40)
        self.loss_label.setAutoFillBackground(True)

        self.svm_label = WrapLabel()
        self.svm_label.setTextFormat(Qt.RichText)
        self.svm_label.setAlignment(Qt.AlignCenter)
        self.svm_label.setWordWrap(True)
        self.svm_label.setToolTip(
            "Multiclass SVM loss of these scores and its subgradient: +1 for every class "
            "with a positive margin, minus their count at the true class")
        self.svm_box = QWidget()
        svm_layout = QVBoxLayout(self.svm_box)
        svm_layout.setContentsMargins(0, 0, 0, 0)
        svm_layout.setSpacing(2)
        svm_layout.addWidget(self.svm_panel, 1)
        svm_layout.addWidget(self.svm_label)
        self.svm_box.setVisible(False)

        layout.addWidget(self.score_panel, 1)
        layout.addWidget(self.prob_panel, 1)
        layout.addWidget(self.loss_label)
        layout.addWidget(self.grad_panel, 1)
        layout.addWidget(self.svm_box, 1)

        self.updates = DeferredRefresh(self, self._refresh)

        # -- connections ---------------------------------------------------
        self.classes_spin.valueChanged.connect(self._on_classes_spin_changed)
        self.true_class_combo.currentIndexChanged.connect(self._on_true_class_chosen)
        self.unselect_button.clicked.connect(self._on_unselect_clicked)
        self.temperature_edit.value_edited.connect(self._on_temperature_edited)
        self.temperature_slider.valueChanged.connect(self._on_temperature_slider_moved)
        self.temperature_reset.clicked.connect(self._on_temperature_reset_clicked)
        self.shift_minus.clicked.connect(self._on_shift_minus_clicked)
        self.shift_plus.clicked.connect(self._on_shift_plus_clicked)
        self.shift_slider.sliderPressed.connect(self._on_shift_slider_pressed)
        self.shift_slider.sliderReleased.connect(self._on_shift_slider_released)
        self.shift_slider.valueChanged.connect(self._on_shift_slider_moved)
        self.naive_check.toggled.connect(self._on_naive_toggled)
        self.score_vb.drag_started.connect(self._on_bar_drag_started)
        self.score_vb.dragged.connect(self._on_score_bar_dragged)
        self.score_vb.drag_finished.connect(self._on_bar_drag_finished)
        self.prob_vb.drag_started.connect(self._on_bar_drag_started)
        self.prob_vb.dragged.connect(self._on_prob_bar_dragged)
        self.prob_vb.drag_finished.connect(self._on_bar_drag_finished)
        self.score_vb.hovered.connect(self._on_score_bar_hovered)
        self.prob_vb.hovered.connect(self._on_prob_bar_hovered)
        self.grad_vb.hovered.connect(self._on_grad_bar_hovered)
        self.score_vb.sigResized.connect(self._on_chart_resized)
        self.prob_vb.sigResized.connect(self._on_chart_resized)
        self.grad_vb.sigResized.connect(self._on_chart_resized)
        self.svm_vb.sigResized.connect(self._on_chart_resized)
        scene.lab_changed.connect(self.updates.request)
        scene.hyper_changed.connect(self._on_hyper_changed)
        scene.highlight_changed.connect(self._on_highlight_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._set_shift_tooltips(False)
        self._apply_fixed_appearance()
        self.updates.request()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(max(450, self.minimumSizeHint().width()), 820)

    # ------------------------------------------------------------------ slots
    def _on_hyper_changed(self) -> None:
        if (self.scene.loss == "svm") != (not self.svm_box.isHidden()):
            self.updates.request()  # the SVM section appears or goes

    def _on_highlight_changed(self) -> None:
        self._update_glows()

    def _on_chart_resized(self, _vb=None) -> None:
        # The room for the printed values is measured in pixels.
        self.updates.request()
        self._fit_loss_font()

    def _on_appearance_changed(self) -> None:
        """Re-apply fonts, line widths, theme and class colours to the existing items."""
        self._apply_fixed_appearance()
        for panel in (self.score_panel, self.prob_panel, self.grad_panel, self.svm_panel):
            panel.apply_appearance()
        self._apply_class_appearance()
        self._bar_style = None
        self._svm_style = None
        self._grad_T = None
        self._svm_fit = None
        self._loss_fit = None
        self._refresh()
        self._fit_knobs()
        self._fit_loss_font()

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
        if j >= min(len(self.score_edits), self.scene.n_classes):
            return  # the editor of a class just removed, committing as it goes
        edit = self.score_edits[j]
        try:
            self.scene.set_score(j, value)
        except ValueError as exc:  # e.g. in linked mode b_j would leave its range
            edit.show_error(str(exc))  # keeps the text to be corrected; Escape restores
            return
        with QSignalBlocker(edit):  # show the scene's value, also when it was unchanged
            edit.setValue(float(self.scene.lab_scores()[j]))

    def _drag_begins(self, what) -> None:
        """A slider or bar drag starts: the other views redraw at ~10 Hz meanwhile."""
        if what not in self._dragging:
            self._dragging.add(what)
            interaction.begin(self)

    def _drag_ends(self, what) -> None:
        if what in self._dragging:
            self._dragging.discard(what)
            interaction.end(self)

    def _on_slider_pressed(self, j: int) -> None:
        self._slider_keys[j] = ("score-lab-slider", j, next(_drag_ids))
        self._drag_begins(("slider", j))

    def _on_slider_released(self, j: int) -> None:
        self._slider_keys.pop(j, None)
        self._drag_ends(("slider", j))

    def _on_slider_moved(self, j: int, value: int) -> None:
        key = self._slider_keys.get(j) if self.sliders[j].isSliderDown() else None
        self._set_score(j, value / SLIDER_RESOLUTION, key)

    def _on_bar_drag_started(self, j: int) -> None:
        self._bar_key = ("score-lab-bar", j, next(_drag_ids))
        self._freeze_score_range = True
        self._drag_begins("bar")

    def _on_bar_drag_finished(self, j: int) -> None:
        self._bar_key = None
        self._freeze_score_range = False
        self._update_score_range()
        self._drag_ends("bar")

    def _on_score_bar_dragged(self, j: int, y: float) -> None:
        if j < self.scene.n_classes and math.isfinite(y):
            self._set_score(j, float(np.clip(y, -MAX_SCORE, MAX_SCORE)), self._bar_key)

    def _on_prob_bar_dragged(self, j: int, y: float) -> None:
        if j >= self.scene.n_classes or not math.isfinite(y):
            return
        q = float(np.clip(y, *Q_CLAMP))
        T = self.scene.temperature
        s = np.asarray(self.scene.lab_scores(), dtype=float)
        try:  # softmax(s / T)_j = q: solve for s_j / T, then scale back
            with np.errstate(over="ignore"):
                s_j = engine.score_for_probability(s / T, j, q) * T
        except ValueError as exc:
            self._report(exc)
            return
        if not math.isfinite(s_j):
            return
        self._set_score(j, s_j, self._bar_key)

    # -- hover highlight --------------------------------------------------------
    def _on_score_bar_hovered(self, j: int) -> None:
        self._hover_bar("score", j)

    def _on_prob_bar_hovered(self, j: int) -> None:
        self._hover_bar("prob", j)

    def _on_grad_bar_hovered(self, j: int) -> None:
        self._hover_bar("grad", j)

    def _hover_bar(self, kind: str, j: int) -> None:
        """Ask every view to emphasise (kind, j); leaving the bars clears our own highlight."""
        if j >= 0:
            self.scene.set_highlight((kind, j))
        elif self.scene.highlight is not None and self.scene.highlight[0] == kind:
            self.scene.set_highlight(None)

    def highlighted_bar(self, kind: str) -> int | None:
        """The bar of chart ``kind`` ("score", "prob" or "grad") outlined as highlighted, or None."""
        return self._glow_bar.get(kind)

    # -- softmax knobs --------------------------------------------------------
    def _set_temperature(self, value: float) -> None:
        try:
            self.scene.set_temperature(value)
        except ValueError as exc:
            self._report(exc)
            self._refresh()

    def _on_temperature_edited(self, value) -> None:
        try:
            self.scene.set_temperature(value)
        except ValueError as exc:
            self.temperature_edit.show_error(str(exc))
            return
        with QSignalBlocker(self.temperature_edit):
            self.temperature_edit.setValue(self.scene.temperature)

    def _on_temperature_slider_moved(self, value: int) -> None:
        lo, hi = TEMPERATURE_RANGE
        self._set_temperature(min(max(10.0 ** (value / T_SLIDER_RESOLUTION), lo), hi))

    def _on_temperature_reset_clicked(self) -> None:
        self._set_temperature(1.0)

    def _on_naive_toggled(self, on: bool) -> None:
        try:
            self.scene.set_naive(on)
        except ValueError as exc:
            self._report(exc)
            self._refresh()

    def _on_shift_slider_pressed(self) -> None:
        self._shift_key = ("score-lab-shift", next(_drag_ids))
        self._drag_begins("shift")

    def _on_shift_slider_released(self) -> None:
        self._shift_key = None
        self._drag_ends("shift")

    def _on_shift_slider_moved(self, value: int) -> None:
        key = self._shift_key if self.shift_slider.isSliderDown() else None
        self._shift_by(value / SLIDER_RESOLUTION - self._shift_total, key)

    def _on_shift_minus_clicked(self) -> None:
        self._shift_by(-1.0)

    def _on_shift_plus_clicked(self) -> None:
        self._shift_by(1.0)

    def _shift_by(self, c: float, merge_key=None) -> None:
        """Add c to every free score (a slider drag is one undo entry); p does not move."""
        changed = False
        if self.scene.selected is None and c != 0:
            self._shifting = True
            try:
                changed = self.scene.shift_scores(c, merge_key)
            except ValueError as exc:
                self._report(exc)
            finally:
                self._shifting = False
        if changed:
            self._shift_total += c
            self._shift_scores = self.scene.scores
        self._sync_shift()

    def _sync_shift(self) -> None:
        c = self._shift_total
        pos = int(round(float(np.clip(c, -SHIFT_RANGE, SHIFT_RANGE)) * SLIDER_RESOLUTION))
        if self.shift_slider.value() != pos:
            with QSignalBlocker(self.shift_slider):
                self.shift_slider.setValue(pos)
        text = "c = " + ("0" if c == 0 else fmt_signed(c))
        if self.shift_value.text() != text:
            self.shift_value.setText(text)

    # ------------------------------------------------------------- building
    def _rebuild(self, n: int) -> None:
        """(Re)create the per-class editors and texts for ``n`` classes."""
        for what in [d for d in self._dragging if isinstance(d, tuple)]:
            self._drag_ends(what)  # (a slider removed while dragged)
        for widgets in (self.swatches, self.score_labels, self.score_edits, self.sliders):
            for w in widgets:
                self.editor_grid.removeWidget(w)
                w.deleteLater()
            widgets.clear()
        for plot, texts in self._text_lists():
            for t in texts:
                self.text_layers[plot].remove(t)
            texts.clear()
        self._slider_keys.clear()

        edit_tip = ("Score s{j} of class {j}: any number (e.g. 2.5, −1e3, 1e300); Enter applies, "
                    "Up/Down step by 0.5. With a point selected, changing s{j} shifts the bias b{j}.")
        slider_tip = ("Drag to set s{j} between −10 and 10 (one undo step per drag). "
                      "With a point selected this shifts the bias b{j}.")
        for j in range(n):
            swatch = QLabel()
            swatch.setToolTip(f"{style.class_name(j)}: its colour and marker everywhere in the app")
            name = QLabel(f"s<sub>{j + 1}</sub>")
            name.setTextFormat(Qt.RichText)
            name.setToolTip(f"The score (logit) of {style.class_name(j)}")
            edit = NumberEdit(0.0, minimum=-MAX_SCORE, maximum=MAX_SCORE, step=0.5,
                              name=f"s{j + 1}")
            edit.setBaseToolTip(edit_tip.format(j=j + 1))
            slider = QSlider(Qt.Horizontal)
            slider.setRange(-int(SLIDER_RANGE * SLIDER_RESOLUTION), int(SLIDER_RANGE * SLIDER_RESOLUTION))
            slider.setSingleStep(10)
            slider.setPageStep(100)
            slider.setToolTip(slider_tip.format(j=j + 1))
            slider.setMinimumWidth(80)
            # Opaque: a new value repaints the field or slider alone, not the panel behind.
            edit.setAutoFillBackground(True)
            slider.setAutoFillBackground(True)
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

        for plot, texts in self._text_lists():
            for j in range(n):
                texts.append(self.text_layers[plot].add("", anchor=(0.5, 1.0)))

        x = np.arange(1, n + 1, dtype=float)
        ticks = [[(float(j + 1), str(j + 1)) for j in range(n)]]
        pens = [pg.mkPen(outline_color())] * n  # placeholders: _update_bar_styles sets them
        brushes = [pg.mkBrush(style.class_color(j)) for j in range(n)]
        for plot, bars, vb in ((self.score_plot, self.score_bars, self.score_vb),
                               (self.prob_plot, self.prob_bars, self.prob_vb),
                               (self.grad_plot, self.grad_bars, self.grad_vb),
                               (self.svm_plot, self.svm_bars, self.svm_vb)):
            bars.setOpts(x=x, height=np.zeros(n), width=BAR_WIDTH, pens=pens, brushes=brushes)
            plot.getPlotItem().getAxis("bottom").setTicks(ticks)
            vb.setXRange(0.45, n + 0.55, padding=0)
            vb.n_bars = n

        with QSignalBlocker(self.true_class_combo):
            self.true_class_combo.clear()
            for j in range(n):
                self.true_class_combo.addItem(f"true class y = {j + 1}")
        self._n = n
        self._bar_style = None
        self._svm_style = None
        self._svm_fit = None
        self._apply_class_appearance()

    def _text_lists(self):
        return ((self.score_plot, self.score_cut_texts), (self.prob_plot, self.prob_texts),
                (self.grad_plot, self.grad_texts), (self.svm_plot, self.svm_texts))

    @staticmethod
    def _value_point_size(n: int) -> int:
        if n <= 4:
            return style.PLOT_POINT_SIZE
        if n <= 6:
            return style.PLOT_POINT_SIZE - 2
        return style.PLOT_POINT_SIZE - 4

    def _apply_fixed_appearance(self) -> None:
        """Fonts and sizes of the items that do not depend on the number of classes."""
        self.setFont(style.font())
        mark_font = style.font(style.TITLE_POINT_SIZE, bold=True)
        for mark in (self.true_mark, self.svm_true_mark):
            mark.setFont(mark_font)
            mark.setColor(style.foreground())
        icon = round(style.scaled(20))
        self.true_class_combo.setIconSize(QSize(icon, icon))
        self.temperature_edit.setFixedWidth(round(style.scaled(84)))
        metrics = QFontMetrics(self.font())
        self.shift_value.setMinimumWidth(metrics.horizontalAdvance("c = +0.00") + 4)
        for button in (self.shift_minus, self.shift_plus):
            button.setFixedWidth(metrics.horizontalAdvance("+1") + round(style.scaled(20)))
        for glow in self.glows.values():
            glow.setOpts(pen=highlight_pen())

    def _apply_class_appearance(self) -> None:
        """Class colours, icon sizes and value fonts of the per-class items."""
        n = self._n
        size = round(style.scaled(22))
        for j, swatch in enumerate(self.swatches):
            swatch.setPixmap(class_pixmap(j, size))
        for j in range(self.true_class_combo.count()):
            self.true_class_combo.setItemIcon(j, class_icon(j, size))
        for edit in self.score_edits:
            edit.setFixedWidth(round(style.scaled(EDIT_WIDTH)))
        text_font = style.font(self._value_point_size(n), bold=True)
        self._text_px = QFontMetrics(text_font).height() + 4
        for _, texts in self._text_lists():
            for t in texts:
                t.setFont(text_font)
        if self.score_edits:
            rows = min(n, MAX_VISIBLE_EDITOR_ROWS)
            row_h = max(e.sizeHint().height() for e in self.score_edits) + \
                self.editor_grid.verticalSpacing()
            self.editor_scroll.setFixedHeight(rows * row_h + 2)

    # ------------------------------------------------------------- updating
    def _refresh(self) -> None:
        """Show the scene's lab quantities in the existing items."""
        scene = self.scene
        n = scene.n_classes
        if n != self._n:
            self._rebuild(n)
        s = np.asarray(scene.lab_scores(), dtype=float)
        T = scene.temperature
        naive = scene.naive
        p = scene.lab_probabilities()  # the naive formula may hold NaN: shown as text only
        p_stable = engine.softmax(s, T) if naive else p
        g = scene.lab_gradient()
        y = scene.lab_label()
        loss = scene.lab_loss()
        invalid = ~np.isfinite(p)

        # (only when they change: a spin box repaints itself at every setValue, and what is
        # behind it too, ~1 ms at every score edit)
        if self.classes_spin.value() != n:
            with QSignalBlocker(self.classes_spin):
                self.classes_spin.setValue(n)
        if self.true_class_combo.currentIndex() != y:
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

        if not self._shifting and scene.scores is not self._shift_scores:
            self._shift_total = 0.0  # the scores were edited otherwise: c counts from here
            self._shift_scores = scene.scores
        self._sync_knobs(T, naive)
        self._update_banner()
        self._update_naive_banner(p, T, naive)

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
        self._update_bar_styles(n, y, invalid)
        # A NaN or inf probability gets a full-height hatched red bar (never a NaN height).
        self.prob_bars.setOpts(height=np.where(invalid, 1.0, p))
        self.grad_bars.setOpts(height=g)
        self._update_grad_range(T)
        self._update_score_range()
        self._update_texts(p, g, y, T)
        self._update_titles(T, naive)
        self._update_loss_label(p_stable, y, loss, T, naive)
        self._update_svm(s, y)
        self._update_glows()

    def _sync_knobs(self, T: float, naive: bool) -> None:
        edit = self.temperature_edit
        if edit.value() != T and not (edit.hasFocus() and edit.isModified()):
            with QSignalBlocker(edit):
                edit.setValue(T)
        pos = int(round(math.log10(T) * T_SLIDER_RESOLUTION))
        if self.temperature_slider.value() != pos:
            with QSignalBlocker(self.temperature_slider):
                self.temperature_slider.setValue(pos)
        self.temperature_reset.setEnabled(T != 1.0)
        if self.naive_check.isChecked() != naive:
            with QSignalBlocker(self.naive_check):
                self.naive_check.setChecked(naive)
        self._sync_shift()

    def _update_bar_styles(self, n: int, y: int, invalid) -> None:
        """Class-coloured bars; the true class's outlined thick; a NaN probability hatched red."""
        key = (n, y, tuple(invalid), appearance_key())
        if key == self._bar_style:
            return
        self._bar_style = key
        outline = outline_color()
        pens = [pg.mkPen(outline, width=style.scaled(4.5 if j == y else 1.2)) for j in range(n)]
        brushes = [pg.mkBrush(style.class_color(j)) for j in range(n)]
        prob_pens, prob_brushes = list(pens), list(brushes)
        warn = warning_color()
        for j in np.flatnonzero(invalid):
            prob_pens[j] = pg.mkPen(warn, width=style.scaled(3), style=Qt.DashLine)
            prob_brushes[j] = QBrush(warn, Qt.BDiagPattern)
        self.score_bars.setOpts(pens=[pg.mkPen(outline, width=style.scaled(1.2))] * n, brushes=brushes)
        self.prob_bars.setOpts(pens=prob_pens, brushes=prob_brushes)
        self.grad_bars.setOpts(pens=pens, brushes=brushes)

    def _update_grad_range(self, T: float) -> None:
        """The gradient (p − onehot(y)) / T spans ±1/T: scale the chart, its ticks and guides."""
        if self._grad_T == T:
            return
        self._grad_T = T
        k = 1.0 / T
        self.grad_vb.setYRange(GRAD_RANGE[0] * k, GRAD_RANGE[1] * k, padding=0)
        self.grad_plot.getPlotItem().getAxis("left").setTicks(
            [[(-k, style.format_number(-k, 3)), (0.0, "0"), (k, style.format_number(k, 3))],
             [(-0.5 * k, ""), (0.5 * k, "")]])
        self.grad_panel.set_guide_scale(k)

    def _update_titles(self, T: float, naive: bool) -> None:
        arg = "s" if T == 1.0 else "s / T"
        if naive:
            prob = f"naive p = exp({arg}) / Σ exp({arg})"
        else:
            prob = f"probabilities p = softmax({arg})"
        self.prob_panel.set_title(prob, "⇕ drag")
        self.grad_panel.set_title("gradient ∂L/∂s = p − onehot(y)" if T == 1.0 else
                                  "gradient ∂L/∂s = (p − onehot(y)) / T")

    def _update_loss_label(self, p, y: int, loss: float, T: float, naive: bool) -> None:
        p_y = float(p[y])
        p_text = fmt(p_y) if p_y > 0 else "0 (underflow)"
        head = "" if T == 1.0 else f"T = {style.format_number(T, 4)}: "
        text = f"{head}L = −ln p<sub>y</sub> = −ln {p_text} = {fmt(loss)}"
        if naive:
            naive_loss = self.scene.lab_naive_loss()
            special = fmt_special(naive_loss)
            value = fmt(naive_loss) if special is None else \
                f"<span style='color:{warning_color().name()}'>{special}</span>"
            text += f" · naive: {value}"
        if text != self.loss_label.text():
            self.loss_label.setText(text)
            self._fit_loss_font()

    def _update_naive_banner(self, p, T: float, naive: bool) -> None:
        if self.naive_banner.isHidden() == naive:
            self.naive_banner.setVisible(naive)
        if not naive:
            return
        finite = bool(np.all(np.isfinite(p)))
        broken = not finite or abs(float(np.sum(p)) - 1.0) > 1e-9
        text = NAIVE_BANNER
        if T != 1.0:
            text += f" (at T = {style.format_number(T, 4)}: above s ≈ {style.format_number(709.78 * T, 4)})"
        if broken:
            what = "p holds NaN" if not finite else f"Σp = {fmt(float(np.sum(p)))} ≠ 1"
            text = f"<b>⚠ {what}.</b> {text}"
            colors = ("#ffe0e0", "#c00000")
        else:
            text += " (try s₁ = 1000)."
            colors = ("#fff2c2", "#d9a400")
        if self.naive_banner.text() != text:
            self.naive_banner.setText(text)
        sheet = (f"QLabel#naive_banner {{ background: {colors[0]}; color: black; "
                 f"border: 2px solid {colors[1]}; border-radius: 4px; padding: 3px; }}")
        if self.naive_banner.styleSheet() != sheet:
            self.naive_banner.setStyleSheet(sheet)

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
        if self.loss_label.font() != f:
            self.loss_label.setFont(f)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_knobs()
        self._fit_loss_font()

    def _fit_knobs(self) -> None:
        """Sliders beside their fields when the width allows, else on rows of their own."""
        width = self.width()
        if width < 100:
            return
        grid = self.knobs_grid
        space = grid.horizontalSpacing()
        margins = grid.contentsMargins()
        fixed = (max(self.temperature_label.sizeHint().width(), self.shift_label.sizeHint().width())
                 + max(self.temperature_edit.width(), self.shift_buttons.sizeHint().width())
                 + max(self.temperature_reset.sizeHint().width(), self.shift_value.minimumWidth())
                 + 3 * space + margins.left() + margins.right() + 16)  # + the lab's margins
        changed = self._place_knobs(fixed + style.scaled(MIN_SLIDER_WIDTH) > width)
        caption = (self.shift_caption.fontMetrics().horizontalAdvance(self.shift_caption.text())
                   + self.naive_check.sizeHint().width() + 8 + margins.left() + margins.right() + 16)
        direction = QBoxLayout.LeftToRight if caption <= width else QBoxLayout.TopToBottom
        box = self.caption_box.layout()
        if box.direction() != direction:
            box.setDirection(direction)
            changed = True
        if changed:  # the knobs' new minimum height must reach the dock's scroll area
            self.caption_box.updateGeometry()
            self.knobs.updateGeometry()
            self.layout().invalidate()

    def _place_knobs(self, stacked: bool) -> bool:
        """Put the knob widgets in the grid: 3 rows, or 5 with the sliders on rows of their own."""
        if stacked == self._knobs_stacked:
            return False
        self._knobs_stacked = stacked
        grid = self.knobs_grid
        if stacked:
            places = ((self.temperature_label, 0, 0, 1, 1), (self.temperature_edit, 0, 1, 1, 1),
                      (self.temperature_reset, 0, 3, 1, 1), (self.temperature_slider, 1, 0, 1, 4),
                      (self.shift_label, 2, 0, 1, 1), (self.shift_buttons, 2, 1, 1, 1),
                      (self.shift_value, 2, 3, 1, 1), (self.shift_slider, 3, 0, 1, 4),
                      (self.caption_box, 4, 0, 1, 4))
        else:
            places = ((self.temperature_label, 0, 0, 1, 1), (self.temperature_edit, 0, 1, 1, 1),
                      (self.temperature_slider, 0, 2, 1, 1), (self.temperature_reset, 0, 3, 1, 1),
                      (self.shift_label, 1, 0, 1, 1), (self.shift_buttons, 1, 1, 1, 1),
                      (self.shift_slider, 1, 2, 1, 1), (self.shift_value, 1, 3, 1, 1),
                      (self.caption_box, 2, 0, 1, 4))
        for w, *_ in places:
            grid.removeWidget(w)
        for w, row, col, rows, cols in places:
            grid.addWidget(w, row, col, rows, cols)
        return True

    def _update_banner(self) -> None:
        i = self.scene.selected
        linked = i is not None
        self.banner.setVisible(linked)
        self.score_panel.set_title(SCORE_TITLE_LINKED if linked else SCORE_TITLE_FREE, DRAG_HINT)
        if self.shift_slider.isEnabled() == linked:
            for w in (self.shift_minus, self.shift_plus, self.shift_slider, self.shift_label):
                w.setEnabled(not linked)
            self._set_shift_tooltips(linked)
        if not linked:
            return
        c = int(self.scene.y[i])
        self.banner_label.setText(f"<b>Point #{i + 1}</b> ({style.class_name(c)})")

    def _set_shift_tooltips(self, linked: bool) -> None:
        if linked:
            why = ("Off while a point is selected: its scores come from W and b "
                   "(unselect it to shift the free scores)")
            tips = (why,) * 4
        else:
            tips = ("Subtract 1 from every free score: p does not change",
                    "Add 1 to every free score: p does not change",
                    "Drag to add c (−10 to 10) to every free score: s moves, p stays put",
                    "Shift every free score by the same c")
        for w, tip in zip((self.shift_minus, self.shift_plus, self.shift_slider, self.shift_label), tips):
            w.setToolTip(tip)
        self.shift_value.setToolTip("c: the total shift added with these controls")

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

    def _update_texts(self, p, g, y, T) -> None:
        """Print each bar's value beyond its end, or inside it when there is no room beyond."""
        n = len(p)
        g_hi = GRAD_RANGE[1] / T
        p_text = self._text_px * (P_RANGE[1] - P_RANGE[0]) / self._chart_height(self.prob_vb)
        g_text = self._text_px * 2 * g_hi / self._chart_height(self.grad_vb)
        warn = warning_color()
        for j in range(n):
            x = j + 1.0
            special = fmt_special(float(p[j]))
            if special is not None:  # inside the top of the hatched bar, in red
                set_bar_text(self.prob_texts[j], special, x, 1.0, (0.5, 0.0), None, warn)
            else:
                inside = p[j] + p_text > P_RANGE[1] and p[j] > p_text
                set_bar_text(self.prob_texts[j], bar_value_text(p[j], n), x, p[j],
                             (0.5, 0.0) if inside else (0.5, 1.0), j if inside else None)
            inside = abs(g[j]) + g_text > g_hi and abs(g[j]) > g_text
            up = g[j] >= 0 and j != y  # the true class's bar points down
            set_bar_text(self.grad_texts[j], grad_value_text(g[j], n, T), x, g[j],
                         (0.5, 0.0 if up == inside else 1.0), j if inside else None)
        self.true_mark.setPos(y + 1.0, 0.02 / T)

    # -- multiclass SVM ---------------------------------------------------------
    def _update_svm(self, s, y: int) -> None:
        """Margins m_j = s_j − s_y + 1, L_svm = Σ max(0, m_j) and its subgradient (svm loss only)."""
        svm = self.scene.loss == "svm"
        if self.svm_box.isHidden() == svm:
            self.svm_box.setVisible(svm)
        if not svm:
            return
        n = len(s)
        with np.errstate(over="ignore", invalid="ignore"):
            m = s - s[y] + 1.0
        m[y] = 0.0
        m = np.nan_to_num(m, nan=0.0, posinf=SCORE_DRAW_LIMIT, neginf=-SCORE_DRAW_LIMIT)
        h = np.clip(m, -SCORE_DRAW_LIMIT, SCORE_DRAW_LIMIT)
        positive = m > 0
        loss = float(engine.per_sample_hinge(s, y)[0])
        g = engine.hinge_score_gradient(s, y)
        key = (n, y, tuple(positive), appearance_key())
        if key != self._svm_style:
            self._svm_style = key
            pens, brushes = [], []
            for j in range(n):
                color = style.class_color(j)
                if positive[j]:
                    pens.append(pg.mkPen(outline_color(), width=style.scaled(3)))
                    brushes.append(pg.mkBrush(color))
                else:  # satisfied margin: a pale, dashed bar that adds nothing
                    pens.append(pg.mkPen(muted_color(), width=style.scaled(1.2), style=Qt.DashLine))
                    color.setAlpha(70)
                    brushes.append(pg.mkBrush(color))
            self.svm_bars.setOpts(pens=pens, brushes=brushes)
        self.svm_bars.setOpts(height=h)
        # Room for a printed margin beyond each bar's end: one text height above and below.
        lo, hi = min(0.0, float(h.min())), max(0.0, float(h.max()))
        span = max(hi - lo, 1.0)
        px = self._chart_height(self.svm_vb)
        pad = span if px < 3 * self._text_px else self._text_px * span / (px - 2 * self._text_px)
        need = (lo - pad, hi + pad)
        fit = self._svm_fit
        if fit is None or not (fit[0] <= need[0] and fit[1] >= need[1]
                               and fit[1] - fit[0] <= 1.5 * (need[1] - need[0])):
            self._svm_fit = (lo - 1.1 * pad, hi + 1.1 * pad)
            self.svm_vb.setYRange(*self._svm_fit, padding=0)
        for j in range(n):
            t = self.svm_texts[j]
            t.setVisible(j != y)
            if j != y:
                set_bar_text(t, fmt_signed(float(m[j]), 3), j + 1.0, float(h[j]),
                             (0.5, 1.0) if h[j] >= 0 else (0.5, 0.0), None)
        self.svm_true_mark.setPos(y + 1.0, 0.0)
        grad = ", ".join("0" if v == 0 else f"{int(v):+d}".replace("-", "\u2212") for v in g)
        text = (f"<b>L<sub>svm</sub> = Σ<sub>j≠y</sub> max(0, m<sub>j</sub>) = {fmt(loss)}</b>"
                f" · ∂L<sub>svm</sub>/∂s = ({grad})")
        if self.svm_label.text() != text:
            self.svm_label.setText(text)

    # -- highlight --------------------------------------------------------------
    def _update_glows(self) -> None:
        """Outline the bar(s) matching the scene's highlight; ("jacobian", i, j) marks p_i and s_j."""
        target = self.scene.highlight
        want = dict.fromkeys(self.glows)
        if target is not None:
            if target[0] in want:
                want[target[0]] = target[1]
            elif target[0] == "jacobian":
                want["prob"], want["score"] = target[1], target[2]
        bars = {"score": self.score_bars, "prob": self.prob_bars, "grad": self.grad_bars}
        for kind, j in want.items():
            glow = self.glows[kind]
            if j is None or not 0 <= j < self._n:
                glow.setVisible(False)
                self._glow_bar[kind] = None
                continue
            h = float(bars[kind].opts["height"][j])
            glow.setOpts(x=[j + 1.0], height=[h])
            glow.setVisible(True)
            self._glow_bar[kind] = j
