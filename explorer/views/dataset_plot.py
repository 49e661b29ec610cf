"""The dataset plot: points, decision regions and the class weight vectors.

The central view of the app. It shows the 2-D dataset (one scatter item per
class, colour and marker shape per class), the decision regions of the
current ``W, b`` behind it (an RGBA image from ``engine.region_image`` that
follows the visible range) and each class's raw weight vector
``w_j = (W[0, j], W[1, j])`` as a draggable arrow from the origin.

Mouse, on the plot:
    click on empty space   add a point of the active class (and unselect)
    click on a point       select it (the score lab shows its scores)
    drag a point           move it (one undo entry per drag)
    drag an arrow tip      edit w_j (one undo entry per drag)
    right-click a point    delete it
    drag empty space       pan;  wheel: zoom;  right-drag: zoom
Keys, with the plot focused: Delete/Backspace delete the selected point,
Escape unselects, 1..9 and 0 choose the active class 1..10, Home resets the view.

Every edit goes through the scene's setters; the view redraws from the
scene's signals only.
"""

from __future__ import annotations

import inspect
import itertools
import math
import time

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol
from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QRectF, QSignalBlocker, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QHBoxLayout, QLabel, QLayout, QPushButton, QSizePolicy,
    QToolButton, QVBoxLayout, QWidget, QWidgetItem,
)

from .. import engine, style
from ..state import MAX_COORD, PRESET_LABELS, PRESETS
from .widgets import NumberEdit, messages

DEFAULT_RANGE = (-5.5, 5.5)
DEFAULT_GRID = 250
POINT_SIZE = 13  # marker diameter in screen pixels
PICK_RADIUS = 8  # a click within this many pixels of a point hits it
TIP_RADIUS = 16  # ... of an arrow tip grabs the arrow
HEAD_LEN = 24  # arrow head length in pixels
REGION_ALPHA = (25, 120)  # region opacity at uniform / full confidence: light, so markers stand out
BOUNDARY_RGBA = (30, 30, 30, 255)
OUTLINE = QColor(25, 25, 25)

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


class _PassiveScatter(pg.ScatterPlotItem):
    """A scatter item that leaves every click to the view (which picks vectorised).

    Every point uses the item's own symbol, size, pen and brush (``setData`` gets
    only x and y), so the pre-rendered symbol is looked up once per update rather
    than once per point (pyqtgraph's general path loops over the points in
    Python: ~130 ms for 33k points, against ~5 ms here).
    """

    def mouseClickEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        ev.ignore()

    def hoverEvent(self, ev):  # noqa: N802 - pyqtgraph's name
        pass

    def updateSpots(self, dataSet=None):  # noqa: N802 - pyqtgraph's name
        data = self.data if dataSet is None else dataSet
        uniform = (self.opts["pxMode"] and self.opts["useCache"] and not self.opts["hoverable"]
                   and len(data) > 0 and data["symbol"][0] is None and data["size"][0] == -1
                   and data["pen"][0] is None and data["brush"][0] is None)
        if not uniform or len(data) < 64:
            return super().updateSpots(dataSet)
        mask = data["sourceRect"]["w"] == 0
        if np.any(mask):
            style = (self.opts["symbol"], self.opts["size"], self.opts["pen"], self.opts["brush"])
            data["sourceRect"][mask] = self.fragmentAtlas[[style]][0]
        self._updateMaxSpotSizes(data=data)
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


