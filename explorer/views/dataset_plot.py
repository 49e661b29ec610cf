"""The dataset plot: points, decision regions and the class weight vectors.

The central view of the app. It shows the 2-D dataset (one scatter item per
class, colour and marker shape per class), the decision regions of the
current ``W, b`` behind it (an RGBA image from ``engine.RegionImages``, as
``engine.region_image``, that follows the visible range) and each class's raw
weight vector ``w_j = (W[0, j], W[1, j])`` as a draggable arrow from the origin.

Intuition tools on top:

* the selected point (the one the score lab inspects) wears a ring, and a
  thin arrow at the tip of each ``w_j`` shows the step this point alone pulls
  ``w_j`` by, ``-lr * dL_i/dw_j`` (a dot when shorter than 3 pixels; "×10"
  magnifies it for small learning rates);
* markers grow with their loss L_i ("size by loss");
* hovering a point shows its x, scores s_j, probabilities p_j and L_i;
* with the multiclass SVM loss, dashed lines mark where the top score beats
  the runner-up by the margin 1 (``engine.margins``).

Mouse, on the plot:
    click on empty space   add a point of the active class (and unselect)
    click on a point       select it (the score lab shows its scores)
    drag a point           move it (one undo entry per drag)
    drag an arrow tip      edit w_j (one undo entry per drag)
    right-click a point    delete it
    hover a point          show its values
    drag empty space       pan;  wheel: zoom;  right-drag: zoom
Keys, with the plot focused: Delete/Backspace delete the selected point,
Escape unselects (so does the Unselect button), 1..9 and 0 choose the active
class 1..10, Home resets the view.

Everything drawn follows ``style.appearance`` (scale, theme, palette).

Speed: each class's markers are cached as a device pixmap
(``QGraphicsItem.DeviceCoordinateCache``), so a frame in which only the
regions and arrows move blits them instead of drawing every marker; while
training runs, the marker sizes (size by loss) change every ``SIZE_REFRESH_MS``
for one class at a time (``size_updates``), so the caches survive most frames
and no frame redraws every marker; all of them catch up when training stops.

Every edit goes through the scene's setters; the view redraws from the
scene's signals only.
"""

from __future__ import annotations

import inspect
import itertools
import math
import time

import numpy as np
from ..qtimport import pg
from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol
from PySide6.QtCore import (
    QEvent, QLineF, QPoint, QPointF, QRect, QRectF, QSignalBlocker, QSize, Qt, QTimer,
)
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPainter, QPixmap, QTransform
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QGraphicsPathItem, QHBoxLayout, QLabel, QLayout, QPushButton,
    QSizePolicy, QToolButton, QVBoxLayout, QWidget, QWidgetItem,
)

from .. import engine, style
from ..engine.margins import margin_mask
from ..perf import DeferredRefresh, interaction
from ..state import MAX_COORD, PRESET_LABELS, PRESETS
from .widgets import (
    BoxedText, KeptBoundingRect, LightPlotWidget, NumberEdit, RgbaImageItem, cache_drawing, messages,
)

DEFAULT_RANGE = (-5.5, 5.5)
DEFAULT_GRID = 250
POINT_SIZE = 13  # marker diameter in screen pixels (at appearance scale 1)
# Over more points than DENSE_POINTS the markers shrink (see marker_diameter), down to
# DENSE_MIN_FACTOR of POINT_SIZE: a dense cloud of full-size markers hides its own shape,
# the arrows and the boundaries drawn over it.
DENSE_POINTS = 1_000
DENSE_MIN_FACTOR = 0.5
PICK_RADIUS = 8  # a click within this many pixels of a point hits it
TIP_RADIUS = 16  # ... of an arrow tip grabs the arrow
HEAD_LEN = 24  # arrow head length in pixels
REGION_ALPHA = (25, 120)  # region opacity at uniform / full confidence: light, so markers stand out
REGION_ALPHA_DARK = (40, 170)  # over a dark background the same alpha looks murky
BOUNDARY_RGBA = (30, 30, 30, 255)  # decision boundaries, light theme
BOUNDARY_RGBA_DARK = (235, 235, 235, 255)
OUTLINE = QColor(25, 25, 25)
HIGHLIGHT = QColor(230, 0, 126)  # emphasis (hovered elsewhere), and the selected point's pulls
PULL_COLOR = QColor(200, 0, 110)

# The selected point's pull on each w_j: -lr * dL_i/dw_j, drawn at the tip of w_j.
PULL_WIDTH = 4  # shaft width in pixels
PULL_HEAD_LEN = 22
PULL_MIN_PX = 3.0  # a pull shorter than this is drawn as a dot
PULL_DOT_SIZE = 9
PULL_ZOOM = 10  # the "×10" magnification

# Marker size by loss: size = base * (1 + min(L_i, LOSS_CAP) / LOSS_SPAN), i.e. up to 2x base
# (3x made a cloud of misclassified points one blob that hid the data).
LOSS_CAP = 5.0
LOSS_SPAN = 5.0
SIZE_BY_LOSS_MAX_POINTS = 20_000  # above this, markers keep one size: L_i of every point each
# frame costs more than the frame (see the checkbox tooltip)

HOVER_INTERVAL_MS = 16  # the hover read-out updates at most ~60 times a second
SIZE_REFRESH_MS = 100  # while training, one class's marker sizes (by loss) change this often
SIZE_DRAG_THROTTLE_POINTS = 2_000  # above this, marker sizes change that often during arrow drags

# SVM margin lines: top score - runner-up = MARGIN, dashed (MARGIN_DASH grid pixels on, off).
MARGIN = 1.0
MARGIN_DASH = 4
MARGIN_ALPHA = 200

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def vector_label(j: int) -> str:
    """The label of class j's weight vector, e.g. 'w₁' for j = 0."""
    return "w" + str(j + 1).translate(_SUBSCRIPTS)


def default_noise(name: str) -> float:
    """The noise a preset generator uses when none is given."""
    return float(inspect.signature(engine.DATASETS[name]).parameters["noise"].default)


def class_icon(j: int, size: int = 22) -> QIcon:
    """The marker of class j (shape and colour) as an icon, as drawn in the plot."""
    image = renderSymbol(style.class_symbol(j), size - 3, pg.mkPen(OUTLINE, width=1.5),
                         pg.mkBrush(style.class_color(j)))
    return QIcon(QPixmap.fromImage(image))


def marker_diameter(n_points: int, full: float) -> float:
    """The markers' diameter (pixels) for a dataset of ``n_points``: ``full`` up to
    ``DENSE_POINTS`` points, then ``full * (DENSE_POINTS / n_points) ** (1/4)`` rounded to
    whole pixels, never below ``DENSE_MIN_FACTOR * full`` (reached at 16,000 points):
    ~0.84x at 2,000 points, ~0.56x at 10,000."""
    if n_points <= DENSE_POINTS:
        return full
    factor = max(DENSE_MIN_FACTOR, (DENSE_POINTS / n_points) ** 0.25)
    return max(1.0, float(round(full * factor)))


def loss_marker_sizes(losses, base: float) -> np.ndarray:
    """Marker diameters in whole pixels: ``base * (1 + min(L_i, 5) / 5)``.

    ``losses`` has shape (n_points,); a NaN or infinite loss counts as the cap.
    Returns a float64 ndarray of the same shape (integral values, so that the
    scatter items pre-render one symbol per distinct size).
    """
    L = np.asarray(losses, dtype=np.float64)
    # L clipped to [0, LOSS_CAP], NaN and inf as the cap: fmin takes the cap where L is NaN
    # (np.nan_to_num and np.clip: ~0.15 ms of Python checks per call at 10,000 points)
    sizes = np.fmin(L, LOSS_CAP)
    np.fmax(sizes, 0.0, out=sizes)
    sizes /= LOSS_SPAN
    sizes += 1.0
    sizes *= base
    np.rint(sizes, out=sizes)
    return np.maximum(sizes, 1.0, out=sizes)


def _dark() -> bool:
    return style.appearance.theme == "dark"


def _with_alpha(color: QColor, alpha: int) -> QColor:
    c = QColor(color)
    c.setAlpha(alpha)
    return c


def _rgba(color: QColor, alpha: int | None = None) -> tuple[int, int, int, int]:
    return (color.red(), color.green(), color.blue(), color.alpha() if alpha is None else alpha)


def _bar(*widgets) -> tuple[QWidget, QHBoxLayout]:
    """A row of widgets that the toolbar keeps together."""
    bar = QWidget()
    row = QHBoxLayout(bar)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(6)
    for w in widgets:
        row.addWidget(w)
    return bar, row


class _FlowLayout(QLayout):
    """Lays its items out left to right and wraps them into new rows when the width runs out.

    (Qt's FlowLayout example, with each row's items centred vertically.)
    """

    def __init__(self, parent=None, spacing: int = 6):
        super().__init__(parent)
        self._items = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item):  # noqa: N802 - Qt's name
        self._items.append(item)

    def insertWidget(self, index: int, widget: QWidget) -> None:  # noqa: N802 - Qt style
        self.addChildWidget(widget)
        self._items.insert(index, QWidgetItem(widget))
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index):  # noqa: N802 - Qt's name
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index):  # noqa: N802 - Qt's name
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):  # noqa: N802 - Qt's name
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return self._do_layout(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect):  # noqa: N802 - Qt's name
        super().setGeometry(rect)
        self._do_layout(rect, apply=True)

    def sizeHint(self):  # noqa: N802 - Qt's name
        width = sum(i.sizeHint().width() for i in self._items) + self.spacing() * max(0, len(self._items) - 1)
        height = max((i.sizeHint().height() for i in self._items), default=0)
        m = self.contentsMargins()
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self):  # noqa: N802 - Qt's name
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _do_layout(self, rect, apply: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        gap = self.spacing()
        rows, row, x = [], [], 0
        for item in self._items:
            w = item.sizeHint().width()
            if row and x + gap + w > area.width():
                rows.append(row)
                row, x = [], 0
            x += (gap if row else 0) + w
            row.append(item)
        if row:
            rows.append(row)
        y = area.y()
        for row in rows:
            height = max(i.sizeHint().height() for i in row)
            x = area.x()
            for item in row:
                hint = item.sizeHint()
                if apply:
                    item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2), hint))
                x += hint.width() + gap
            y += height + gap
        return y - gap - rect.y() + m.bottom() if rows else m.top() + m.bottom()


