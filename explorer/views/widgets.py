"""Small reusable widgets: a validating number field, a steady rich-text readout, a
still plot (``still_plot``); ``cache_drawing`` for plot items, ``BoxedText`` for a boxed
label among them; ``TextLayer`` for the many short texts of a plot; ``PanelScroll``,
the scroll area around each dock's panel."""

from __future__ import annotations

import math

import numpy as np

from .. import style
from ..qtimport import pg
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAbstractTextDocumentLayout, QColor, QFont, QFontMetricsF, QImage, QPainter, QPalette, QStaticText,
    QTextDocument, QTextOption,
)
from PySide6.QtWidgets import (
    QFrame, QGraphicsGridLayout, QGraphicsItem, QGraphicsTextItem, QLabel, QLineEdit, QScrollArea,
    QSizePolicy, QToolTip, QVBoxLayout, QWidget,
)


class MessageHub(QObject):
    """Where widgets report input problems; the main window shows them in its status bar."""

    message = Signal(str)


messages = MessageHub()


def set_steady_text(label: QLabel, text: str, sample: str = "") -> None:
    """Set a one-line text that changes often (a readout) without laying its panel out again.

    A new text makes Qt lay out the label's parents again (and repaint what moved),
    unless the label has a fixed size: ``fit_steady`` gives it one. It also paints its own
    background, so that Qt need not repaint the panel (and the dock, and the window)
    behind it, and a label whose text can be selected lays its text out at once (see
    below), so that it is painted once per new text.
    """
    if not label.autoFillBackground():
        label.setAutoFillBackground(True)
    fit_steady(label, text, sample)
    if label.text() != text:
        label.setText(text)
        # (the flag's int: ``&`` of two of PySide's enum flags takes ~10 us)
        if label.textInteractionFlags().value & _SELECTABLE_BY_MOUSE:
            # A label whose text can be selected lays it out in a text document; laid out
            # only when painted, that document asks for a second paint (~0.5 ms). Now:
            label.sizeHint()


_SELECTABLE_BY_MOUSE = Qt.TextSelectableByMouse.value


def text_width(metrics, text: str) -> int:
    """``metrics.horizontalAdvance(text)``: what ``fit_steady`` measures a text with (Qt
    shapes the text: ~5 us)."""
    return metrics.horizontalAdvance(text)


def fit_steady(label: QLabel, text: str, sample: str = "", least: int = 0,
               refit: bool = False) -> None:
    """A fixed size for a one-line label, so that a new text lays nothing out: wide enough
    for ``text``, ``sample`` (a longest typical text) and ``least`` pixels, growing only
    when a text needs more room; fitted again when its font's height changes, or when
    ``refit`` (e.g. a new font or least width; new margins need it).

    Once fitted, a text is measured only when it may not fit (Qt shapes a text to measure
    it: a label given a new text at every edit took ~25 us, ~5 us now; see
    ``_FontWidths``): a text with the digit pattern of one measured before (its digits
    all 0s: "loss 0.0000" for "loss 0.4213") is as wide as that one when the font's
    digits are all as wide, and a text whose characters' advances add up (with a margin
    for rounding and kerning) to no more than the room it has fits.
    """
    fm = label.fontMetrics()
    fit = None if refit else getattr(label, "_steady_fit", None)
    if fit is not None and fit.sample == sample and fit.least == least and fit.metrics == fm \
            and label.maximumWidth() == fit.width:
        widths = fit.widths
        known = widths.known(text)
        if known is not None and known <= fit.room:
            return
        if widths.bound(text) <= fit.room:
            return
    m = label.contentsMargins()
    pad = m.left() + m.right() + 2 * label.margin() + 4
    height = fm.height() + m.top() + m.bottom() + 2 * label.margin()
    widths = fit.widths if fit is not None and fit.metrics == fm else _FontWidths(label.font())
    measured = widths.width(fm, text)
    if sample:
        measured = max(measured, widths.width(fm, sample))
    need = max(measured + pad, int(least))
    fixed = label.minimumWidth() == label.maximumWidth() and label.minimumHeight() == height \
        and label.maximumHeight() == height
    if refit or not fixed:
        label.setFixedSize(need, height)
    elif label.maximumWidth() < need:
        label.setFixedWidth(need)
    width = label.maximumWidth()
    label._steady_fit = _SteadyFit(fm, sample, least, width, width - pad, widths)


_DIGITS_AS_ZERO = str.maketrans("123456789", "000000000")


class _SteadyFit:
    """How ``fit_steady`` last fitted a label: for its font (``metrics``), ``sample`` and
    ``least``, it is ``width`` pixels wide, with ``room`` for a text."""

    __slots__ = ("metrics", "sample", "least", "width", "room", "widths")

    def __init__(self, metrics, sample, least, width, room, widths):
        self.metrics, self.sample, self.least = metrics, sample, least
        self.width, self.room, self.widths = width, room, widths


class _FontWidths:
    """What ``fit_steady`` knows of a label's font: each character's advance, whether its
    ten digits are all as wide (most fonts' are), and then the width measured for each
    digit pattern of a text."""

    MAX_PATTERNS = 256

    def __init__(self, font):
        self._exact = QFontMetricsF(font)
        self.advances: dict[str, float] = {}
        self.tabular = len({self._exact.horizontalAdvance(d) for d in "0123456789"}) == 1
        self.patterns: dict[str, int] = {}

    def bound(self, text: str) -> float:
        """At least the width Qt gives ``text``: its characters' advances added up, and a
        margin for rounding and kerning."""
        advances = self.advances
        try:
            total = sum(map(advances.__getitem__, text))
        except KeyError:
            for ch in set(text).difference(advances):
                advances[ch] = self._exact.horizontalAdvance(ch)
            total = sum(map(advances.__getitem__, text))
        return total + 0.25 * len(text) + 1.0

    def known(self, text: str) -> int | None:
        """The width measured for ``text``'s digit pattern, if any (tabular digits only)."""
        return self.patterns.get(text.translate(_DIGITS_AS_ZERO)) if self.tabular else None

    def width(self, metrics, text: str) -> int:
        """Qt's width of ``text`` (``text_width``): the one of its digit pattern when known,
        else measured (and its pattern remembered, with tabular digits)."""
        width = self.known(text)
        if width is None:
            width = text_width(metrics, text)
            if self.tabular:
                if len(self.patterns) >= self.MAX_PATTERNS:
                    self.patterns.clear()
                self.patterns[text.translate(_DIGITS_AS_ZERO)] = width
        return width