class ClassArrow:
    """One class's weight vector: a shaft from the origin, a head and a label."""

    def __init__(self, j: int, view_box: pg.ViewBox):
        self.j = j
        color = style.class_color(j)
        self.vector = (0.0, 0.0)
        self.shaft = pg.PlotCurveItem([0.0, 0.0], [0.0, 0.0], pen=pg.mkPen(color, width=6),
                                      shadowPen=pg.mkPen(OUTLINE, width=9), antialias=True)
        self.head = pg.ArrowItem(angle=0, headLen=HEAD_LEN, tipAngle=40, tailLen=None,
                                 pen=pg.mkPen(OUTLINE, width=2), brush=pg.mkBrush(color))
        self.label = pg.TextItem(vector_label(j), color=(0, 0, 0), anchor=(0.5, 0.5),
                                 border=pg.mkPen(color, width=3),
                                 fill=pg.mkBrush(255, 255, 255, 215))
        self.label.setFont(style.font(style.TITLE_POINT_SIZE, bold=True))
        self.items = (self.shaft, self.head, self.label)
        for z, item in zip((20, 21, 22), self.items):
            item.setZValue(z)
            view_box.addItem(item, ignoreBounds=True)

    def remove(self, view_box: pg.ViewBox) -> None:
        for item in self.items:
            view_box.removeItem(item)

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
        # The shaft stops inside the head, so its thick end never pokes out at the tip.
        back = min(length, 0.7 * HEAD_LEN)
        end_x, end_y = x - ux * back * px, y - uy * back * py
        self.shaft.setData([0.0, end_x], [0.0, end_y])
        # ArrowItem at angle 0 points left on screen; rotation is clockwise on screen.
        self.head.setStyle(angle=math.degrees(math.atan2(-uy, ux)) - 180.0)
        self.head.setPos(x, y)
        gap = HEAD_LEN * 0.6 + 22
        return sx + ux * gap, sy + uy * gap

    def label_size(self) -> tuple[float, float]:
        """The label's (width, height) in screen pixels."""
        r = self.label.textItem.boundingRect()
        return r.width() + 4, r.height() + 4


def spread_labels(centres, sizes, iterations: int = 30) -> np.ndarray:
    """Nudge label boxes (screen pixels) apart until they no longer overlap (few labels).

    ``centres`` has shape (n, 2), ``sizes`` (n, 2) as (width, height). Returns new centres.
    """
    p = np.array(centres, dtype=float).reshape(-1, 2)
    half = np.asarray(sizes, dtype=float).reshape(-1, 2) / 2
    n = p.shape[0]
    for _ in range(iterations):
        moved = False
        for a in range(n):
            for b in range(a + 1, n):
                d = p[a] - p[b]
                overlap = half[a] + half[b] - np.abs(d)
                if np.all(overlap > 0):
                    # Separate along the axis that needs the smaller push.
                    k = int(np.argmin(overlap))
                    sign = 1.0 if d[k] > 0 or (d[k] == 0 and a < b) else -1.0
                    step = sign * (overlap[k] / 2 + 0.5)
                    p[a, k] += step
                    p[b, k] -= step
                    moved = True
        if not moved:
            break
    return p