_RECT_DTYPE = np.dtype([("x", int), ("y", int), ("w", int), ("h", int)])


def _source_rects(sr) -> np.ndarray:
    """The (n, 4) integers of a scatter's ``sourceRect`` field (x, y, w, h of each point's
    sprite), read in place: a view striding over the records (copying the structured field
    first took ~3 times as long)."""
    if sr.dtype != _RECT_DTYPE:  # (not pyqtgraph's layout: copy it)
        return np.frombuffer(np.ascontiguousarray(sr), dtype=int).reshape((-1, 4))
    x0 = sr["x"]
    return np.lib.stride_tricks.as_strided(x0, shape=(x0.shape[0], 4),
                                           strides=(x0.strides[0], x0.itemsize), writeable=False)


class _PassiveScatter(KeptBoundingRect, pg.ScatterPlotItem):
    """A scatter item that leaves every click to the view (which picks vectorised).

    Every point uses the item's own symbol, pen and brush (``setData`` gets
    only x and y) and either the item's size or a per-point size in whole
    pixels (``set_sizes``), so the pre-rendered symbols are looked up once per
    distinct size rather than once per point (pyqtgraph's general path loops
    over the points in Python: ~130 ms for 33k points, against ~5 ms here).
    """

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        ev.ignore()

    def hoverEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        pass

    # The bounding rect (KeptBoundingRect) also changes with the spot sizes and the points.
    def _updateMaxSpotSizes(self, **kwargs):  # noqa: N802 - pyqtgraph's name
        bounds, width, px_width = list(self.bounds), self._maxSpotWidth, self._maxSpotPxWidth
        super()._updateMaxSpotSizes(**kwargs)
        if self._maxSpotWidth == width:
            # New sizes of pixel-sized spots leave the data bounds as they were (pyqtgraph
            # forgets them: a min and max over the points, ~0.3 ms per 2,000 points, each time
            # sizes change). Moving or replacing points forgets them before this.
            self.bounds = bounds
        if self._maxSpotWidth != width or self._maxSpotPxWidth != px_width or None in bounds:
            self._bounding = None

    def _pads_grow(self) -> bool:
        """Whether the widest sprite is wider than the bounding rect allows for (the rect
        pads the points by the widest sprite of the item's atlas, whatever their sizes)."""
        return (self.opts["pxMode"] and self.opts["useCache"]
                and self.fragmentAtlas.maxWidth != self._maxSpotPxWidth)

    def clear(self):
        self._bounding = None
        super().clear()

    _rects = None  # (the data array, the view of its sprite rects): see ``_sprite_rects``

    def _sprite_rects(self, data) -> np.ndarray:
        """``_source_rects`` of ``data`` (the item's points), made once per data array (a
        strided view takes ~40 us to make; the sprite rects change in place)."""
        kept = self._rects
        if kept is None or kept[0] is not data:
            kept = self._rects = (data, _source_rects(data["sourceRect"]))
        return kept[1]

    def _uniform(self, data) -> bool:
        """Whether every point takes the item's symbol, pen and brush from pre-rendered
        sprites (the points ``updateSpots`` and ``set_sizes`` handle themselves)."""
        return bool(self.opts["pxMode"] and self.opts["useCache"] and not self.opts["hoverable"]
                    and len(data) > 0 and data["symbol"][0] is None
                    and data["pen"][0] is None and data["brush"][0] is None)

    def _set_sprites(self, rects, index, sizes) -> None:
        """The atlas rects of the points at ``index`` (all when None) for their per-point
        ``sizes`` (whole pixels): one atlas look-up per distinct size."""
        symbol, pen, brush = self.opts["symbol"], self.opts["pen"], self.opts["brush"]
        sizes = sizes.astype(np.int64)
        lo, hi = int(sizes.min()), int(sizes.max())
        coords = self.fragmentAtlas[[(symbol, float(v), pen, brush) for v in range(lo, hi + 1)]]
        table = np.array(coords, dtype=np.int64)[sizes - lo]
        for k, name in enumerate(("x", "y", "w", "h")):
            if index is None:
                rects[name] = table[:, k]
            else:
                rects[name][index] = table[:, k]

    def updateSpots(self, dataSet=None):  # noqa: N802 - pyqtgraph's name
        data = self.data if dataSet is None else dataSet
        if not self._uniform(data):
            return super().updateSpots(dataSet)
        mask = data["sourceRect"]["w"] == 0
        if np.any(mask):
            if data["size"][0] == -1:  # every point has the item's size
                style = (self.opts["symbol"], self.opts["size"], self.opts["pen"],
                         self.opts["brush"])
                data["sourceRect"][mask] = self.fragmentAtlas[[style]][0]
            elif mask.all():  # per-point sizes in whole pixels
                self._set_sprites(data["sourceRect"], None, data["size"])
            else:
                self._set_sprites(data["sourceRect"], mask, data["size"][mask])
        self._updateMaxSpotSizes(data=data)
        self.invalidate()

    def paint(self, p, option, widget):
        """pyqtgraph's drawing of pre-rendered symbols, with the view transform applied as
        one scale and offset (pyqtgraph maps through a general transform and culls with
        a pixel-size computation: ~0.3 ms per item and paint, ~1 ms at 10,000 points)."""
        opts = self.opts
        tr = p.transform()
        if (self._exportOpts is not False or not opts["pxMode"] or not opts["useCache"]
                or opts.get("compositionMode") is not None
                or tr.type().value > QTransform.TxScale.value):
            self._frags_key = None  # (pyqtgraph's paint fills the fragments its own way)
            return super().paint(p, option, widget)
        data = self.data
        if len(data) == 0:
            return
        dpr = self.fragmentAtlas.devicePixelRatio()
        if widget is not None and widget.devicePixelRatioF() != dpr:
            self._frags_key = None
            return super().paint(p, option, widget)  # (it re-renders the atlas first)
        # The fragments of the last paint serve again while the points, their visibility,
        # the view's transform and the pixel ratio stay (``invalidate`` says when any
        # changes); new sizes alone (``set_sizes``) refresh their sprite rects only.
        key = (tr.m11(), tr.m22(), tr.dx(), tr.dy(), dpr)
        kept = self._frags_key
        if kept is not None and kept[0] is data and kept[1] == key:
            if self._sprites_stale:
                self._pixmapFragments.ndarray()[:, 2:6] = self._sprite_rects(data)
                self._sprites_stale = False
        elif not self._fill_fragments(data, key):
            return
        p.resetTransform()
        p.drawPixmapFragments(*self._pixmapFragments.drawargs(), self.fragmentAtlas.pixmap)
        p.setTransform(tr)

    _frags_key = None  # (data, transform and pixel ratio) the fragments were filled for
    _sprites_stale = False  # new sizes since: the fragments' sprite rects are not theirs

    def _fill_fragments(self, data, key) -> bool:
        """The fragments of the visible points for ``key`` = (m11, m22, dx, dy, pixel
        ratio); False when no point is visible."""
        m11, m22, dx, dy, dpr = key
        shown = data["visible"]
        every = bool(np.logical_and.reduce(shown))  # (ndarray.all: Python checks first)
        x, y = (data["x"], data["y"]) if every else (data["x"][shown], data["y"][shown])
        n = x.shape[0]
        self._frags_key = None
        if n == 0:
            return False
        self._pixmapFragments.resize(n)
        frags = self._pixmapFragments.ndarray()
        # x, y: the centre of each target rect, in device pixels (clipped as pyqtgraph does:
        # Qt misbehaves far outside the 32-bit range; ufuncs, not np.clip's Python checks)
        for v, col, scale, offset in ((x, frags[:, 0], m11, dx), (y, frags[:, 1], m22, dy)):
            np.multiply(v, scale, out=col)
            col += offset
            np.maximum(col, -2.0**30, out=col)
            np.minimum(col, 2.0**30, out=col)
        # sx, sy, sw, sh
        frags[:, 2:6] = self._sprite_rects(data) if every else \
            _source_rects(data["sourceRect"][shown])
        frags[:, 6:10] = (1 / dpr, 1 / dpr, 0.0, 1.0)  # scale x, y, rotation, opacity
        self._sprites_stale = False
        if every:  # (with points hidden, a drag's: filled each time)
            self._frags_key = (data, key)
        return True

    def invalidate(self):
        """Anything drawn may have changed (points, visibility, styles): pyqtgraph's, and the
        fragments filled again at the next paint."""
        self._frags_key = None
        super().invalidate()

    def set_sizes(self, sizes) -> None:
        """Per-point marker diameters (whole pixels, shape (n_points,)), or None: the item's size."""
        data = self.data
        if sizes is None:
            if len(data) == 0 or data["size"][0] == -1:
                return
            data["size"] = -1
        else:
            sizes = np.asarray(sizes, dtype=np.float64)
            if sizes.shape != (len(data),):
                raise ValueError(f"{sizes.shape[0]} sizes for {len(data)} points")
            if len(data) == 0:
                return
            if data["size"][0] != -1:
                # Already sized per point: touch only the points whose size changed (during
                # training most keep theirs from one frame to the next).
                changed = np.flatnonzero(data["size"] != sizes)
                if changed.size == 0:
                    return
                if changed.size < len(data) // 2 and self._uniform(data):
                    # their sprites straight away (updateSpots would look for them: a pass
                    # over every point's rect and size, ~50 us per class of 2,000); the
                    # bounding rect stays unless a wider sprite came into the atlas (Qt
                    # then measures it again; else a repaint is all: ~0.1 ms less an edit)
                    new = sizes[changed]
                    data["size"][changed] = new
                    self._set_sprites(data["sourceRect"], changed, new)
                    if self._pads_grow():
                        self.prepareGeometryChange()
                        self._updateMaxSpotSizes(data=data)
                    # (the points stay: a repaint with their sprite rects refreshed)
                    self._sprites_stale = True
                    self.picture = None
                    self.update()
                    return
            data["size"] = sizes
        data["sourceRect"] = 0
        self.prepareGeometryChange()
        self.updateSpots()

    def restyle(self, symbol, size, pen, brush) -> None:
        """New symbol, size, pen and brush for every point (per-point sizes are kept)."""
        self.opts.update(symbol=symbol, size=size, pen=pen, brush=brush)
        self._spotPixmap = None
        self.data["sourceRect"] = 0
        self.prepareGeometryChange()
        if len(self.data):
            self.updateSpots()
        else:
            self.invalidate()

    def move_spots(self, index, x, y) -> None:
        """Move the points at ``index`` to (x, y) in place: no re-allocation, styles kept."""
        self.data["x"][index] = x
        self.data["y"][index] = y
        self.bounds = [None, None]
        self.prepareGeometryChange()
        self.informViewBoundsChanged()
        self.invalidate()