class SelectableLabel(QLabel):
    """A label whose text the mouse can select, made selectable only while the pointer is
    over it (and while it holds a selection or the keyboard focus): a selectable
    ``QLabel`` lays its text out in a text document at each new text (~0.3 ms) and paints
    it from there (~0.2 ms more than a plain label), which a readout given a new text at
    every edit and training frame would pay for while nobody points at it."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self._pointed = False
        self._plain = self.textInteractionFlags()  # (QLabel's own: links, no selection)
        self._selectable = self._plain | Qt.TextSelectableByMouse

    def enterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._pointed = True
        self._set_selectable(True)
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._pointed = False
        super().leaveEvent(event)
        if not self.hasSelectedText() and not self.hasFocus():
            self._set_selectable(False)

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        if not self._pointed:
            self._set_selectable(False)

    def _set_selectable(self, on: bool) -> None:
        flags = self._selectable if on else self._plain
        if self.textInteractionFlags() != flags:
            self.setTextInteractionFlags(flags)


class ReadoutLabel(QWidget):
    """A centred, word-wrapped rich-text readout whose text changes at every edit.

    A ``QLabel`` with a new text asks its panel, its dock and the main window to lay
    themselves out again and repaint their backgrounds (~4 ms per edit here), even when
    its size stays the same. This one repaints itself only, and changes its height (the
    only thing the layout needs from it) when a text wraps onto more or fewer lines.

    The ``QLabel`` calls the app uses: ``text``, ``setText`` (Qt rich text),
    ``setAlignment``; ``setTextFormat`` and ``setWordWrap`` are accepted (it is always
    rich text and always wraps).
    """

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._text = ""
        self._doc = QTextDocument(self)
        self._doc.setDocumentMargin(0)
        self._option = QTextOption(Qt.AlignHCenter)
        self._option.setWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
        self._doc.setDefaultTextOption(self._option)
        self._height = 0
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        text = str(text)
        if text == self._text:
            return
        self._text = text
        self._doc.setHtml(text)
        self._fit()
        self.update()

    def setAlignment(self, alignment) -> None:  # noqa: N802 - Qt's name
        self._option.setAlignment(Qt.AlignmentFlag(alignment) & Qt.AlignHorizontal_Mask)
        self._doc.setDefaultTextOption(self._option)
        self._doc.setHtml(self._text)  # (the option applies to blocks made from now on)
        self.update()

    def setTextFormat(self, _fmt) -> None:  # noqa: N802 - Qt's name
        pass

    def setWordWrap(self, _on: bool) -> None:  # noqa: N802 - Qt's name
        pass

    def _text_width(self) -> float:
        return float(max(1, self.contentsRect().width()))

    def _fit(self) -> None:
        """Lay the text out at the current width; a new height (only) updates the layout."""
        self._doc.setDefaultFont(self.font())
        self._doc.setTextWidth(self._text_width())
        m = self.contentsMargins()
        h = math.ceil(self._doc.size().height()) + m.top() + m.bottom() if self._text else 0
        if h != self._height:
            self._height = h
            self.updateGeometry()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        m = self.contentsMargins()
        return QSize(math.ceil(self._doc.idealWidth()) + m.left() + m.right(), self._height)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(0, self._height)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.FontChange, QEvent.PaletteChange, QEvent.StyleChange):
            self._fit()
            self.update()

    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt's name
        r = self.contentsRect()
        painter = QPainter(self)
        dy = max(0.0, (r.height() - self._doc.size().height()) / 2)
        painter.translate(QPointF(r.left(), r.top() + dy))
        context = QAbstractTextDocumentLayout.PaintContext()
        context.palette = QPalette(self.palette())
        context.palette.setColor(QPalette.Text, self.palette().color(QPalette.WindowText))
        self._doc.documentLayout().draw(painter, context)
        painter.end()


def _wrapped_extra_height(layout: QVBoxLayout, width: int) -> int:
    """How much more than its minimum height a column of widgets ``width`` pixels wide
    needs so that its word-wrapped labels show all their lines: those in it, in columns
    within it, and in rows within it (at the widths the row gives them). Qt's own
    ``minimumHeightForWidth`` takes every nested widget with wrapped text at its
    preferred height, plots and all."""
    m = layout.contentsMargins()
    inner = width - m.left() - m.right()
    extra = 0
    for i in range(layout.count()):
        item = layout.itemAt(i)
        if item.isEmpty():
            continue
        label, sub = item.widget(), item.layout()
        if isinstance(label, QLabel) and label.wordWrap():
            extra += max(0, label.heightForWidth(inner) - item.minimumSize().height())
        elif isinstance(sub, QVBoxLayout):
            extra += _wrapped_extra_height(sub, inner)
        elif sub is not None:  # a row: its labels wrap at the widths it gives them
            in_row = [sub.itemAt(k).widget() for k in range(sub.count())]
            tall = max((w.heightForWidth(w.width()) for w in in_row
                        if isinstance(w, QLabel) and w.wordWrap() and w.isVisibleTo(layout.parentWidget())),
                       default=0)
            extra += max(0, tall - item.minimumSize().height())
    return extra


class PanelScroll(QScrollArea):
    """A dock's panel that scrolls when the dock is smaller than the panel needs.

    A panel's minimum size grows with the appearance scale (Ctrl+=), and a main window
    whose docks each insist on theirs grows past the screen: its bottom rows (the status
    bar, the panels' tabs) go off the screen, and Qt squeezes the panels that ask least
    (the Jacobian, the curves) to a strip. Here a dock asks for no more than ``least``
    pixels (times the appearance scale; the panel's own minimum if less); the main window
    shares its columns out (``MainWindow._size_docks``: each panel in view what it needs,
    where there is room), and a panel that gets less keeps its minimum and scrolls.

    The panel is sized here rather than by ``QScrollArea.setWidgetResizable``, which sizes
    a panel with wrapped text to its layout's preferred height for the width (every plot
    at its preferred height): that scrolled panels that fit. Here a panel gets the dock's
    size, or its minimum height at that width (wrapped texts at their wrapped height)
    where that is more.
    """

    short = Signal()  # the panel, in view, has just come to need more room than it has

    def __init__(self, panel: QWidget, least: tuple[int, int] = (220, 120)):
        super().__init__()
        self.panel = panel
        self.least = least
        self.setFrameShape(QFrame.NoFrame)
        self.setFocusPolicy(Qt.NoFocus)  # (a click beside the panel's fields, or Tab, never
        # stops on the scroll area: the keys stay with the field or the window's shortcuts)
        self.setWidget(panel)
        panel.setAutoFillBackground(False)  # (the dock's background shows, as without it)
        self.viewport().setAutoFillBackground(False)
        panel.installEventFilter(self)
        self._placing = False
        self._short = False

    def _least(self) -> QSize:
        return self.panel.minimumSizeHint().expandedTo(self.panel.minimumSize())

    def _height_at(self, width: int) -> int:
        """The panel's least height at ``width``: its minimum, with its word-wrapped labels
        at their wrapped height."""
        h = self._least().height()
        layout = self.panel.layout()
        if isinstance(layout, QVBoxLayout) and layout.hasHeightForWidth():
            h += _wrapped_extra_height(layout, width)
        return h

    def need(self, width: int | None = None) -> QSize:
        """What the panel needs not to scroll in a scroll area ``width`` pixels wide
        (default: this one's width); its width with room for a vertical scroll bar."""
        least = self._least()
        width = self.width() if width is None else width
        return QSize(least.width() + self.verticalScrollBar().sizeHint().width(),
                     self._height_at(max(least.width(), width)))

    def _place(self) -> None:
        """The panel at the scroll area's size, or at what it needs where that is more
        (with room for the scroll bars that then show)."""
        if self._placing:
            return
        self._placing = True
        try:
            least, width, height = self._least(), self.width(), self.height()
            vbar = self.verticalScrollBar().sizeHint().width()
            hbar = self.horizontalScrollBar().sizeHint().height()
            across = least.width() > width  # (scrolls sideways)
            down = self._height_at(max(least.width(), width)) > height - (hbar if across else 0)
            if down and not across and least.width() > width - vbar:
                across = True
            w = max(least.width(), width - (vbar if down else 0))
            h = max(self._height_at(w), height - (hbar if across else 0))
            if (w, h) != self.panel.size().toTuple():
                self.panel.resize(w, h)
            short = (down or across) and not self.visibleRegion().isEmpty()
            if short and not self._short:
                self.short.emit()
            self._short = short
        finally:
            self._placing = False

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.panel and event.type() == QEvent.LayoutRequest:
            self._place()
        return super().eventFilter(obj, event)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._place()

    def least_size(self) -> QSize:
        """The most this scroll area asks for (``least`` at the appearance scale): a strip
        to scroll the panel in."""
        w, h = self.least
        return QSize(round(style.scaled(w)), round(style.scaled(h)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.need().boundedTo(self.least_size())

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return self.panel.sizeHint().expandedTo(self.need())


class LightPlotItem(pg.GraphicsWidget):
    """The part of ``pg.PlotItem`` the app's charts use: a ViewBox with a left and a bottom
    axis, laid out as PlotItem lays them out, without what PlotItem builds for its
    context menu and "Plot Options" (a form of ~30 widgets, ~80 signal connections:
    ~12 ms of every plot at start-up, for a menu these charts never show).

    Offers PlotItem's ``vb``, ``axes``, ``items``, ``layout``, ``getViewBox``,
    ``getAxis``, ``addItem``/``removeItem``, ``setLabel``, ``showAxis``/``hideAxis``,
    ``showGrid`` and the ViewBox's range methods; there is no "top" or "right" axis.
    """

    _ROWS, _COLUMNS = 4, 3  # PlotItem's grid: title, top axis, view, bottom axis

    def __init__(self, viewBox=None, axisItems=None, parent=None):  # noqa: N803 - pyqtgraph's names
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        layout = self.layout = QGraphicsGridLayout()
        layout.setContentsMargins(1, 1, 1, 1)
        layout.setHorizontalSpacing(0)
        layout.setVerticalSpacing(0)
        self.setLayout(layout)
        self.vb = viewBox if viewBox is not None else pg.ViewBox(parent=self, enableMenu=False)
        layout.addItem(self.vb, 2, 1)
        self.items: list = []
        self.axes: dict = {}
        axisItems = axisItems or {}
        for name, pos in (("bottom", (3, 1)), ("left", (2, 0))):
            axis = axisItems.get(name) or pg.AxisItem(orientation=name, parent=self)
            axis.linkToView(self.vb)
            self.axes[name] = {"item": axis, "pos": pos}
            layout.addItem(axis, *pos)
            axis.setZValue(0.5)
            axis.setFlag(QGraphicsItem.GraphicsItemFlag.ItemNegativeZStacksBehindParent)
        for i in range(self._ROWS):
            layout.setRowPreferredHeight(i, 0)
            layout.setRowMinimumHeight(i, 0)
            layout.setRowSpacing(i, 0)
            layout.setRowStretchFactor(i, 1)
        for i in range(self._COLUMNS):
            layout.setColumnPreferredWidth(i, 0)
            layout.setColumnMinimumWidth(i, 0)
            layout.setColumnSpacing(i, 0)
            layout.setColumnStretchFactor(i, 1)
        layout.setRowStretchFactor(2, 100)
        layout.setColumnStretchFactor(1, 100)

    def getViewBox(self):  # noqa: N802 - pyqtgraph's name
        return self.vb

    def getAxis(self, name: str):  # noqa: N802 - pyqtgraph's name
        if name not in self.axes:
            raise ValueError(f"this plot has no {name!r} axis; it has {', '.join(self.axes)}")
        return self.axes[name]["item"]

    def addItem(self, item, *args, **kwargs) -> None:  # noqa: N802 - pyqtgraph's name
        if item in self.items:
            return
        self.items.append(item)
        self.vb.addItem(item, *args, ignoreBounds=kwargs.get("ignoreBounds", False))

    def removeItem(self, item) -> None:  # noqa: N802 - pyqtgraph's name
        if item in self.items:
            self.items.remove(item)
            self.vb.removeItem(item)

    def setLabel(self, axis: str, text=None, units=None, **style) -> None:  # noqa: N802
        self.getAxis(axis).setLabel(text=text, units=units, **style)
        self.showAxis(axis)

    def showAxis(self, axis: str, show: bool = True) -> None:  # noqa: N802 - pyqtgraph's name
        self.getAxis(axis).setVisible(show)

    def hideAxis(self, axis: str) -> None:  # noqa: N802 - pyqtgraph's name
        self.showAxis(axis, False)

    def showGrid(self, x=None, y=None, alpha=None) -> None:  # noqa: N802 - pyqtgraph's name
        level = int(255 * (0.5 if alpha is None else min(max(alpha, 0.0), 1.0)))  # (as PlotItem)
        if x is not None:
            self.getAxis("bottom").setGrid(level if x else False)
        if y is not None:
            self.getAxis("left").setGrid(level if y else False)

    def hideButtons(self) -> None:  # noqa: N802 - pyqtgraph's name (there are none)
        pass

    def setMenuEnabled(self, enableMenu=True, enableViewBoxMenu="same") -> None:  # noqa: N802, N803
        pass  # (no menu is built)

    def __getattr__(self, name):
        if name in _VIEW_METHODS:  # the range methods PlotItem hands to its ViewBox
            return getattr(self.vb, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


_VIEW_METHODS = frozenset((
    "setXRange", "setYRange", "setRange", "autoRange", "viewRect", "viewRange", "setMouseEnabled",
    "setLimits", "enableAutoRange", "disableAutoRange", "setAspectLocked", "invertY", "invertX",
    "setXLink", "setYLink", "setDefaultPadding",
))


def _to_plot_item(name: str):
    """A LightPlotWidget method that calls its plot item's method ``name``."""
    def method(self, *args, **kwargs):
        return getattr(self.plotItem, name)(*args, **kwargs)
    method.__name__ = name
    return method


class LightPlotWidget(pg.GraphicsView):
    """``pg.PlotWidget`` around a ``LightPlotItem``: ``plotItem``, ``getPlotItem()``, and the
    item's methods (``addItem``, ``getAxis``, ``setYRange``, ...) on the widget itself."""

    def __init__(self, viewBox=None, axisItems=None, parent=None):  # noqa: N803 - pyqtgraph's names
        super().__init__(parent, background="default")
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.enableMouse(False)
        self.plotItem = LightPlotItem(viewBox=viewBox, axisItems=axisItems)
        self.setCentralItem(self.plotItem)

    def getPlotItem(self) -> LightPlotItem:  # noqa: N802 - pyqtgraph's name
        return self.plotItem

    def setBackground(self, background) -> None:  # noqa: N802 - pyqtgraph's name
        """pyqtgraph's, and with an opaque background the viewport's own fill left out:
        Qt fills a view's viewport with its palette before every paint, and the view then
        fills it again with this background (~0.1 ms a repaint of the dataset plot)."""
        super().setBackground(background)
        opaque = self.backgroundBrush().isOpaque()
        viewport = self.viewport()
        viewport.setAutoFillBackground(not opaque)
        viewport.setAttribute(Qt.WA_OpaquePaintEvent, opaque)

    # As PlotWidget: these reach the plot, not GraphicsView's methods of the same names.
    addItem = _to_plot_item("addItem")
    removeItem = _to_plot_item("removeItem")
    setRange = _to_plot_item("setRange")
    setXRange = _to_plot_item("setXRange")
    setYRange = _to_plot_item("setYRange")
    viewRect = _to_plot_item("viewRect")
    setAspectLocked = _to_plot_item("setAspectLocked")

    def __getattr__(self, name):
        if name != "plotItem" and "plotItem" in self.__dict__:
            return getattr(self.plotItem, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def still_plot(light: bool = False):
    """A plot to read, not to explore: no context menu (not even built), no auto-range
    button, no mouse panning or zooming. Returns ``(PlotWidget, PlotItem, ViewBox)``.

    ``light``: a ``LightPlotWidget`` (a ViewBox, a left and a bottom axis; no legend,
    no "top" or "right" axis, no data-item options), ~12 ms quicker to build."""
    plot = LightPlotWidget() if light else pg.PlotWidget(enableMenu=False)
    item = plot.getPlotItem()
    item.hideButtons()
    item.setMenuEnabled(False)
    view = item.getViewBox()
    view.setMouseEnabled(x=False, y=False)
    view.setMenuEnabled(False)
    cache_drawing(item.getAxis("left"), item.getAxis("bottom"))  # (blitted between changes)
    return plot, item, view


def cache_drawing(*items) -> None:
    """Keep each plot item's drawing in a pixmap (``QGraphicsItem.DeviceCoordinateCache``).

    An item that does not change, or only moves, is then blitted instead of drawn again
    whenever anything else in its plot changes (pyqtgraph items draw in Python: 0.2-0.5 ms
    each, a scatter of 10,000 markers ~8 ms). For a ``pg.TextItem``, its text is cached too,
    and for a ``pg.AxisItem`` its label (a text document laid out and drawn again at every
    repaint of the plot otherwise: ~0.08 ms each).
    """
    for item in items:
        item.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        text = getattr(item, "textItem", None)
        if text is not None:
            text.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        label = getattr(item, "label", None)
        if isinstance(item, pg.AxisItem) and isinstance(label, QGraphicsTextItem):
            label.setCacheMode(QGraphicsItem.DeviceCoordinateCache)


class BoxedText(pg.TextItem):
    """A ``pg.TextItem`` whose box (``fill`` and ``border``) shows when its drawing is cached
    (``cache_drawing``).

    pyqtgraph's paint, the first time the item paints in a scene, hooks it to the scene
    and sets the painter to the item's scene transform: right for a painter on the view,
    wrong for one on the item's cache pixmap, so the box went off the pixmap, and the cache
    kept that drawing until the text changed (an arrow's label never showed its box). Here
    the painter stays as Qt set it up; when the hook-up changed the transform the item
    draws once more with the new one.
    """

    def paint(self, p, *args):
        scene, last = self.scene(), self._lastScene
        if scene is not last:
            if last is not None:
                last.sigPrepareForPaint.disconnect(self.updateTransform)
            self._lastScene = scene
            if scene is not None:
                scene.sigPrepareForPaint.connect(self.updateTransform)
            before = self.transform()
            self.updateTransform()
            if self.transform() != before:
                self.update()  # (this drawing used the old transform: the next one is right)
        if self.border.style() != Qt.PenStyle.NoPen or self.fill.style() != Qt.BrushStyle.NoBrush:
            p.setPen(self.border)
            p.setBrush(self.fill)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.drawPolygon(self.textItem.mapToParent(self.textItem.boundingRect()))


def parse_number(text: str, *, minimum: float = -math.inf, maximum: float = math.inf,
                 integer: bool = False, name: str = "value") -> float | int:
    """Parse a typed number; raise ``ValueError`` with a message the user can act on.

    Accepts ordinary and scientific notation (``-3.5``, ``1e300``), a Unicode
    minus and surrounding spaces. Rejects empty text, words, NaN, infinity,
    numbers too large for a double (``1e400``) and values outside the range.
    """
    t = text.strip().replace("\u2212", "-")
    if not t:
        raise ValueError(f"{name}: enter a number")
    low = t.lower().lstrip("+-")
    if low in ("nan", "inf", "infinity") or "nan" in low or "inf" in low:
        raise ValueError(f"{name}: {text.strip()!r} is not a finite number")
    try:
        if integer:
            v = int(t)
        else:
            v = float(t)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{name}: {text.strip()!r} is not {kind}") from None
    if not integer and math.isinf(v):
        raise ValueError(f"{name}: {text.strip()} is too large (the limit is about 1.8e308)")
    if not minimum <= v <= maximum:
        shown = f"{v:g}" if not integer else (str(v) if abs(v) < 10**15 else f"{float(v):.3g}"
                                             if abs(v) < 10**300 else "a huge number")
        raise ValueError(f"{name}: {shown} is outside the allowed range [{minimum:g}, {maximum:g}]")
    return v


def format_value(v: float | int | None, integer: bool = False, special: str | None = None) -> str:
    """Text of a number field: up to 6 significant digits, plain ASCII."""
    if v is None:
        return special or ""
    if integer:
        return str(int(v))
    if v == 0:
        return "0"
    return f"{v:.6g}"


class EmitsHover:
    """Mixin for a widget with a ``hovered = Signal(bool)`` of its own: emitted with True
    when the pointer enters it and False when it leaves (a signal only then, where an event
    filter would make a Python call of every event the widget gets, paints included)."""

    def enterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().enterEvent(event)
        self.hovered.emit(True)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().leaveEvent(event)
        self.hovered.emit(False)


class NumberEdit(EmitsHover, QLineEdit):
    """A line edit for one number that rejects anything else, visibly.

    ``value_edited`` is emitted with the parsed value when the user commits
    (Enter or leaving the field) a changed, valid text, and when the Up/Down
    keys step the value. Invalid text turns the field red, shows the reason
    in a tooltip bubble and on ``messages``, and emits ``rejected``; nothing
    else happens. Escape (or leaving the field) restores the current value.

    With ``special`` (e.g. ``"full"``), that word means ``None``.
    """

    value_edited = Signal(object)
    rejected = Signal(str)
    hovered = Signal(bool)  # the pointer entered (True) or left (False) the field

    _INVALID_STYLE = "QLineEdit { background: #ffd6d6; border: 2px solid #c00000; }"

    def __init__(self, value=0.0, *, minimum: float = -math.inf, maximum: float = math.inf,
                 integer: bool = False, step: float | None = None, special: str | None = None,
                 name: str = "value", parent=None):
        super().__init__(parent)
        self.minimum = minimum
        self.maximum = maximum
        self.integer = integer
        self.step = step
        self.special = special
        self.name = name
        self._value = value
        self._shown = ""
        self._error = ""
        self.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.editingFinished.connect(self._on_editing_finished)
        self.textEdited.connect(self._on_text_edited)
        self.setValue(value)

    # -- public API ------------------------------------------------------
    def value(self):
        return self._value

    def setValue(self, value) -> None:  # noqa: N802 - Qt style
        """Show ``value`` (from the state); never emits ``value_edited``."""
        self._value = value
        self._shown = format_value(value, self.integer, self.special)
        self._clear_error()
        if self.text() != self._shown:
            self.setText(self._shown)
            self.setCursorPosition(0)
        full = "" if value is None else (str(value) if self.integer else repr(float(value)))
        self.setToolTip(self._base_tooltip() + (f"\nExact value: {full}" if full else ""))

    def error(self) -> str:
        """The message of the last rejected input, '' while the text is valid."""
        return self._error

    def setBaseToolTip(self, text: str) -> None:  # noqa: N802 - Qt style
        self.setProperty("base_tooltip", text)
        self.setValue(self._value)

    def _base_tooltip(self) -> str:
        return self.property("base_tooltip") or ""

    # -- events ------------------------------------------------------------
    def _on_text_edited(self, _text: str) -> None:
        if self._error:
            self._clear_error()

    def _parse(self, text: str):
        if self.special is not None and text.strip().lower() == self.special.lower():
            return None
        return parse_number(text, minimum=self.minimum, maximum=self.maximum,
                            integer=self.integer, name=self.name)

    def commit(self) -> bool:
        """Validate and emit the current text; returns False if it was rejected."""
        text = self.text()
        if text == self._shown:
            return True
        try:
            v = self._parse(text)
        except ValueError as exc:
            self._show_error(str(exc))
            return False
        self._clear_error()
        self.value_edited.emit(v)
        return True

    def _on_editing_finished(self) -> None:
        if not self.commit() and not self.hasFocus():
            # Left the field with nonsense: show the value again, keep the message.
            msg = self._error
            self.setText(self._shown)
            self._error = msg

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        key = event.key()
        if key == Qt.Key_Escape and (self.text() != self._shown or self._error):
            self.setText(self._shown)
            self._clear_error()
            return
        if key in (Qt.Key_Up, Qt.Key_Down) and self.step and self._value is not None:
            sign = 1 if key == Qt.Key_Up else -1
            v = min(max(self._value + sign * self.step, self.minimum), self.maximum)
            if self.integer:
                v = int(v)
            if v != self._value:
                self.value_edited.emit(v)
            return
        super().keyPressEvent(event)

    def show_error(self, message: str) -> None:
        """Show ``message`` as this field's error (e.g. the scene refused the value)."""
        self._show_error(message)

    def _show_error(self, message: str) -> None:
        self._error = message
        self.setStyleSheet(self._INVALID_STYLE)
        self.setToolTip(message)
        if self.isVisible():
            QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), message, self)
        messages.message.emit(message)
        self.rejected.emit(message)

    def _clear_error(self) -> None:
        if self._error or self.styleSheet():
            self._error = ""
            self.setStyleSheet("")
            QTimer.singleShot(0, QToolTip.hideText) if QToolTip.isVisible() else None


class PlotLabel:
    """One short text of a ``TextLayer``, placed like a ``pg.TextItem``: ``pos`` in data
    coordinates, ``anchor`` the fraction of its box (text plus a 4-pixel margin, as a
    TextItem's) at that position; a constant size in pixels whatever the zoom."""

    MARGIN = 4  # pixels around the text (a TextItem's QTextDocument margin)

    def __init__(self, layer: "TextLayer", text: str, color, anchor):
        self._layer = layer
        self._text = ""
        self._static = None  # its text laid out once (QStaticText), for a text drawn again
        self._drawn = None  # the text of its last paint
        self._size = None  # (width, height) of its box for its text, once measured
        self._font = QFont()  # (the application font, as a TextItem's)
        self._metrics = QFontMetricsF(self._font)
        self.color = pg.mkColor(color) if color is not None else pg.mkColor(200, 200, 200)
        self.anchor = (float(anchor[0]), float(anchor[1]))
        self._x = self._y = 0.0
        self._visible = True
        self.setText(text)

    # -- what pyqtgraph's TextItem offers and the views use ---------------------------------
    def setText(self, text: str, color=None) -> None:  # noqa: N802 - TextItem's name
        text = str(text)
        if color is not None:
            self.setColor(color)
        if text != self._text:
            self._text = text
            self._static = self._size = None
            self._layer.update()

    def toPlainText(self) -> str:  # noqa: N802 - TextItem's name
        return self._text

    def setColor(self, color) -> None:  # noqa: N802 - TextItem's name
        if not isinstance(color, QColor):
            color = pg.mkColor(color)
        if color != self.color:
            self.color = color
            self._layer.update()

    def setAnchor(self, anchor) -> None:  # noqa: N802 - TextItem's name
        anchor = (float(anchor[0]), float(anchor[1]))
        if anchor != self.anchor:
            self.anchor = anchor
            self._layer.update()

    def setFont(self, font) -> None:  # noqa: N802 - TextItem's name
        if font != self._font:
            self._font = QFont(font)
            self._metrics = QFontMetricsF(self._font)
            self._static = self._size = self._drawn = None
            self._layer.update()

    def font(self) -> QFont:
        return QFont(self._font)

    def setPos(self, x: float, y: float) -> None:  # noqa: N802 - Qt's name
        x, y = float(x), float(y)
        if (x, y) != (self._x, self._y):
            self._x, self._y = x, y
            self._layer.update()

    def pos(self) -> QPointF:
        return QPointF(self._x, self._y)

    def setVisible(self, visible: bool) -> None:  # noqa: N802 - Qt's name
        visible = bool(visible)
        if visible != self._visible:
            self._visible = visible
            self._layer.update()

    def isVisible(self) -> bool:  # noqa: N802 - Qt's name
        return self._visible and self._layer.isVisible()

    def show(self) -> None:
        self.setVisible(True)

    def hide(self) -> None:
        self.setVisible(False)

    # -- drawing ---------------------------------------------------------------------------
    def _measured(self) -> tuple[float, float]:
        """The (width, height) of its box: its text plus the margin all round."""
        if self._size is None:
            fm = self._metrics
            self._size = (fm.horizontalAdvance(self._text) + 2 * self.MARGIN,
                          fm.height() + 2 * self.MARGIN)
        return self._size

    def _draw(self, painter, left: float, top: float) -> None:
        """Its text with its top-left corner at (left, top), device pixels (whole ones).

        A text drawn again unchanged is laid out once (``QStaticText``: ~5 us a paint);
        a new one is drawn at its baseline (the same pixels, ~10 us) rather than laid out
        for a paint or two (~35 us): the values of a score edit are all new texts."""
        static = self._static
        if static is None and self._drawn == self._text:
            static = self._static = QStaticText(self._text)
            static.setTextFormat(Qt.PlainText)
            static.setPerformanceHint(QStaticText.AggressiveCaching)
        if static is not None:
            painter.drawStaticText(QPointF(left, top), static)
        else:
            painter.drawText(QPointF(left, top + self._metrics.ascent()), self._text)
            self._drawn = self._text

    def _top_left(self, x: float, y: float) -> tuple[float, float]:
        """The top-left corner of its box (device pixels) when its position maps to (x, y)."""
        w, h = self._measured()
        return x - self.anchor[0] * w, y - self.anchor[1] * h

    def box(self, device_pos: QPointF) -> QRectF:
        """Its box in device pixels when its position maps to ``device_pos``."""
        return QRectF(*self._top_left(device_pos.x(), device_pos.y()), *self._measured())


class KeptBoundingRect:
    """Mixin for a pyqtgraph item that computes its bounding rect from the pixel size on
    every call (Qt asks a dozen times per paint: ~0.1 ms each). The rect is kept until the
    item announces a geometry change or the view changes; a subclass also forgets it
    (``self._bounding = None``) wherever its own data change the rect without that."""

    _bounding = None

    def boundingRect(self):  # noqa: N802 - Qt's name
        if self._bounding is None:
            self._bounding = super().boundingRect()
        return QRectF(self._bounding)

    def prepareGeometryChange(self):  # noqa: N802 - Qt's name
        self._bounding = None
        super().prepareGeometryChange()

    def viewTransformChanged(self):  # noqa: N802 - pyqtgraph's name
        self._bounding = None
        super().viewTransformChanged()


class Bars(KeptBoundingRect, pg.BarGraphItem):
    """``pg.BarGraphItem`` that keeps its bounding rect until its bars or the view change,
    and draws bars of several colours straight away (pyqtgraph records them into a
    ``QPicture`` after each change and plays it back: ~65 against ~16 us a paint)."""

    def paint(self, p, *args):
        render = getattr(self, "_render", None)  # (pyqtgraph's own drawing of the bars)
        if render is None or getattr(self, "_singleColor", True):
            super().paint(p, *args)
        else:
            render(p)

    def setOpts(self, **opts):  # noqa: N802 - pyqtgraph's name
        self._bounding = None
        super().setOpts(**opts)

    def viewTransformChanged(self):  # noqa: N802 - pyqtgraph's name
        self.prepareGeometryChange()  # (BarGraphItem does not: its pixel padding changed)
        super().viewTransformChanged()


class TextLayer(pg.GraphicsObject):
    """Many short texts of one plot (bar values, heat-map cells) drawn by one item.

    A ``pg.TextItem`` per text is a QGraphicsTextItem with its own document, transform
    updates before every paint and change notifications for every move: ~0.1 ms per text
    to update and draw, so a 5 x 5 heat map cost ~3 ms per edit. Here a text is a few
    attributes; the layer draws them all with cached ``QStaticText`` layouts.

    Add it to a plot with ``ignoreBounds=True`` (``add_to``); ``add`` makes a
    ``PlotLabel``, ``remove``/``clear`` drop them.
    """

    def __init__(self):
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemSendsGeometryChanges, False)
        self.labels: list[PlotLabel] = []

    def add_to(self, plot, z: float = 20) -> "TextLayer":
        self.setZValue(z)
        plot.addItem(self, ignoreBounds=True)
        return self

    def add(self, text: str = "", color=None, anchor=(0.5, 0.5)) -> PlotLabel:
        label = PlotLabel(self, text, color, anchor)
        self.labels.append(label)
        self.update()
        return label

    def remove(self, label: PlotLabel) -> None:
        if label in self.labels:
            self.labels.remove(label)
            self.update()

    def clear(self) -> None:
        self.labels = []
        self.update()

    def texts(self) -> list[str]:
        """The texts it shows now."""
        return [lab._text for lab in self.labels if lab._visible and lab._text] \
            if self.isVisible() else []

    # -- QGraphicsItem ----------------------------------------------------------------------
    def boundingRect(self):  # noqa: N802 - Qt's name
        # The visible part of its view (which clips it): a text may sit anywhere in it.
        vb = self.getViewBox()
        if vb is None:
            return QRectF()
        return QRectF(vb.viewRect())

    def viewTransformChanged(self):  # noqa: N802 - pyqtgraph's name
        self.prepareGeometryChange()
        super().viewTransformChanged()

    def paint(self, painter, *args) -> None:
        if not self.labels:
            return
        to_device = painter.transform()
        painter.resetTransform()
        painter.setRenderHint(QPainter.TextAntialiasing, True)
        font = pen = None
        m = PlotLabel.MARGIN
        for lab in self.labels:
            if not lab._visible or not lab._text:
                continue
            x, y = to_device.map(lab._x, lab._y)
            if not (math.isfinite(x) and math.isfinite(y)):
                continue
            left, top = lab._top_left(x, y)
            if lab._font is not font:
                font = lab._font
                painter.setFont(font)
            if lab.color is not pen:
                pen = lab.color
                painter.setPen(pen)
            lab._draw(painter, round(left + m), round(top + m))
        painter.setTransform(to_device)


class HeatMapItem(pg.GraphicsObject):
    """A small matrix (a heat map of up to ~10 x 20 cells) drawn as filled rectangles.

    The subset of ``pg.ImageItem`` its views use: ``setImage(values, levels=..., rect=...)``
    with ``axisOrder="row-major"`` placement (``values[i, j]`` fills the cell of column j,
    row i from the bottom of ``rect``), ``setColorMap``, and ``image`` / ``levels`` to read
    back. Values map to the colour map linearly between the levels (clipped); a
    (rows, cols, 4) uint8 array gives the cells' colours directly. A non-finite value
    leaves its cell empty. (An ImageItem converted the matrix to an image and scaled it on
    every paint: ~2 ms per edit for a 5 x 5 Jacobian.)
    """

    def __init__(self, colormap=None):
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemSendsGeometryChanges, False)
        self.image = None
        self.levels = None
        self._colormap = colormap
        self._lut = None  # (257, 4) uint8 colours of the map, made when first needed
        self._rect = QRectF(0.0, 0.0, 1.0, 1.0)
        self._cells = None  # [(QRectF, QColor)] to fill, made on the next paint
        self._cell_rects = None  # (rows, cols and rect, [QRectF of each cell]) kept
        self._qcolors: dict[int, QColor] = {}  # 0xAARRGGBB -> its QColor

    def setColorMap(self, colormap) -> None:  # noqa: N802 - ImageItem's name
        self._colormap = colormap
        self._lut = None
        self._cells = None
        self.update()

    def setImage(self, image, autoLevels=False, levels=None, rect=None) -> None:  # noqa: N802
        image = np.array(image, copy=True)
        if image.ndim not in (2, 3):
            raise ValueError(f"a heat map needs a 2-D array (or RGBA cells), got shape {image.shape}")
        if rect is not None:
            rect = QRectF(rect) if isinstance(rect, QRectF) else QRectF(*(float(v) for v in rect))
            if rect != self._rect:
                self.prepareGeometryChange()
                self._rect = rect
        if levels is not None:
            self.levels = (float(levels[0]), float(levels[1]))
        self.image = image
        self._cells = None
        self.update()

    def _colours(self) -> np.ndarray:
        """(rows, cols, 4) uint8 colours of the cells; alpha 0 where a value is not finite."""
        img = self.image
        if img.ndim == 3:
            return np.clip(img, 0, 255).astype(np.uint8)[..., :4]
        finite = np.isfinite(img)
        lo, hi = self.levels if self.levels is not None else (
            (float(img[finite].min()), float(img[finite].max())) if finite.any() else (0.0, 1.0))
        span = hi - lo
        with np.errstate(invalid="ignore", over="ignore"):
            t = (img - lo) / span if span > 0 and np.isfinite(span) else np.full(img.shape, 0.5)
        t = np.clip(np.where(finite, t, 0.0), 0.0, 1.0)
        if self._lut is None:  # the colour map at 257 levels: 0, 1/4, 1/2 ... fall on one
            self._lut = np.asarray(self._colormap.getLookupTable(0.0, 1.0, 257, alpha=True),
                                   dtype=np.uint8)
        colours = self._lut[np.rint(t * 256).astype(np.intp)]
        colours[~finite, 3] = 0
        return colours

    def boundingRect(self):  # noqa: N802 - Qt's name
        return QRectF(self._rect)

    def paint(self, painter, *args) -> None:
        if self.image is None or self.image.size == 0:
            return
        if self._cells is None:
            colours = self._colours()
            rows, cols = colours.shape[:2]
            r = self._rect
            key = (rows, cols, r.x(), r.y(), r.width(), r.height())
            if self._cell_rects is None or self._cell_rects[0] != key:
                w, h = r.width() / cols, r.height() / rows
                self._cell_rects = (key, [QRectF(r.x() + j * w, r.y() + i * h, w, h)
                                          for i in range(rows) for j in range(cols)])
            # each cell's colour as one 0xAARRGGBB word, its QColor kept (a colour map has
            # 257 levels; a QColor made from four NumPy bytes took ~10 us a cell)
            c = colours.astype(np.uint32)
            words = ((c[..., 3] << 24) | (c[..., 0] << 16) | (c[..., 1] << 8) | c[..., 2]).ravel()
            known = self._qcolors
            if len(known) > 4096:
                known.clear()
            cells = []
            for rect, v in zip(self._cell_rects[1], words.tolist()):
                if v >> 24:
                    colour = known.get(v)
                    if colour is None:
                        colour = known[v] = QColor.fromRgba(v)
                    cells.append((rect, colour))
            self._cells = cells
        painter.setRenderHint(QPainter.Antialiasing, False)  # (cells meet without seams)
        for rect, colour in self._cells:
            painter.fillRect(rect, colour)


class RgbaImageItem(pg.GraphicsObject):
    """An RGBA image (uint8, shape (rows, cols, 4)) stretched over a rectangle of the plot.

    Placed like ``pg.ImageItem(axisOrder="row-major")`` after ``setRect``: row 0 along the
    bottom edge (the smaller y), column 0 along the left. No levels or lookup table
    (ImageItem spent ~0.3 ms per decision-region update on those).

    Without a backdrop the image is kept premultiplied, the raster engine's own format
    (a new 250 x 250 image and its paint over a ~600 x 700 pixel plot: ~0.5 ms less than
    from straight RGBA). With one (``set_backdrop``: the plot's background, for an item
    nothing else lies under), each new image is blended over it once and drawn opaque:
    a paint copies instead of blending (~0.25 ms less for each repaint of an unchanged
    image, as while a point is dragged). Best, the owner has the image blended over the
    backdrop already (``backdrop_rgb``; the engine's ``region_image(..., backdrop=)``, as
    Qt would blend it, bit for bit) and the item shows those words as they are.
    """

    def __init__(self):
        super().__init__()
        self.setFlag(self.GraphicsItemFlag.ItemSendsGeometryChanges, False)
        self.image = None
        self._qimage = None
        self._backdrop: QColor | None = None
        self._rect = QRectF(0.0, 0.0, 1.0, 1.0)

    def setImage(self, image, autoLevels=False) -> None:  # noqa: N802 - ImageItem's name
        """An RGBA image (uint8, (rows, cols, 4)), or one blended over the backdrop already:
        uint32 0xFFRRGGBB words, (rows, cols) (``engine.region_image(..., backdrop=
        item.backdrop_rgb)``), shown as they are: no conversion at all (~0.4 ms less for
        a 250 x 250 image than blending an RGBA one here)."""
        if isinstance(image, np.ndarray) and image.dtype == np.uint32 and image.ndim == 2:
            image = np.ascontiguousarray(image)
            rows, cols = image.shape
            self.image = image  # (the QImage reads its memory: kept together)
            self._qimage = QImage(image.data, cols, rows, 4 * cols, QImage.Format_RGB32)
            self.update()
            return
        image = np.ascontiguousarray(image, dtype=np.uint8)
        if image.ndim != 3 or image.shape[2] != 4:
            raise ValueError(f"an RGBA image needs shape (rows, cols, 4), got {image.shape}")
        self.image = image
        self._convert()
        self.update()

    @property
    def backdrop_rgb(self) -> tuple[int, int, int] | None:
        """The backdrop as (r, g, b), or None: what an opaque image is blended over."""
        c = self._backdrop
        return None if c is None else (c.red(), c.green(), c.blue())

    def set_backdrop(self, colour: QColor | None) -> None:
        """The opaque colour under the item (None: whatever is there, blended at each paint).
        An image blended over another backdrop already stays until the next ``setImage``."""
        colour = None if colour is None else QColor(colour)
        if colour != self._backdrop:
            self._backdrop = colour
            if self.image is not None and self.image.ndim == 3:
                self._convert()
                self.update()

    def _convert(self) -> None:
        image = self.image
        rows, cols = image.shape[:2]
        straight = QImage(image.data, cols, rows, 4 * cols, QImage.Format_RGBA8888)
        if self._backdrop is None:
            self._qimage = straight.convertToFormat(QImage.Format_ARGB32_Premultiplied)
            return
        opaque = QImage(cols, rows, QImage.Format_RGB32)
        opaque.fill(self._backdrop)
        painter = QPainter(opaque)
        painter.drawImage(0, 0, straight)
        painter.end()
        self._qimage = opaque

    def setRect(self, rect) -> None:  # noqa: N802 - ImageItem's name
        rect = QRectF(rect)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
            self.update()

    def boundingRect(self):  # noqa: N802 - Qt's name
        return QRectF(self._rect)

    def paint(self, painter, *args) -> None:
        if self._qimage is not None:
            painter.drawImage(self._rect, self._qimage)