class DatasetView(QWidget):
    """The 2-D dataset, its decision regions and the class weight vectors, all editable."""

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.grid = DEFAULT_GRID
        self.region_alpha = REGION_ALPHA
        self.region_updates = 0  # how many times the region image was computed
        self.region_seconds = 0.0  # how long the last computation took
        self._drag = None  # (kind, index, merge_key, (dx, dy) grab offset) during a drag
        self._drag_ids = itertools.count(1)
        self._shown_X = None  # the arrays the scatters show, to update only what changed
        self._shown_y = None
        self._shown_preset = None
        self._region_error = ""

        self.plot = pg.PlotWidget(viewBox=_PlotViewBox())
        self.plot.setFocusPolicy(Qt.StrongFocus)
        self.plot.setMinimumSize(360, 320)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        style.style_plot(item, left="x₂", bottom="x₁")
        self.view_box = item.getViewBox()
        self.view_box.setAspectLocked(True, ratio=1.0)
        self.view_box.setLimits(xMin=-MAX_COORD, xMax=MAX_COORD, yMin=-MAX_COORD, yMax=MAX_COORD,
                                minXRange=1e-3, minYRange=1e-3)
        self.view_box.disableAutoRange()

        self.region_item = pg.ImageItem(axisOrder="row-major")
        self.region_item.setZValue(-100)
        self.view_box.addItem(self.region_item, ignoreBounds=True)
        axis_pen = pg.mkPen((90, 90, 90), width=1.5, style=Qt.DashLine)
        self.zero_lines = (pg.InfiniteLine(pos=0, angle=0, pen=axis_pen),
                           pg.InfiniteLine(pos=0, angle=90, pen=axis_pen))
        for line in self.zero_lines:
            line.setZValue(-50)
            self.view_box.addItem(line, ignoreBounds=True)
        self.selection_item = _PassiveScatter(pxMode=True)
        self.selection_item.setZValue(30)
        self.view_box.addItem(self.selection_item, ignoreBounds=True)
        self.scatters: list[pg.ScatterPlotItem] = []
        self.arrows: list[ClassArrow] = []

        self.region_timer = QTimer(self)
        self.region_timer.setSingleShot(True)
        self.region_timer.setInterval(0)

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
        for edit in (self.n_edit, self.noise_edit, self.seed_edit):
            edit.setFixedWidth(edit.fontMetrics().horizontalAdvance("0" * 6) + 16)
        self.generate_button = QPushButton("Generate")
        self.generate_button.setToolTip("Replace the points by the chosen dataset (Enter in a field)")
        self.hint_label = QLabel("Click: add · drag: move · right-click/Del: delete · "
                                 "drag arrow tips: edit w · wheel: zoom")
        self.hint_label.setToolTip("What the mouse and keys do on the plot")
        self.hint_label.setWordWrap(True)
        self.hint_label.setStyleSheet("color: #444;")

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
        view_box.sigRangeChanged.connect(self._on_range_changed)
        view_box.sigResized.connect(self._on_range_changed)
        self.region_timer.timeout.connect(self.update_regions)
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

        self._rebuild_classes()
        self._on_preset_index_changed(self.preset_combo.currentIndex())
        self._on_dataset_changed()
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
        self._schedule_regions()

    def _on_dataset_changed(self) -> None:
        if len(self.scatters) != self.scene.n_classes:
            self._rebuild_classes()
        self._update_scatters()
        self._update_selection()
        self._sync_preset_widgets()

    def _on_selection_changed(self) -> None:
        self._update_selection()

    def _on_active_class_changed(self) -> None:
        j = self.scene.active_class
        if 0 <= j < len(self.class_buttons):
            with QSignalBlocker(self.class_group):
                self.class_buttons[j].setChecked(True)

    def _on_range_changed(self, *args) -> None:
        self._update_arrows()
        self._schedule_regions()

    # -------------------------------------------------------------- drawing
    def _rebuild_classes(self) -> None:
        """(Re)create the per-class items; only when the number of classes changes."""
        C = self.scene.n_classes
        if len(self.scatters) != C:
            for item in self.scatters:
                self.view_box.removeItem(item)
            self.scatters = []
            for j in range(C):
                item = _PassiveScatter(
                    pxMode=True, symbol=style.class_symbol(j), size=POINT_SIZE,
                    pen=pg.mkPen(OUTLINE, width=1.3), brush=pg.mkBrush(style.class_color(j)),
                    hoverable=False, antialias=True, name=style.class_name(j))
                item.setZValue(10 + j * 0.01)
                self.view_box.addItem(item)
                self.scatters.append(item)
            self._shown_X = self._shown_y = None
        if len(self.arrows) != C:
            for arrow in self.arrows:
                arrow.remove(self.view_box)
            self.arrows = [ClassArrow(j, self.view_box) for j in range(C)]
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
        button.setIcon(class_icon(j))
        button.setIconSize(QSize(18, 18))
        button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        button.setCheckable(True)
        button.setFocusPolicy(Qt.TabFocus)
        key = (j + 1) % 10
        button.setToolTip(f"Clicks on the plot add points of {style.class_name(j)} (key {key})")
        c = style.class_color(j)
        rgb = f"{c.red()}, {c.green()}, {c.blue()}"
        button.setStyleSheet(
            "QToolButton { padding: 2px 4px; border: 1px solid #999; border-radius: 4px;"
            f" background: rgba({rgb}, 40); }}"
            "QToolButton:checked { border: 3px solid #111; font-weight: bold;"
            f" background: rgba({rgb}, 150); }}")
        return button

    def _update_scatters(self) -> None:
        X, y = self.scene.X, self.scene.y
        classes = range(len(self.scatters))
        if (self._shown_y is y and self._shown_X is not None
                and self._shown_X.shape == X.shape):
            # Only some points moved (e.g. during a drag): update just those.
            moved = np.flatnonzero(np.any(X != self._shown_X, axis=1))
            if moved.size <= 16:
                for i in moved.tolist():
                    j = int(y[i])
                    k = int(np.count_nonzero(y[:i] == j))  # its place in class j's scatter
                    self.scatters[j].move_spots(k, X[i, 0], X[i, 1])
                classes = ()
            else:
                classes = np.unique(y[moved]).tolist()
        for j in classes:
            mask = y == j
            self.scatters[j].setData(x=X[mask, 0], y=X[mask, 1])
        self._shown_X, self._shown_y = X, y

    def _update_selection(self) -> None:
        i = self.scene.selected
        if i is None or i >= self.scene.n_points:
            self.selection_item.setData(x=[], y=[])
            return
        x, y = (float(v) for v in self.scene.X[i])
        self.selection_item.setData(
            x=[x, x], y=[y, y], size=[POINT_SIZE + 22, POINT_SIZE + 16], symbol="o",
            pen=[pg.mkPen("w", width=5), pg.mkPen(OUTLINE, width=3)], brush=[None, None])

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

    def _schedule_regions(self) -> None:
        self.region_timer.start()

    def update_regions(self) -> None:
        """Recompute the decision-region image for the visible range (once per change)."""
        self.region_timer.stop()
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        if not (x1 > x0 and y1 > y0):
            return
        s = self.scene
        start = time.perf_counter()
        try:
            img = engine.region_image(s.W, s.b, (x0, x1), (y0, y1), self.grid,
                                      features=s.features, alpha=self.region_alpha,
                                      boundary_rgba=BOUNDARY_RGBA)
        except ValueError as exc:
            self.region_item.hide()
            if str(exc) != self._region_error:
                self._region_error = str(exc)
                messages.message.emit(f"Decision regions not shown: {exc}")
            return
        self._region_error = ""
        self.region_seconds = time.perf_counter() - start
        self.region_updates += 1
        self.region_item.setImage(img, autoLevels=False)
        self.region_item.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.region_item.show()

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
            self._drag = None
            x0, y0 = self._event_data_pos(ev, start=True)
            j = self.pick_arrow(x0, y0)
            i = None if j is not None else self.pick_point(x0, y0)
            key = ("drag", next(self._drag_ids))
            if j is not None:
                wx, wy = (float(v) for v in self.scene.W[:2, j])
                self._drag = ("arrow", j, key, (wx - x0, wy - y0))
            elif i is not None:
                px, py = (float(v) for v in self.scene.X[i])
                self._drag = ("point", i, key, (px - x0, py - y0))
                self.scene.select(i)
            else:
                return False
            self.plot.setFocus(Qt.MouseFocusReason)
        if self._drag is None:
            return False
        ev.accept()
        kind, index, key, (dx, dy) = self._drag
        x, y = self._event_data_pos(ev)
        try:
            if kind == "point":
                self.scene.move_point(index, x + dx, y + dy, merge_key=key)
            else:
                self.scene.set_class_vector(index, (x + dx, y + dy), merge_key=key)
        except ValueError as exc:
            messages.message.emit(str(exc))
            self._drag = None
            return True
        if ev.isFinish():
            self._drag = None
        return True

    def _on_plot_hovered(self, ev) -> None:
        if ev.isExit():
            self.view_box.unsetCursor()
            return
        if self._drag is not None:
            return
        p = self.view_box.mapToView(ev.pos())
        if self.pick_arrow(p.x(), p.y()) is not None:
            self.view_box.setCursor(Qt.OpenHandCursor)
        elif self.pick_point(p.x(), p.y()) is not None:
            self.view_box.setCursor(Qt.PointingHandCursor)
        else:
            self.view_box.setCursor(Qt.CrossCursor)

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