class _PlotViewBox(pg.ViewBox):
    """A ViewBox that offers its mouse clicks, drags and hovers to the DatasetView first."""

    def __init__(self):
        super().__init__(enableMenu=False)
        self.click_handler = None
        self.drag_handler = None
        self.hover_handler = None

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        if self.click_handler is not None and self.click_handler(ev):
            return
        super().mouseClickEvent(ev)

    def mouseDragEvent(self, ev, axis=None):  # noqa: N802 - pyqtgraph's name
        if axis is None and self.drag_handler is not None and self.drag_handler(ev):
            return
        super().mouseDragEvent(ev, axis)

    def hoverEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        if self.hover_handler is not None:
            self.hover_handler(ev)


class Segment(pg.GraphicsObject):
    """A straight line from (x0, y0) to (x1, y1), drawn with ``shadowPen`` beneath ``pen``.

    What a two-point ``pg.PlotCurveItem`` draws for an arrow shaft (same pens, same
    ``setData`` / ``getData`` / ``setPen`` / ``setShadowPen`` / ``opts``), without its
    per-frame bounds arithmetic in Python (~0.3 ms per shaft and frame).
    """

    def __init__(self, x=(0.0, 0.0), y=(0.0, 0.0)):
        super().__init__()
        self.opts = {"pen": pg.mkPen("k"), "shadowPen": None}
        self._x = np.array(x, dtype=float)
        self._y = np.array(y, dtype=float)
        self._pixel = None  # data units per screen pixel (x, y), until the view changes
        self._rect = None

    def setPen(self, *args, **kwargs) -> None:  # noqa: N802 - pyqtgraph's name
        self.opts["pen"] = pg.mkPen(*args, **kwargs)
        self._geometry_changed()

    def setShadowPen(self, *args, **kwargs) -> None:  # noqa: N802 - pyqtgraph's name
        self.opts["shadowPen"] = None if args and args[0] is None else pg.mkPen(*args, **kwargs)
        self._geometry_changed()

    def setData(self, x, y) -> None:  # noqa: N802 - pyqtgraph's name
        self._x = np.array(x, dtype=float)
        self._y = np.array(y, dtype=float)
        self._geometry_changed()

    def getData(self):  # noqa: N802 - pyqtgraph's name
        return self._x, self._y

    def _geometry_changed(self) -> None:
        self._rect = None
        self.prepareGeometryChange()
        self.update()

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name
        self._pixel = None
        self._geometry_changed()

    def boundingRect(self):  # noqa: N802 - Qt's name
        if self._rect is None:
            pixel = self._pixel
            if pixel is None:
                px, py = self.pixelVectors()
                pixel = (0.0, 0.0) if px is None or py is None else (px.length(), py.length())
                if px is not None and py is not None:  # (not in a view yet: ask again later)
                    self._pixel = pixel
            pens = [p for p in (self.opts["pen"], self.opts["shadowPen"]) if p is not None]
            pad = max((p.widthF() for p in pens), default=1.0) * 0.7072 + 1
            x0, x1 = sorted(float(v) for v in self._x[:2])
            y0, y1 = sorted(float(v) for v in self._y[:2])
            dx, dy = pad * pixel[0], pad * pixel[1]
            self._rect = QRectF(x0 - dx, y0 - dy, x1 - x0 + 2 * dx, y1 - y0 + 2 * dy)
        return QRectF(self._rect)

    def paint(self, p, *args) -> None:
        p.setRenderHint(QPainter.Antialiasing, True)
        line = QLineF(float(self._x[0]), float(self._y[0]), float(self._x[-1]), float(self._y[-1]))
        for pen in (self.opts["shadowPen"], self.opts["pen"]):
            if pen is not None:
                p.setPen(pen)
                p.drawLine(line)


class ArrowHead(pg.ArrowItem):
    """``pg.ArrowItem`` turned by turning its path, not the item.

    Qt keeps an item's drawing in its device-coordinate cache only while the item is not
    turned by an odd angle: a head turned with ``setRotation`` was drawn again in every
    paint of the plot (five class arrows: ~0.6 ms a paint). Here the path is turned when
    the angle or the head's style changes, and the drawing is blitted in between.
    """

    _angle = 0.0
    _turned = None  # (angle, pyqtgraph's unturned path) the shown path was made from

    def point(self, angle: float) -> None:
        """Turn the head (built pointing left, at angle 0) to ``angle`` degrees, clockwise on
        screen, as ``setStyle(angle=angle)`` would."""
        self._angle = float(angle)
        self._turn()

    def setStyle(self, **opts):  # noqa: N802 - pyqtgraph's name
        super().setStyle(**opts)  # (builds a new unturned path when something changed)
        self._turn()

    def _turn(self) -> None:
        turned, path = self._turned, self.path  # (pyqtgraph's attribute: the unturned path)
        if turned is not None and turned[0] == self._angle and turned[1] is path:
            return
        self._turned = (self._angle, path)
        rotation = QTransform()
        rotation.rotate(self._angle)
        self.setPath(rotation.map(path))

    def shape(self):  # noqa: N802 - Qt's name
        return QGraphicsPathItem.shape(self)  # the turned path (pyqtgraph's: the unturned one)


class _Emphasised:
    """An arrow drawn thicker and highlighted while its quantity is hovered in another
    view; ``apply_style`` draws it as ``emphasised`` says."""

    emphasised = False

    def apply_style(self) -> None:
        raise NotImplementedError

    def set_emphasis(self, on: bool) -> bool:
        """Emphasise (or not); whether that changed anything."""
        on = bool(on)
        if on == self.emphasised:
            return False
        self.emphasised = on
        self.apply_style()
        return True


class ClassArrow(_Emphasised):
    """One class's weight vector: a shaft from the origin, a head and a label."""

    def __init__(self, j: int, view_box: pg.ViewBox):
        self.j = j
        self.vector = (0.0, 0.0)
        self.emphasised = False
        self.head_len = HEAD_LEN
        self.shaft = Segment()
        self.head = ArrowHead(angle=0, headLen=HEAD_LEN, tipAngle=40, tailLen=None)
        self.label = BoxedText(vector_label(j), anchor=(0.5, 0.5))
        self.items = (self.shaft, self.head, self.label)
        for z, item in zip((20, 21, 22), self.items):
            item.setZValue(z)
            view_box.addItem(item, ignoreBounds=True)
        # Drawn once into pixmaps: an edit of one weight redraws its arrow, the other
        # arrows are blitted (the shaft and head redraw when they change shape).
        cache_drawing(*self.items)
        self._drawn = None  # (vector, pixel size, head length) the shaft and head show
        self.apply_style()

    def remove(self, view_box: pg.ViewBox) -> None:
        for item in self.items:
            view_box.removeItem(item)

    def apply_style(self) -> None:
        """Pens, brushes, head size and label font from ``style`` (and the emphasis)."""
        color = style.class_color(self.j)
        outline = HIGHLIGHT if self.emphasised else OUTLINE
        self.head_len = style.scaled(HEAD_LEN * (1.2 if self.emphasised else 1.0))
        self.shaft.setPen(pg.mkPen(color, width=style.scaled(6)))
        self.shaft.setShadowPen(pg.mkPen(outline, width=style.scaled(15 if self.emphasised else 9)))
        self.head.setStyle(headLen=self.head_len,
                           pen=pg.mkPen(outline, width=style.scaled(4 if self.emphasised else 2)),
                           brush=pg.mkBrush(color))
        self.label.setColor(style.foreground())
        self.label.fill = pg.mkBrush(_with_alpha(style.background(), 215))
        self.label.border = pg.mkPen(HIGHLIGHT if self.emphasised else color,
                                     width=style.scaled(3))
        self.label.setFont(style.font(style.TITLE_POINT_SIZE, bold=True))
        self.label.update()

    def set_vector(self, w, pixel_size) -> tuple[float, float]:
        """Point the arrow at ``w`` (data units); ``pixel_size`` is (dx, dy) per screen pixel.

        Returns where the label would like to be, in screen pixels from the origin (y up).
        """
        x, y = float(w[0]), float(w[1])
        self.vector = (x, y)
        px, py = pixel_size
        sx, sy = x / px, y / py  # the vector in screen pixels (y up)
        length = math.hypot(sx, sy)
        ux, uy = (sx / length, sy / length) if length > 0 else (1.0, 0.0)
        drawn = (x, y, px, py, self.head_len)
        if drawn != self._drawn:  # (unchanged: its drawings stay valid)
            self._drawn = drawn
            # The shaft stops inside the head, so its thick end never pokes out at the tip.
            back = min(length, 0.7 * self.head_len)
            end_x, end_y = x - ux * back * px, y - uy * back * py
            self.shaft.setData([0.0, end_x], [0.0, end_y])
            self.head.point(math.degrees(math.atan2(-uy, ux)) - 180.0)
            self.head.setPos(x, y)
        gap = self.head_len * 0.6 + style.scaled(22)
        return sx + ux * gap, sy + uy * gap

    def label_size(self) -> tuple[float, float]:
        """The label's (width, height) in screen pixels."""
        r = self.label.textItem.boundingRect()
        return r.width() + 4, r.height() + 4


class PullArrow(_Emphasised):
    """The step the selected point alone pulls w_j by, drawn from the tip of w_j.

    A thin shaft and head when at least ``PULL_MIN_PX`` pixels long, else a dot.
    ``start`` and ``delta`` are the drawn arrow in data units (``delta``
    includes any magnification); ``shown`` is "arrow", "dot" or None.
    """

    def __init__(self, j: int, view_box: pg.ViewBox):
        self.j = j
        self.start = (0.0, 0.0)
        self.delta = (0.0, 0.0)
        self.shown = None
        self.emphasised = False
        self.head_len = PULL_HEAD_LEN
        self.shaft = Segment()
        self.head = ArrowHead(angle=0, headLen=PULL_HEAD_LEN, tipAngle=40, tailLen=None)
        self.dot = _PassiveScatter(pxMode=True, symbol="o")
        self.items = (self.shaft, self.head, self.dot)
        for z, item in zip((23, 24, 24), self.items):
            item.setZValue(z)
            view_box.addItem(item, ignoreBounds=True)
        self.apply_style()
        self.hide()

    def remove(self, view_box: pg.ViewBox) -> None:
        for item in self.items:
            view_box.removeItem(item)

    def apply_style(self) -> None:
        k = 1.6 if self.emphasised else 1.0
        edge = style.foreground() if self.emphasised else style.background()
        self.head_len = style.scaled(PULL_HEAD_LEN * (1.25 if self.emphasised else 1.0))
        self.shaft.setPen(pg.mkPen(PULL_COLOR, width=style.scaled(PULL_WIDTH * k)))
        self.shaft.setShadowPen(pg.mkPen(edge, width=style.scaled(PULL_WIDTH * k + 4)))
        self.head.setStyle(headLen=self.head_len, pen=pg.mkPen(edge, width=style.scaled(1.5 * k)),
                           brush=pg.mkBrush(PULL_COLOR))
        self.dot.restyle("o", style.scaled(PULL_DOT_SIZE * k),
                         pg.mkPen(edge, width=style.scaled(1.5)), pg.mkBrush(PULL_COLOR))

    def hide(self) -> None:
        self.shown = None
        for item in self.items:
            item.hide()

    def set_pull(self, start, delta, pixel_size) -> None:
        """Draw ``delta`` (data units) from ``start``; ``pixel_size`` is (dx, dy) per pixel."""
        x0, y0 = float(start[0]), float(start[1])
        dx, dy = float(delta[0]), float(delta[1])
        self.start, self.delta = (x0, y0), (dx, dy)
        px, py = pixel_size
        sx, sy = dx / px, dy / py
        length = math.hypot(sx, sy)
        if not length >= PULL_MIN_PX:  # also NaN
            self.shaft.hide()
            self.head.hide()
            if len(self.dot.data) == 1:  # moved in place: setData rebuilt it (~0.3 ms a dot)
                self.dot.move_spots(0, x0, y0)
            else:
                self.dot.setData(x=[x0], y=[y0])
            self.dot.show()
            self.shown = "dot"
            return
        ux, uy = sx / length, sy / length
        head = min(self.head_len, length)
        back = 0.7 * head
        self.shaft.setData([x0, x0 + dx - ux * back * px], [y0, y0 + dy - uy * back * py])
        self.head.setStyle(headLen=head)  # (rebuilds the path only when the length changes)
        self.head.point(math.degrees(math.atan2(-uy, ux)) - 180.0)
        self.head.setPos(x0 + dx, y0 + dy)
        self.dot.hide()
        self.shaft.show()
        self.head.show()
        self.shown = "arrow"


def spread_labels(centres, sizes, iterations: int = 30) -> np.ndarray:
    """Nudge label boxes (screen pixels) apart until they no longer overlap (few labels).

    ``centres`` has shape (n, 2), ``sizes`` (n, 2) as (width, height). Returns new centres.
    """
    # Plain Python floats: a handful of labels, every frame (NumPy's per-call cost dominates).
    p = [[float(v) for v in c] for c in np.asarray(centres, dtype=float).reshape(-1, 2)]
    half = [[float(v) / 2 for v in s] for s in np.asarray(sizes, dtype=float).reshape(-1, 2)]
    n = len(p)
    for _ in range(iterations):
        moved = False
        for a in range(n):
            for b in range(a + 1, n):
                d = (p[a][0] - p[b][0], p[a][1] - p[b][1])
                overlap = (half[a][0] + half[b][0] - abs(d[0]), half[a][1] + half[b][1] - abs(d[1]))
                if overlap[0] > 0 and overlap[1] > 0:
                    # Separate along the axis that needs the smaller push.
                    k = 0 if overlap[0] <= overlap[1] else 1
                    sign = 1.0 if d[k] > 0 or (d[k] == 0 and a < b) else -1.0
                    step = sign * (overlap[k] / 2 + 0.5)
                    p[a][k] += step
                    p[b][k] -= step
                    moved = True
        if not moved:
            break
    return np.array(p, dtype=float).reshape(-1, 2)


class DatasetView(QWidget):
    """The 2-D dataset, its decision regions and the class weight vectors, all editable.

    What it shows, for tests and other code to read: ``scatters[j]`` (class j's
    markers; ``point_sizes`` the per-point sizes by loss or None), ``arrows[j]``
    (w_j), ``pull_arrows[j]`` and ``pull_steps`` (the selected point's pull),
    ``selection_item`` (its ring), ``hover_label`` / ``hover_index`` (the hover
    read-out), ``region_item`` and ``margin_item`` / ``margin_mask`` (SVM margins),
    ``ring_emphasised`` / ``emphasised_arrow`` (the scene's highlight).
    """

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.grid = DEFAULT_GRID
        self.region_alpha = REGION_ALPHA
        self.region_updates = 0  # how many times the region image was computed
        self.region_seconds = 0.0  # how long the last computation took
        # (an edit of one class's weights, as a drag, forms only that class's scores again)
        self.region_images = engine.RegionImages()
        self._drag = None  # (kind, index, merge_key, (dx, dy) grab offset) during a drag
        self._drag_ids = itertools.count(1)
        self._shown_X = None  # the arrays the scatters show, to update only what changed
        self._shown_y = None
        self._shown_preset = None
        self._region_error = ""
        self._class_index = None  # (y, [indices of class j]) for per-point sizes
        self._hover_pos = None  # data position of the mouse over the plot (None: elsewhere)
        self.hover_index = None  # the point the hover read-out shows
        self.point_sizes = None  # (N,) marker sizes by loss, or None: one size
        self._size_turn = 0  # the class whose sizes change next while training
        self.pull_steps = None  # (2, C): -lr * dL_i/dW[:2] of the selected point, or None
        self.margin_mask = None  # (grid, grid) bool of the shown SVM margin lines, or None
        self.ring_emphasised = False
        self.emphasised_arrow = None

        self.plot = LightPlotWidget(viewBox=_PlotViewBox())  # (no menu: none is built)
        self.plot.setFocusPolicy(Qt.StrongFocus)
        self.plot.setMinimumSize(360, 320)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        item = self.plot.getPlotItem()
        style.style_plot(item, left="x₂", bottom="x₁")
        self.view_box = item.getViewBox()
        self.view_box.setAspectLocked(True, ratio=1.0)
        self.view_box.setLimits(xMin=-MAX_COORD, xMax=MAX_COORD, yMin=-MAX_COORD, yMax=MAX_COORD,
                                minXRange=1e-3, minYRange=1e-3)
        self.view_box.disableAutoRange()

        self.region_item = RgbaImageItem()
        self.region_item.setZValue(-100)
        self.view_box.addItem(self.region_item, ignoreBounds=True)
        self.margin_item = RgbaImageItem()
        self.margin_item.setZValue(-90)
        self.margin_item.hide()
        self.view_box.addItem(self.margin_item, ignoreBounds=True)
        self.zero_lines = (pg.InfiniteLine(pos=0, angle=0), pg.InfiniteLine(pos=0, angle=90))
        for line in self.zero_lines:
            line.setZValue(-50)
            self.view_box.addItem(line, ignoreBounds=True)
        cache_drawing(*self.zero_lines, item.getAxis("left"), item.getAxis("bottom"))
        self.selection_item = _PassiveScatter(pxMode=True)
        self.selection_item.setZValue(30)
        self.selection_item.hide()
        self._ring_key = None  # what the ring shows: (sizes, emphasised, colour)
        cache_drawing(self.selection_item)
        self.view_box.addItem(self.selection_item, ignoreBounds=True)
        # While a point is dragged it is drawn by this item (moved, not redrawn) and hidden
        # in its class's scatter, whose cached drawing then stays valid: at 10,000 points
        # redrawing a class's markers on every mouse move cost ~4 ms.
        self.lifted_item = _PassiveScatter(pxMode=True, antialias=True)
        self.lifted_item.setZValue(29)
        self.lifted_item.hide()
        cache_drawing(self.lifted_item)
        self.view_box.addItem(self.lifted_item, ignoreBounds=True)
        self._lifted = None  # (i, class j, place k in class j's scatter, scene.y) while lifted
        self._lifted_key = None
        self.scatters: list[_PassiveScatter] = []
        self.arrows: list[ClassArrow] = []
        self.pull_arrows: list[PullArrow] = []
        self.hover_label = BoxedText(anchor=(0, 1))
        self.hover_label.setZValue(40)
        self.hover_label.setAcceptedMouseButtons(Qt.NoButton)
        self.hover_label.hide()
        cache_drawing(self.hover_label)
        self.view_box.addItem(self.hover_label, ignoreBounds=True)

        self.region_timer = QTimer(self)
        self.region_timer.setSingleShot(True)
        self.region_timer.setInterval(0)
        self.hover_timer = QTimer(self)
        self.hover_timer.setSingleShot(True)
        self.hover_timer.setInterval(HOVER_INTERVAL_MS)
        # Sizes by loss (and the ring around the selected point, sized like it); throttled
        # while training when the main window has it ``follow`` the trainer.
        self.size_updates = DeferredRefresh(self, self._update_sizes_and_ring,
                                            interval_ms=SIZE_REFRESH_MS,
                                            throttle_when=self._dragging_many_sizes)
        # The regions when W changes: at once (in the same paint as the arrows), or when
        # the plot is shown again (e.g. a lesson layout without it).
        self.regions_refresh = DeferredRefresh(self, self.update_regions)
        # The hover read-out of the point under the mouse when the scene changes: at once
        # after an edit; at ~10 Hz while training runs when the main window has it follow
        # the trainer (laying out its rich text took ~2 - 4 ms of every frame).
        self.hover_updates = DeferredRefresh(self, self._refresh_hover_now)

        # -- toolbar: active class; below the plot: clear, reset view ----------------------------------------
        self.class_label = QLabel("New points:")
        self.class_label.setToolTip("The class a click on the plot adds (keys 1–9, 0)")
        self.class_group = QButtonGroup(self)
        self.class_group.setExclusive(True)
        self.class_buttons: list[QToolButton] = []
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every point (undo brings them back)")
        self.reset_view_button = QPushButton("Reset view")
        self.reset_view_button.setToolTip(f"Show x₁, x₂ in [{DEFAULT_RANGE[0]:g}, "
                                          f"{DEFAULT_RANGE[1]:g}] again (Home)")

        # -- toolbar: dataset --------------------------------------------------
        self.preset_combo = QComboBox()
        for name in PRESETS:
            self.preset_combo.addItem(PRESET_LABELS[name], name)
        self.preset_combo.setToolTip("The dataset Generate makes")
        self.n_edit = NumberEdit(150, minimum=1, maximum=100_000, integer=True, step=50,
                                 name="number of points")
        self.n_edit.setBaseToolTip("How many points Generate makes (1 to 100000)")
        self.noise_edit = NumberEdit(None, minimum=0.0, maximum=10.0, step=0.05,
                                     special="default", name="noise")
        self.seed_edit = NumberEdit(0, minimum=0, maximum=2**31 - 1, integer=True, step=1,
                                    name="seed")
        self.seed_edit.setBaseToolTip("Random seed: the same seed makes the same points")
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Replace the points by the chosen dataset (Enter in a field)")
        self.hint_label = QLabel("Click: add · drag: move · right-click/Del: delete · "
                                 "drag arrow tips: edit w · wheel: zoom")
        self.hint_label.setToolTip("What the mouse and keys do on the plot")
        self.hint_label.setWordWrap(True)

        # -- below the plot: the selected point and the intuition tools ------------------
        self.unselect_button = QPushButton("Unselect")
        self.unselect_button.setToolTip(
            "Unselect the point (Esc). While selected, the score lab shows its scores, a ring "
            "marks it, and a thin arrow at the tip of each wⱼ shows the step it alone pulls "
            "wⱼ by, −lr·∂Lᵢ/∂wⱼ (a dot when too short to draw)")
        self.pull_zoom_check = QCheckBox(f"pull ×{PULL_ZOOM}")
        self.pull_zoom_check.setToolTip(
            f"Draw the selected point's pull on each wⱼ {PULL_ZOOM}× longer. Off: true "
            "length, one SGD step on this point alone, −lr·xᵢ(pⱼ − [j = yᵢ]) "
            "in (x₁, x₂); with a small learning rate that is often too short to see.")
        self.size_by_loss_check = QCheckBox("size by loss")
        self.size_by_loss_check.setChecked(True)
        self.size_by_loss_check.setToolTip(
            "Marker size grows with the point's loss Lᵢ: size = base · (1 + min(Lᵢ, "
            f"{LOSS_CAP:g}) / {LOSS_SPAN:g}), up to 2× at Lᵢ ≥ {LOSS_CAP:g}. Well "
            "classified points keep the base size, which shrinks over "
            f"{DENSE_POINTS:,} points (to half from 16,000 on), so a dense cloud keeps its "
            "shape. Above "
            f"{SIZE_BY_LOSS_MAX_POINTS:,} points markers keep one size: recomputing every "
            "Lᵢ each frame would slow training down.")
        self.margin_label = QLabel("dashed: SVM margin, top score − runner-up = 1")
        self.margin_label.setToolTip(
            "With the multiclass SVM loss a point's loss is 0 only once its class's score beats "
            "every other by the margin 1: between a dashed line and the boundary it is still > 0")
        self.margin_label.hide()

        # The toolbar wraps into as many rows as the width needs; each group stays whole.
        params_bar, params = _bar()
        tips = {"n": "How many points Generate makes",
                "noise": "Jitter of the points in data units ('default': the preset's own)",
                "seed": "Random seed: the same seed makes the same points"}
        for text, edit in (("n", self.n_edit), ("noise", self.noise_edit), ("seed", self.seed_edit)):
            label = QLabel(text)
            label.setToolTip(tips[text])
            label.setBuddy(edit)
            params.addWidget(label)
            params.addWidget(edit)
        params.addWidget(self.generate_button)
        self.toolbar = _FlowLayout(spacing=6)
        for widget in (self.class_label, self.preset_combo, params_bar):
            self.toolbar.addWidget(widget)  # the class buttons go after the label
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.setSpacing(6)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.plot, 1)
        self.inspector_bar = _FlowLayout(spacing=10)
        for widget in (self.size_by_loss_check, self.pull_zoom_check, self.unselect_button,
                       self.margin_label):
            self.inspector_bar.addWidget(widget)
        layout.addLayout(self.inspector_bar)
        bottom = QHBoxLayout()
        bottom.addWidget(self.hint_label, 1)
        bottom.addWidget(self.clear_button)
        bottom.addWidget(self.reset_view_button)
        layout.addLayout(bottom)

        view_box = self.view_box
        view_box.click_handler = self._on_plot_clicked
        view_box.drag_handler = self._on_plot_dragged
        view_box.hover_handler = self._on_plot_hovered

        # -- connections -----------------------------------------------------------
        scene.dataset_changed.connect(self._on_dataset_changed)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.features_changed.connect(self._on_features_changed)
        scene.weights_changed.connect(self._on_weights_changed)
        scene.selection_changed.connect(self._on_selection_changed)
        scene.active_class_changed.connect(self._on_active_class_changed)
        scene.hyper_changed.connect(self._on_hyper_changed)
        scene.highlight_changed.connect(self._on_highlight_changed)
        style.appearance.changed.connect(self._on_appearance_changed)
        view_box.sigRangeChanged.connect(self._on_range_changed)
        view_box.sigResized.connect(self._on_range_changed)
        self.region_timer.timeout.connect(self.update_regions)
        self.hover_timer.timeout.connect(self._update_hover)
        self.unselect_button.clicked.connect(self._on_unselect_clicked)
        self.pull_zoom_check.toggled.connect(self._on_pull_zoom_toggled)
        self.size_by_loss_check.toggled.connect(self._on_size_by_loss_toggled)
        self.class_group.idClicked.connect(self._on_class_button_clicked)
        self.reset_view_button.clicked.connect(self.reset_view)
        self.preset_combo.currentIndexChanged.connect(self._on_preset_index_changed)
        self.n_edit.value_edited.connect(self._on_n_edited)
        self.noise_edit.value_edited.connect(self._on_noise_edited)
        self.seed_edit.value_edited.connect(self._on_seed_edited)
        self.n_edit.returnPressed.connect(self._on_generate_clicked)
        self.noise_edit.returnPressed.connect(self._on_generate_clicked)
        self.seed_edit.returnPressed.connect(self._on_generate_clicked)
        self.generate_button.clicked.connect(self._on_generate_clicked)
        self.clear_button.clicked.connect(self._on_clear_clicked)
        self.plot.installEventFilter(self)

        self._apply_widget_style()
        self._apply_plot_style()
        self._rebuild_classes()
        self._on_preset_index_changed(self.preset_combo.currentIndex())
        self._on_dataset_changed()
        self._on_hyper_changed()
        self.reset_view()
        self._update_arrows()
        self.update_regions()

    # ------------------------------------------------------------ coordinates
    def data_to_view(self, x: float, y: float):
        """The viewport pixel (QPoint of ``self.plot.viewport()``) showing data point (x, y)."""
        scene_pos = self.view_box.mapViewToScene(QPointF(float(x), float(y)))
        return self.plot.mapFromScene(scene_pos)

    def view_to_data(self, pos) -> tuple[float, float]:
        """The data coordinates under viewport pixel ``pos`` (QPoint or QPointF)."""
        if isinstance(pos, QPointF):
            pos = pos.toPoint()
        p = self.view_box.mapSceneToView(self.plot.mapToScene(pos))
        return p.x(), p.y()

    def _pixel_size(self) -> tuple[float, float]:
        px, py = self.view_box.viewPixelSize()
        if not (px > 0 and py > 0 and math.isfinite(px) and math.isfinite(py)):
            span = DEFAULT_RANGE[1] - DEFAULT_RANGE[0]
            return span / 500.0, span / 500.0
        return px, py

    def pick_point(self, x: float, y: float, radius: float = PICK_RADIUS) -> int | None:
        """Index of the point nearest to (x, y) within ``radius`` screen pixels, or None."""
        X = self.scene.X
        if X.shape[0] == 0:
            return None
        px, py = self._pixel_size()
        d2 = ((X[:, 0] - x) / px) ** 2 + ((X[:, 1] - y) / py) ** 2
        i = int(np.argmin(d2))
        return i if d2[i] <= radius * radius else None

    def pick_arrow(self, x: float, y: float, radius: float = TIP_RADIUS) -> int | None:
        """The class whose arrow tip is nearest to (x, y) within ``radius`` pixels, or None."""
        if not self.arrows:
            return None
        px, py = self._pixel_size()
        tips = np.asarray(self.scene.W[:2, : len(self.arrows)].T)
        d2 = ((tips[:, 0] - x) / px) ** 2 + ((tips[:, 1] - y) / py) ** 2
        j = int(np.argmin(d2))
        return j if d2[j] <= radius * radius else None

    def reset_view(self) -> None:
        """Show the default range [-5.5, 5.5]² (the longer side of the plot shows more)."""
        self.view_box.setRange(xRange=DEFAULT_RANGE, yRange=DEFAULT_RANGE, padding=0)

    # ----------------------------------------------------------- scene slots
    def _on_classes_changed(self) -> None:
        self._rebuild_classes()
        self._schedule_regions()

    def _on_features_changed(self) -> None:
        self._schedule_regions()

    def _on_weights_changed(self) -> None:
        self._update_arrows()
        self.size_updates.request()
        self._update_pulls()
        self._refresh_hover()
        # Now, not from the 0 ms timer: Qt would paint the new arrows first and the new
        # regions in a second paint (two full repaints per edit or training frame).
        self.regions_refresh.request()

    def _on_dataset_changed(self) -> None:
        if len(self.scatters) != self.scene.n_classes:
            self._rebuild_classes()
        if self.scatters and self.scatters[0].opts["size"] != self.marker_base_size():
            self._restyle_scatters()  # e.g. thousands of points more: smaller markers
        self._update_scatters()
        self._update_sizes()
        self._update_selection()
        self._update_pulls()
        self._sync_preset_widgets()
        self._refresh_hover(repick=True)

    def _on_hyper_changed(self) -> None:
        # The learning rate scales the pulls; the loss changes L_i, the pulls and the margins.
        self._update_point_losses()
        svm = self.scene.loss == "svm"
        if svm != self.margin_label.isVisibleTo(self) or svm != (self.margin_mask is not None):
            self.margin_label.setVisible(svm)
            self._schedule_regions()

    def _on_selection_changed(self) -> None:
        self._update_selection()
        self._update_pulls()

    def _on_active_class_changed(self) -> None:
        j = self.scene.active_class
        if 0 <= j < len(self.class_buttons):
            with QSignalBlocker(self.class_group):
                self.class_buttons[j].setChecked(True)

    def _on_range_changed(self, *args) -> None:
        self._update_arrows()
        self._update_pulls()
        self._schedule_regions()

    def _on_highlight_changed(self) -> None:
        target = self.scene.highlight
        kind = target[0] if target else None
        ring = kind == "x"
        arrow = None
        if (kind == "W" and target[1] < 2) or kind == "point_dW":
            arrow = target[2]
        for j, a in enumerate(self.arrows):
            a.set_emphasis(j == arrow)
        for j, p in enumerate(self.pull_arrows):
            p.set_emphasis(kind == "point_dW" and j == arrow)
        self.emphasised_arrow = arrow if arrow is not None and arrow < len(self.arrows) else None
        if ring != self.ring_emphasised:
            self.ring_emphasised = ring
            self._update_selection()
        self._update_arrows()
        self._update_pulls()

    def _update_point_losses(self) -> None:
        """Everything that depends on the per-point losses or the selected point's gradient."""
        self.size_updates.run()
        self._update_pulls()
        self._refresh_hover()

    def _dragging_many_sizes(self) -> bool:
        """An arrow drag over many points: the marker sizes (every point's loss changes with
        w) follow at ~10 Hz, one class at a time, like while training, and exactly when the
        drag ends; the regions and the arrow keep up with the mouse. (Drawing 10,000 markers
        again costs ~9 ms: on every mouse move that halved the drag's frame rate.)"""
        drag = self._drag
        return drag is not None and drag[0] == "arrow" and \
            self.scene.n_points > SIZE_DRAG_THROTTLE_POINTS

    def _update_sizes_and_ring(self) -> None:
        behind = self._update_sizes(one_class=self.size_updates.throttled())
        self._update_selection()
        if behind:  # the other classes on the next turns, or all at once when training stops
            self.size_updates.pending = True

    # ------------------------------------------------------------ toggles
    def _on_unselect_clicked(self) -> None:
        self.scene.select(None)

    def _on_pull_zoom_toggled(self, _on: bool) -> None:
        self._update_pulls()

    def _on_size_by_loss_toggled(self, _on: bool) -> None:
        self._update_sizes()
        self._update_selection()

    # ------------------------------------------------------------ appearance
    def _on_appearance_changed(self) -> None:
        self._apply_widget_style()
        self._apply_plot_style()
        self._restyle_scatters()
        self._update_sizes()
        for arrow in self.arrows:
            arrow.apply_style()
        for pull in self.pull_arrows:
            pull.apply_style()
        for j, button in enumerate(self.class_buttons):
            self._style_class_button(button, j)
        self._update_selection()
        self._update_arrows()
        self._update_pulls()
        self._refresh_hover()
        self.update_regions()

    def _restyle_scatters(self) -> None:
        """Every class's symbol, size, pen and brush afresh (per-point sizes are kept)."""
        for j, item in enumerate(self.scatters):
            item.restyle(*self._scatter_style(j))
        self._lifted_key = None  # (a dragged point's item restyles in _update_selection)

    def _apply_widget_style(self) -> None:
        """Sizes that do not follow the application font by themselves."""
        metrics = QFontMetrics(style.font())
        for edit in (self.n_edit, self.noise_edit, self.seed_edit):
            edit.setFixedWidth(metrics.horizontalAdvance("0" * 6) + round(style.scaled(16)))
        self.hint_label.setStyleSheet(f"color: {'#bbbbbb' if _dark() else '#444444'};")
        self.margin_label.setStyleSheet("font-style: italic;")
        self.plot.setMinimumSize(round(style.scaled(360)), round(style.scaled(320)))

    def _apply_plot_style(self) -> None:
        style.style_plot(self.plot.getPlotItem())
        style.style_plot_widget(self.plot)
        # Nothing lies under the regions but the plot's background: drawn opaque over it.
        self.region_item.set_backdrop(style.background())
        axis = (150, 150, 150) if _dark() else (90, 90, 90)
        pen = pg.mkPen(axis, width=style.scaled(1.5), style=Qt.DashLine)
        for line in self.zero_lines:
            line.setPen(pen)
        label = self.hover_label
        label.setColor(style.foreground())
        label.fill = pg.mkBrush(_with_alpha(style.background(), 235))
        label.border = pg.mkPen(style.foreground(), width=style.scaled(1.5))
        label.setFont(style.font(style.BASE_POINT_SIZE))
        label.update()

    def _scatter_style(self, j: int):
        """(symbol, size, pen, brush) of class j's markers."""
        return (style.class_symbol(j), self.marker_base_size(),
                pg.mkPen(OUTLINE, width=style.scaled(1.3)), pg.mkBrush(style.class_color(j)))

    def _style_class_button(self, button: QToolButton, j: int) -> None:
        icon = round(style.scaled(18))
        button.setIcon(class_icon(j, round(style.scaled(22))))
        button.setIconSize(QSize(icon, icon))
        c = style.class_color(j)
        rgb = f"{c.red()}, {c.green()}, {c.blue()}"
        edge, checked = ("#888", "#f0f0f0") if _dark() else ("#999", "#111")
        button.setStyleSheet(
            f"QToolButton {{ padding: 2px 4px; border: 1px solid {edge}; border-radius: 4px;"
            f" background: rgba({rgb}, 40); }}"
            f"QToolButton:checked {{ border: 3px solid {checked}; font-weight: bold;"
            f" background: rgba({rgb}, 150); }}")

    # -------------------------------------------------------------- drawing
    def _rebuild_classes(self) -> None:
        """(Re)create the per-class items; only when the number of classes changes."""
        C = self.scene.n_classes
        if len(self.scatters) != C:
            for item in self.scatters:
                self.view_box.removeItem(item)
            self.scatters = []
            for j in range(C):
                symbol, size, pen, brush = self._scatter_style(j)
                item = _PassiveScatter(pxMode=True, symbol=symbol, size=size, pen=pen, brush=brush,
                                       hoverable=False, antialias=True, name=style.class_name(j))
                item.setZValue(10 + j * 0.01)
                # Drawn once into a pixmap, then blitted while only the regions or arrows move.
                cache_drawing(item)
                self.view_box.addItem(item)
                self.scatters.append(item)
            self._shown_X = self._shown_y = None
            self._class_index = None
        if len(self.arrows) != C:
            for arrow in self.arrows:
                arrow.remove(self.view_box)
            for pull in self.pull_arrows:
                pull.remove(self.view_box)
            self.arrows = [ClassArrow(j, self.view_box) for j in range(C)]
            self.pull_arrows = [PullArrow(j, self.view_box) for j in range(C)]
            self._on_highlight_changed()
            self._update_arrows()
        if len(self.class_buttons) != C:
            for button in self.class_buttons:
                self.class_group.removeButton(button)
                self.toolbar.removeWidget(button)
                button.deleteLater()
            self.class_buttons = [self._make_class_button(j) for j in range(C)]
            for j, button in enumerate(self.class_buttons):
                self.class_group.addButton(button, j)
                self.toolbar.insertWidget(1 + j, button)
            self._on_active_class_changed()

    def _make_class_button(self, j: int) -> QToolButton:
        button = QToolButton()
        button.setText(str(j + 1))
        button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.TabFocus)
        key = (j + 1) % 10
        button.setToolTip(f"Clicks on the plot add points of {style.class_name(j)} (key {key})")
        self._style_class_button(button, j)
        return button

    def _update_scatters(self) -> None:
        X, y = self.scene.X, self.scene.y
        classes = range(len(self.scatters))
        if (self._shown_y is y and self._shown_X is not None
                and self._shown_X.shape == X.shape):
            # Only some points moved (e.g. during a drag): update just those. The scene
            # knows them after a move; otherwise compare column by column (a reduction over
            # each row's 2 values runs a loop per row, ~10x slower).
            moved = self.scene.moved_rows(self._shown_X)
            if moved is None:
                moved = np.flatnonzero((X[:, 0] != self._shown_X[:, 0])
                                       | (X[:, 1] != self._shown_X[:, 1]))
            if moved.size <= 16:
                lifted = self._lifted[0] if self._lifted is not None else None
                for i in moved.tolist():
                    j, k = self._scatter_place(i)
                    if i == lifted:  # hidden there: keep its data, leave the drawing be
                        self.scatters[j].data["x"][k], self.scatters[j].data["y"][k] = X[i]
                    else:
                        self.scatters[j].move_spots(k, X[i, 0], X[i, 1])
                classes = ()
            else:
                classes = np.unique(y[moved]).tolist()
        for j in classes:
            mask = y == j
            self.scatters[j].setData(x=X[mask, 0], y=X[mask, 1])
            if self._lifted is not None and self._lifted[1] == j and self._lifted[3] is y:
                self.scatters[j].data["visible"][self._lifted[2]] = False
        self._shown_X, self._shown_y = X, y

    def _class_indices(self) -> list[np.ndarray]:
        """The scene indices of the points each class's scatter shows, in its order."""
        y = self.scene.y
        cached = self._class_index
        if cached is None or cached[0] is not y or len(cached[1]) != len(self.scatters):
            order = np.argsort(y, kind="stable")
            bounds = np.searchsorted(y[order], np.arange(len(self.scatters) + 1))
            self._class_index = cached = (y, [order[bounds[j]:bounds[j + 1]]
                                              for j in range(len(self.scatters))])
        return cached[1]

    def sizing_by_loss(self) -> bool:
        """Whether markers are sized by their loss now (the checkbox, and not too many points)."""
        n = self.scene.n_points
        return self.size_by_loss_check.isChecked() and 0 < n <= SIZE_BY_LOSS_MAX_POINTS

    def _update_sizes(self, one_class: bool = False) -> bool:
        """Marker sizes from the per-point losses L_i (vectorised).

        ``one_class``: restyle only the next class in turn (each class's markers are
        redrawn into their cache when their sizes change: one class at a time spreads that
        over frames). Returns whether other classes still show older sizes.
        """
        self.size_by_loss_check.setEnabled(self.scene.n_points <= SIZE_BY_LOSS_MAX_POINTS)
        sizes = None
        if self.sizing_by_loss():
            try:
                sizes = loss_marker_sizes(self.scene.point_losses(), self.marker_base_size())
            except ValueError:
                sizes = None
        if sizes is None:
            if self.point_sizes is not None:
                for item in self.scatters:
                    item.set_sizes(None)
            self.point_sizes = None
            return False
        self.point_sizes = sizes
        indices = self._class_indices()
        if any(len(item.data) != len(idx) for item, idx in zip(self.scatters, indices)):
            self._shown_X = self._shown_y = None  # (not expected) resync the points first
            self._update_scatters()
        pairs = list(enumerate(zip(self.scatters, indices)))
        behind = one_class and len(pairs) > 1
        if behind:
            self._size_turn = (self._size_turn + 1) % len(pairs)
            pairs = pairs[self._size_turn:self._size_turn + 1]
        lifted = self._lifted
        for j, (item, idx) in pairs:
            class_sizes = sizes[idx]
            if (lifted is not None and lifted[1] == j and lifted[3] is self.scene.y
                    and item.data["size"][lifted[2]] != -1):
                # the lifted point keeps its old size there (hidden; lifted_item shows the new)
                class_sizes[lifted[2]] = item.data["size"][lifted[2]]
            item.set_sizes(class_sizes)
        return behind

    def marker_size(self, i: int) -> float:
        """The diameter (pixels) point i is drawn with."""
        if self.point_sizes is not None and i < self.point_sizes.shape[0]:
            return float(self.point_sizes[i])
        return self.marker_base_size()

    def marker_base_size(self) -> float:
        """The markers' diameter (pixels) without size by loss: ``POINT_SIZE`` at the
        appearance's scale, smaller over many points (``marker_diameter``)."""
        return marker_diameter(self.scene.n_points, style.scaled(POINT_SIZE))

    def _update_selection(self) -> None:
        i = self.scene.selected
        ring = self.selection_item
        if i is None or i >= self.scene.n_points:
            if self._ring_key is not None:
                ring.setData(x=[], y=[])
                self._ring_key = None
            ring.hide()  # (an empty scatter still costs ~0.8 ms in every paint)
            self.unselect_button.setEnabled(False)
            self._set_text(self.unselect_button, "Unselect")
            return
        self.unselect_button.setEnabled(True)
        self._set_text(self.unselect_button, f"Unselect point {i + 1}")
        x, y = (float(v) for v in self.scene.X[i])
        size = self.marker_size(i)
        sc = style.scaled
        if self.ring_emphasised:  # its x is hovered in another view: a big, bright ring
            sizes = [size + sc(34), size + sc(28), size + sc(16)]
            pens = [pg.mkPen("w", width=sc(5)), pg.mkPen(HIGHLIGHT, width=sc(6)),
                    pg.mkPen(OUTLINE, width=sc(3))]
        else:
            sizes = [size + sc(22), size + sc(16)]
            pens = [pg.mkPen("w", width=sc(5)), pg.mkPen(OUTLINE, width=sc(3))]
        key = (tuple(sizes), self.ring_emphasised, style.foreground().rgba())
        if key != self._ring_key:  # (a training frame usually leaves the ring as it is)
            self._ring_key = key
            ring.setData(x=[0.0] * len(sizes), y=[0.0] * len(sizes), size=sizes,
                         symbol="o", pen=pens, brush=[None] * len(sizes))
        # The rings sit at the item's origin and the item at the point: a drag moves the
        # item (its cached drawing is blitted elsewhere), not the rings' data.
        ring.setPos(x, y)
        ring.show()
        self._update_lifted()

    def _scatter_place(self, i: int) -> tuple[int, int]:
        """(j, k): point i is spot k of class j's scatter (the scatters keep scene order)."""
        y = self.scene.y
        j = int(y[i])
        return j, int(np.count_nonzero(y[:i] == j))

    def _lift(self, i: int) -> None:
        """Draw point i (being dragged) with ``lifted_item`` instead of its class's scatter."""
        self._drop()
        j, k = self._scatter_place(i)
        if j >= len(self.scatters) or k >= len(self.scatters[j].data):
            return
        item = self.scatters[j]
        item.data["visible"][k] = False
        item.invalidate()
        self._lifted = (i, j, k, self.scene.y)
        self._lifted_key = None
        self._update_lifted()

    def _drop(self) -> None:
        """Put the lifted point back into its class's scatter (one redraw of that class)."""
        lifted, self._lifted = self._lifted, None
        self.lifted_item.hide()
        if lifted is None:
            return
        i, j, k, y = lifted
        s = self.scene
        if s.y is not y or j >= len(self.scatters) or k >= len(self.scatters[j].data):
            return  # the points changed meanwhile: the scatters were filled again
        item = self.scatters[j]
        item.data["visible"][k] = True
        item.move_spots(k, *(float(v) for v in s.X[i]))
        self._update_sizes()  # its own size, kept while it was hidden

    def _update_lifted(self) -> None:
        lifted = self._lifted
        if lifted is None:
            return
        i, j, k, y = lifted
        s = self.scene
        if s.y is not y or i >= s.n_points or j >= len(self.scatters):
            self._lifted = None  # (its scatter was filled again, with the point shown)
            self.lifted_item.hide()
            return
        size = self.marker_size(i)
        if (size, j) != self._lifted_key:  # (reset when the appearance changes)
            self._lifted_key = (size, j)
            symbol, _size, pen, brush = self._scatter_style(j)
            self.lifted_item.setData(x=[0.0], y=[0.0], size=[size], symbol=symbol, pen=pen,
                                     brush=brush)
        x, yy = (float(v) for v in s.X[i])
        self.lifted_item.setPos(x, yy)
        self.lifted_item.show()

    @staticmethod
    def _set_text(label, text: str) -> None:
        if label.text() != text:
            label.setText(text)

    def _update_arrows(self) -> None:
        W = self.scene.W
        px, py = self._pixel_size()
        arrows = self.arrows[: W.shape[1]]
        wanted = [arrow.set_vector(W[:2, j], (px, py)) for j, arrow in enumerate(arrows)]
        if not arrows:
            return
        placed = spread_labels(wanted, [arrow.label_size() for arrow in arrows])
        for arrow, (sx, sy) in zip(arrows, placed):
            arrow.label.setPos(sx * px, sy * py)

    def pull_magnification(self) -> int:
        return PULL_ZOOM if self.pull_zoom_check.isChecked() else 1

    def _update_pulls(self) -> None:
        """The selected point's pull -lr * dL_i/dw_j at the tip of each w_j (one point: cheap)."""
        s = self.scene
        grad = None
        if s.selected is not None and s.selected < s.n_points:
            try:
                grad = s.point_gradient(s.selected)
            except ValueError:
                grad = None
        if grad is None:
            self.pull_steps = None
            for pull in self.pull_arrows:
                pull.hide()
            return
        steps = -s.lr * grad[0][:2, :]
        self.pull_steps = steps
        k = self.pull_magnification()
        pixel = self._pixel_size()
        W = s.W
        for j, pull in enumerate(self.pull_arrows[: W.shape[1]]):
            pull.set_pull(W[:2, j], k * steps[:, j], pixel)

    def _schedule_regions(self) -> None:
        self.region_timer.start()

    def _boundary_rgba(self):
        return BOUNDARY_RGBA_DARK if _dark() else BOUNDARY_RGBA

    def update_regions(self) -> None:
        """Recompute the decision-region image for the visible range (once per change)."""
        self.region_timer.stop()
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        if not (x1 > x0 and y1 > y0):
            return
        s = self.scene
        start = time.perf_counter()
        try:
            alpha = REGION_ALPHA_DARK if _dark() and self.region_alpha == REGION_ALPHA \
                else self.region_alpha
            # blended over the plot's background here, not by Qt (see RgbaImageItem.setImage)
            img = self.region_images.image(s.W, s.b, (x0, x1), (y0, y1), self.grid,
                                           palette=style.palette_array(), features=s.features,
                                           alpha=alpha, boundary_rgba=self._boundary_rgba(),
                                           backdrop=self.region_item.backdrop_rgb)
            margins = None
            if s.loss == "svm":
                margins = margin_mask(s.W, s.b, (x0, x1), (y0, y1), self.grid,
                                      features=s.features, margin=MARGIN, dash=MARGIN_DASH)
        except ValueError as exc:
            self.region_item.hide()
            self.margin_item.hide()
            self.margin_mask = None
            if str(exc) != self._region_error:
                self._region_error = str(exc)
                messages.message.emit(f"Decision regions not shown: {exc}")
            return
        self._region_error = ""
        self.region_seconds = time.perf_counter() - start
        self.region_updates += 1
        rect = QRectF(x0, y0, x1 - x0, y1 - y0)
        self.region_item.setImage(img, autoLevels=False)
        self.region_item.setRect(rect)
        self.region_item.show()
        self.margin_mask = margins
        if margins is None:
            self.margin_item.hide()
            return
        overlay = np.zeros(margins.shape + (4,), dtype=np.uint8)
        overlay[margins] = _rgba(style.foreground(), MARGIN_ALPHA)
        self.margin_item.setImage(overlay, autoLevels=False)
        self.margin_item.setRect(rect)
        self.margin_item.show()

    # ------------------------------------------------------------ hover
    def _update_hover(self) -> None:
        """Pick under the mouse (throttled to ~60 Hz): cursor shape and the point read-out."""
        self.hover_timer.stop()
        pos = self._hover_pos
        if pos is None or self._drag is not None:
            self._show_hover(None)
            return
        x, y = pos
        if self.pick_arrow(x, y) is not None:
            self.view_box.setCursor(Qt.OpenHandCursor)
            self._show_hover(None)
            return
        i = self.pick_point(x, y)
        self.view_box.setCursor(Qt.CrossCursor if i is None else Qt.PointingHandCursor)
        self._show_hover(i)

    def _refresh_hover(self, repick: bool = False) -> None:
        """Redraw the read-out after the scene changed (e.g. a training frame); ``repick``:
        the points changed, pick the one under the mouse again (at once)."""
        if repick:
            if self.hover_index is not None:
                self._update_hover()
        elif self.hover_index is not None:
            self.hover_updates.request()

    def _refresh_hover_now(self) -> None:
        if self.hover_index is not None:
            self._show_hover(self.hover_index)

    def hover_text(self, i: int) -> str:
        """The read-out of point i as HTML: x, class, scores, probabilities and loss."""
        s = self.scene
        fmt = style.format_number
        x1, x2 = (float(v) for v in s.X[i])
        label = int(s.y[i])
        # This row only: a full pass over a million points costs more than a frame.
        Z, y = s.Z[i:i + 1], s.y[i:i + 1]
        scores = engine.compute_scores(s.W, s.b, Z)[0]
        p = engine.softmax(scores)
        L = float(engine.core.evaluate(s.W, s.b, Z, y, loss=s.loss).losses[0])
        rows = []
        for j, (sj, pj) in enumerate(zip(scores, p)):
            c = style.class_color(j).name()
            mark = "<b>" if j == label else ""
            end = "</b>" if j == label else ""
            rows.append(f"<tr><td><span style='color:{c}'>■</span> {mark}{j + 1}{end}</td>"
                        f"<td align='right'>{mark}{fmt(float(sj))}{end}</td>"
                        f"<td align='right'>{mark}{fmt(float(pj), 3)}{end}</td></tr>")
        loss = "= −ln p<sub>y</sub> =" if s.loss == "softmax" else "(hinge) ="
        return (f"<b>point {i + 1}</b> · class {label + 1}<br>"
                f"x₁ = {fmt(x1)}, x₂ = {fmt(x2)}"
                "<table cellspacing='0' cellpadding='2'>"
                "<tr><td>class</td><td align='right'>s<sub>j</sub></td>"
                "<td align='right'>p<sub>j</sub></td></tr>" + "".join(rows) + "</table>"
                f"L<sub>i</sub> {loss} <b>{fmt(L)}</b>")

    def _show_hover(self, i: int | None) -> None:
        label = self.hover_label
        if i is None or i >= self.scene.n_points:
            self.hover_index = None
            label.hide()
            return
        try:
            html = self.hover_text(i)
        except ValueError:
            self.hover_index = None
            label.hide()
            return
        self.hover_index = i
        if html != getattr(label, "_html", None):
            label.setHtml(html)
            label._html = html
        # Beside the point, on the side with room.
        x, y = (float(v) for v in self.scene.X[i])
        px, py = self._pixel_size()
        (vx0, vx1), (vy0, vy1) = self.view_box.viewRange()
        r = label.textItem.boundingRect()
        gap = self.marker_size(i) / 2 + style.scaled(8)
        right = x + (gap + r.width()) * px <= vx1
        up = y + (gap + r.height()) * py <= vy1
        label.setAnchor((0 if right else 1, 1 if up else 0))
        label.setPos(x + (gap if right else -gap) * px, y + (gap if up else -gap) * py)
        label.show()

    # ------------------------------------------------------------ mouse
    def _event_data_pos(self, ev, start: bool = False) -> tuple[float, float]:
        pos = ev.buttonDownPos() if start else ev.pos()
        p = self.view_box.mapToView(pos)
        return p.x(), p.y()

    def _on_plot_clicked(self, ev) -> bool:
        """A click on the plot: select, add or delete a point. True if handled."""
        button = ev.button()
        if button not in (Qt.LeftButton, Qt.RightButton):
            return False
        ev.accept()
        self.plot.setFocus(Qt.MouseFocusReason)
        x, y = self._event_data_pos(ev)
        i = self.pick_point(x, y)
        try:
            if button == Qt.RightButton:
                if i is not None:
                    self.scene.remove_points([i])
            elif i is not None:
                self.scene.select(i)
            elif self.pick_arrow(x, y) is None:
                self.scene.add_point(x, y)
                self.scene.select(None)
        except ValueError as exc:
            messages.message.emit(str(exc))
        return True

    def _on_plot_dragged(self, ev) -> bool:
        """A left drag: move a point or an arrow tip. False leaves it to the ViewBox (pan)."""
        if ev.button() != Qt.LeftButton:
            return False
        if ev.isStart():
            self._set_drag(None)
            x0, y0 = self._event_data_pos(ev, start=True)
            j = self.pick_arrow(x0, y0)
            i = None if j is not None else self.pick_point(x0, y0)
            key = ("drag", next(self._drag_ids))
            if j is not None:
                wx, wy = (float(v) for v in self.scene.W[:2, j])
                self._set_drag(("arrow", j, key, (wx - x0, wy - y0)))
            elif i is not None:
                px, py = (float(v) for v in self.scene.X[i])
                self.scene.select(i)  # (before the drag begins: every view shows it at once)
                self._set_drag(("point", i, key, (px - x0, py - y0)))
            else:
                return False
            self.plot.setFocus(Qt.MouseFocusReason)
            self._show_hover(None)
        if self._drag is None:
            return False
        ev.accept()
        kind, index, key, (dx, dy) = self._drag
        x, y = self._event_data_pos(ev)
        try:
            if kind == "point":
                self.scene.move_point(index, x + dx, y + dy, merge_key=key)
            else:
                self.scene.set_class_vector(index, (x + dx, y + dy), merge_key=key, live=True)
        except ValueError as exc:
            messages.message.emit(str(exc))
            self._set_drag(None)
            return True
        if ev.isFinish():
            self._set_drag(None)
        return True

    def _set_drag(self, drag) -> None:
        """Start or end a drag of a point or an arrow. While one goes on, the other views
        redraw at ~10 Hz (``perf.interaction``), so that the plot keeps up with the mouse."""
        if (self._drag is None) != (drag is None):
            if drag is None:
                kind, self._drag = self._drag[0], None
                self._drop()
                if kind == "arrow":
                    self.scene.end_live()  # (the metrics of every point: exact again)
                interaction.end(self)  # (the other views catch up now)
                return
            interaction.begin(self)
        self._drag = drag
        if drag is not None and drag[0] == "point":
            self._lift(drag[1])

    def _on_plot_hovered(self, ev) -> None:
        """Mouse moves over the plot: remember where, and pick at most every 16 ms."""
        if ev.isExit():
            self._hover_pos = None
            self.hover_timer.stop()
            self._show_hover(None)
            self.view_box.unsetCursor()
            return
        p = self.view_box.mapToView(ev.pos())
        self._hover_pos = (p.x(), p.y())
        if self._drag is not None:
            return
        if not self.hover_timer.isActive():
            self.hover_timer.start()

    # ------------------------------------------------------------ keys
    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if obj is self.plot and event.type() == QEvent.KeyPress:
            return self._on_plot_key(event)
        return super().eventFilter(obj, event)

    def _on_plot_key(self, event) -> bool:
        key = event.key()
        if event.modifiers() & ~(Qt.KeypadModifier | Qt.ShiftModifier):
            return False
        try:
            if key in (Qt.Key_Delete, Qt.Key_Backspace):
                if self.scene.selected is not None:
                    self.scene.remove_points([self.scene.selected])
                return True
            if key == Qt.Key_Escape:
                self.scene.select(None)
                return True
            if key == Qt.Key_Home:
                self.reset_view()
                return True
            if Qt.Key_0 <= key <= Qt.Key_9:
                j = (key - Qt.Key_0 - 1) % 10  # '1' -> class 1 (index 0), '0' -> class 10
                if j >= self.scene.n_classes:
                    messages.message.emit(f"There is no class {j + 1}: the scene has "
                                          f"{self.scene.n_classes} classes")
                else:
                    self.scene.set_active_class(j)
                return True
        except ValueError as exc:
            messages.message.emit(str(exc))
            return True
        return False

    # ------------------------------------------------------------ toolbar
    def _on_class_button_clicked(self, j: int) -> None:
        try:
            self.scene.set_active_class(j)
        except ValueError as exc:
            messages.message.emit(str(exc))
            self._on_active_class_changed()

    def _on_preset_index_changed(self, index: int) -> None:
        name = self.preset_combo.itemData(index)
        if name is None:
            return
        self.noise_edit.setBaseToolTip(
            f"Jitter of the points, 0 to 10 data units; 'default' = {default_noise(name):g} "
            f"for {PRESET_LABELS[name]}")

    def _on_n_edited(self, value) -> None:
        self.n_edit.setValue(value)

    def _on_noise_edited(self, value) -> None:
        self.noise_edit.setValue(value)

    def _on_seed_edited(self, value) -> None:
        self.seed_edit.setValue(value)

    def _on_generate_clicked(self) -> None:
        edits = (self.n_edit, self.noise_edit, self.seed_edit)
        for edit in edits:
            if not edit.commit():
                return  # the field shows why (and so does the status bar)
        for edit in edits:
            if edit.error():
                messages.message.emit(edit.error())
                return
        name = self.preset_combo.currentData()
        try:
            self.scene.load_preset(name, n=int(self.n_edit.value()), noise=self.noise_edit.value(),
                                   seed=int(self.seed_edit.value()))
        except ValueError as exc:
            messages.message.emit(str(exc))

    def _on_clear_clicked(self) -> None:
        self.scene.clear_points()

    def _sync_preset_widgets(self) -> None:
        """Show how the current points were generated (when they are a pristine preset)."""
        spec = self.scene.preset
        if spec is None or spec == self._shown_preset:
            return
        self._shown_preset = spec
        index = self.preset_combo.findData(spec.name)
        with QSignalBlocker(self.preset_combo):
            if index >= 0:
                self.preset_combo.setCurrentIndex(index)
        self._on_preset_index_changed(self.preset_combo.currentIndex())
        for edit, value in ((self.n_edit, spec.n), (self.noise_edit, spec.noise),
                            (self.seed_edit, spec.seed)):
            with QSignalBlocker(edit):
                edit.setValue(value)
