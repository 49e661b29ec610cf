"""Every point in a sortable table: coordinates, label, scores, loss L_i and prediction.

A ``QAbstractTableModel`` over the scene's arrays (no per-cell items), so
tables of 10,000+ points stay fast: cells are formatted only when drawn and
sorting is one ``numpy.argsort``. Sorting by L_i (descending) lists the
points the classifier gets most wrong first. Selecting a row selects the
point everywhere, and selecting a point elsewhere selects its row.

While training runs the table redraws at ~4 Hz, and not at all while it is
hidden (``updates``, a ``perf.DeferredRefresh``). Above ``LAZY_ROWS_ABOVE``
points, the scores and losses are computed only for the rows drawn (in
blocks), unless a score or loss column is sorted, which needs them all.
"""

from __future__ import annotations

import numpy as np
from ..qtimport import pg
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol

from .. import engine, style
from ..perf import DeferredRefresh
from .notation import num, sub

LIVE_RESORT_LIMIT = 100_000  # above this many points, re-sorting after a weights change is throttled
RESORT_DELAY_MS = 500
TRAINING_REFRESH_MS = 250  # the table redraws at most ~4 times a second while training runs
LAZY_ROWS_ABOVE = 100_000  # above this many points, values are computed for the rows drawn
ROW_BLOCK = 256  # rows computed together
WRONG = QColor(0xC0, 0x00, 0x00)


def class_pixmap(j: int, size: int) -> QPixmap:
    """Class j's marker (colour and shape, as in the dataset plot)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.transparent)
    return renderSymbol(style.class_symbol(j), size - 4, pg.mkPen(QColor(40, 40, 40), width=1.2),
                        pg.mkBrush(style.class_color(j)), device=pixmap)


class PointTableModel(QAbstractTableModel):
    """The scene's points as rows (in ``order``), columns: #, x₁, x₂, label, s_1..s_C, L_i, predicted.

    ``order[row]`` is the point shown in ``row``; ``sort()`` reorders with numpy.
    """

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.sort_column = 0
        self.sort_order = Qt.AscendingOrder
        self.order = np.empty(0, dtype=np.int64)
        self._inverse = np.empty(0, dtype=np.int64)
        self._icons: dict[int, QPixmap] = {}
        self._blocks: dict[int, tuple] = {}  # lazily computed (scores, losses, predictions)
        self._load()

    # ----------------------------------------------------------- columns
    @property
    def n_classes(self) -> int:
        return self._C

    def score_column(self, j: int) -> int:
        return 4 + j

    @property
    def loss_column(self) -> int:
        return 4 + self._C

    @property
    def predicted_column(self) -> int:
        return 5 + self._C

    def headers(self) -> list[str]:
        return (["#", "x" + sub(1), "x" + sub(2), "label"]
                + ["s" + sub(j + 1) for j in range(self._C)] + ["L" + sub("i"), "pred."])

    # --------------------------------------------------------------- data
    def _load(self) -> None:
        s = self.scene
        self._C = s.n_classes
        self._X = s.X
        self._y = s.y
        self._load_weights()
        n = self._X.shape[0]
        if self.order.shape[0] != n:
            self.order = np.arange(n)
        self._resort()

    @property
    def lazy(self) -> bool:
        """Whether scores and losses are computed only for the rows drawn."""
        return self._S is None

    def _load_weights(self) -> None:
        s = self.scene
        self._blocks = {}
        self._params = (s.W, s.b, s.Z, s.y, s.loss)
        if s.n_points > LAZY_ROWS_ABOVE and self.sort_column < 4:
            self._S = self._L = self._pred = None  # by rows, when drawn (``_values``)
        elif s.n_points:
            self._S = s.point_scores()
            self._L = s.point_losses()
            self._pred = self._S.argmax(axis=1)
        else:
            self._S = np.empty((0, self._C))
            self._L = np.empty(0)
            self._pred = np.empty(0, dtype=np.int64)

    def _full(self) -> None:
        """Compute every row's values (sorting by a score or loss needs them all)."""
        if self._S is None:
            s = self.scene
            self._S = s.point_scores()
            self._L = s.point_losses()
            self._pred = self._S.argmax(axis=1)
            self._blocks = {}

    def _values(self, i: int):
        """(scores, loss, predicted class) of point i."""
        if self._S is not None:
            return self._S[i], self._L[i], self._pred[i]
        k = i // ROW_BLOCK
        block = self._blocks.get(k)
        if block is None:
            W, b, Z, y, loss = self._params
            lo, hi = k * ROW_BLOCK, min((k + 1) * ROW_BLOCK, Z.shape[0])
            S = engine.compute_scores(W, b, Z[lo:hi])
            L = engine.core.evaluate(W, b, Z[lo:hi], y[lo:hi], loss=loss).losses
            if len(self._blocks) > 64:
                self._blocks.clear()
            block = self._blocks[k] = (S, L, S.argmax(axis=1))
        r = i - k * ROW_BLOCK
        return block[0][r], block[1][r], block[2][r]

    def _key(self, column: int) -> np.ndarray:
        C = self._C
        if column == 1 or column == 2:
            return self._X[:, column - 1]
        if column == 3:
            return self._y
        if 4 <= column <= 5 + C:
            self._full()
        if 4 <= column < 4 + C:
            return self._S[:, column - 4]
        if column == 4 + C:
            return self._L
        if column == 5 + C:
            return self._pred
        return np.arange(self._X.shape[0])

    def _resort(self) -> None:
        n = self._X.shape[0]
        column = self.sort_column if 0 <= self.sort_column < 6 + self._C else 0
        order = np.argsort(self._key(column), kind="stable")
        if self.sort_order == Qt.DescendingOrder:
            order = order[::-1]
        self.order = order
        self._inverse = np.empty(n, dtype=np.int64)
        self._inverse[order] = np.arange(n)

    def reload(self) -> None:
        """Everything changed (points, classes, features): reset the model."""
        self.beginResetModel()
        self.order = np.empty(0, dtype=np.int64)
        self._load()
        self.endResetModel()

    def reload_weights(self, resort: bool = True) -> None:
        """Only W or b changed: new scores, losses and predictions in place."""
        self._load_weights()
        weight_sorted = self.sort_column >= 4
        if weight_sorted and resort:
            self.layoutAboutToBeChanged.emit()
            old = self.order
            self._resort()
            if not np.array_equal(old, self.order):
                self._move_persistent(old)
            self.layoutChanged.emit()
        elif self.rowCount():
            self.dataChanged.emit(self.index(0, 4), self.index(self.rowCount() - 1, self.columnCount() - 1))

    def _move_persistent(self, old_order: np.ndarray) -> None:
        """Keep persistent indexes (the view's selection, current cell) on their points."""
        old_list = self.persistentIndexList()
        if not old_list:
            return
        new_list = [self.index(int(self._inverse[old_order[ix.row()]]), ix.column()) for ix in old_list]
        self.changePersistentIndexList(old_list, new_list)

    def point_at(self, row: int) -> int:
        return int(self.order[row])

    def row_of(self, i: int) -> int:
        return int(self._inverse[i])

    # ------------------------------------------------------------ Qt model
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else int(self._X.shape[0])

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt's name
        return 0 if parent.isValid() else 6 + self._C

    def _icon(self, j: int) -> QPixmap:
        if j not in self._icons:
            self._icons[j] = class_pixmap(j, round(style.scaled(18)))
        return self._icons[j]

    def clear_icons(self) -> None:
        self._icons.clear()

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        i = int(self.order[index.row()])
        c = index.column()
        C = self._C
        if role == Qt.DisplayRole:
            if c == 0:
                return str(i + 1)
            if c in (1, 2):
                return num(self._X[i, c - 1], 4)
            if c == 3:
                return str(int(self._y[i]) + 1)
            if 4 <= c < 4 + C:
                return num(self._values(i)[0][c - 4], 4)
            if c == 4 + C:
                return num(self._values(i)[1], 4)
            if c == 5 + C:
                pred = self._values(i)[2]
                wrong = pred != self._y[i]
                return f"{int(pred) + 1}" + (" ✗" if wrong else "")
            return None
        if role == Qt.TextAlignmentRole:
            if c in (3, 5 + C):
                return int(Qt.AlignLeft | Qt.AlignVCenter)
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.DecorationRole:
            if c == 3:
                return self._icon(int(self._y[i]))
            if c == 5 + C:
                return self._icon(int(self._values(i)[2]))
            return None
        if role == Qt.ForegroundRole:
            if c == 5 + C and self._values(i)[2] != self._y[i]:
                return WRONG
            return None
        if role == Qt.ToolTipRole:
            if c == 5 + C:
                pred = int(self._values(i)[2])
                truth = style.class_name(int(self._y[i]))
                ok = "correct" if pred == self._y[i] else f"wrong: the label is {truth}"
                return f"Point {i + 1} is predicted {style.class_name(pred)} ({ok})"
            if c == 4 + C:
                return f"L_{i + 1} = {float(self._values(i)[1])!r}"
            return None
        return None

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802 - Qt's name
        if orientation != Qt.Horizontal:
            return None
        C = self._C
        if role == Qt.DisplayRole:
            h = self.headers()
            return h[section] if 0 <= section < len(h) else None
        if role == Qt.DecorationRole and 4 <= section < 4 + C:
            return self._icon(section - 4)
        if role == Qt.ToolTipRole:
            if section == 0:
                return "Point number"
            if section == 3:
                return "The point's true class y"
            if 4 <= section < 4 + C:
                return f"Score of {style.class_name(section - 4)}: s = Wᵀx + b"
            if section == 4 + C:
                return "The point's loss L_i (cross-entropy −ln p_y, or the hinge); click to sort"
            if section == 5 + C:
                return "The class with the largest score (✗: misclassified)"
        return None

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        if column < 0:
            column = 0
        self.layoutAboutToBeChanged.emit()
        old = self.order
        self.sort_column = column
        self.sort_order = order
        self._resort()
        self._move_persistent(old)
        self.layoutChanged.emit()


class PointTableView(QWidget):
    """The sortable per-point table (``table``, a QTableView over ``model``)."""

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self._syncing = False

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.model = PointTableModel(scene, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setHighlightSections(False)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)

        self.resort_timer = QTimer(self)
        self.resort_timer.setSingleShot(True)
        self.resort_timer.setInterval(RESORT_DELAY_MS)
        self._need: set[str] = set()  # what the next refresh brings up to date
        self.updates = DeferredRefresh(self, self._refresh, interval_ms=TRAINING_REFRESH_MS)

        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.resort_timer.timeout.connect(self._on_resort_timeout)
        scene.dataset_changed.connect(self._on_dataset_changed)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.features_changed.connect(self._on_features_changed)
        scene.weights_changed.connect(self._on_weights_changed)
        scene.hyper_changed.connect(self._on_hyper_changed)
        scene.selection_changed.connect(self._on_selection_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_style()
        self._update_summary()
        self._sync_selection()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 480)

    # --------------------------------------------------------------- public
    def sort_by(self, column: int, order=Qt.AscendingOrder) -> None:
        """Sort as a click on the header would (for tests and menus)."""
        self.table.sortByColumn(column, order)

    def shown_points(self) -> np.ndarray:
        """The point index of every row, top to bottom."""
        return self.model.order.copy()

    # ------------------------------------------------------------------ slots
    def _request(self, what: str) -> None:
        self._need.add(what)
        self.updates.request()

    def _on_dataset_changed(self) -> None:
        self._request("reload")

    def _on_classes_changed(self) -> None:
        self._request("reload")

    def _on_features_changed(self) -> None:
        self._request("reload")

    def _on_hyper_changed(self) -> None:
        self._request("hyper")  # the loss (softmax or hinge) may have changed

    def _on_weights_changed(self) -> None:
        self._request("weights")

    def _refresh(self) -> None:
        need, self._need = self._need, set()
        if "reload" in need:
            self._reload()
            return
        if need & {"weights", "hyper"}:
            big = self.scene.n_points > LIVE_RESORT_LIMIT
            self.model.reload_weights(resort=not big)
            if big and self.model.sort_column >= 4:
                if not self.resort_timer.isActive():
                    self.resort_timer.start()
            self._update_summary()
            self._sync_selection(scroll="hyper" in need)
        elif "selection" in need:
            self._sync_selection()

    def _on_resort_timeout(self) -> None:
        if self.updates.hidden():
            self._request("weights")  # re-sorted when shown
            return
        if self.updates.throttled():
            self.resort_timer.start()  # a big table is re-sorted when training pauses
            return
        self.model.reload_weights(resort=True)
        self._sync_selection(scroll=False)

    def _on_selection_changed(self) -> None:
        if self.updates.pending or self.updates.hidden():
            self._request("selection")  # the next refresh selects the row
        else:
            self._sync_selection()

    def _on_table_selection_changed(self, _selected=None, _deselected=None) -> None:
        if self._syncing:
            return
        if "reload" in self._need:
            # The table still shows older points (it was hidden, yet kept the keyboard
            # focus): bring it up to date instead of selecting a point that may be gone.
            self.updates.run()
            return
        rows = self.table.selectionModel().selectedRows()
        point = self.model.point_at(rows[0].row()) if rows else None
        self.scene.select(point)

    def _on_appearance_changed(self) -> None:
        self.model.clear_icons()
        self._apply_style()
        self.model.headerDataChanged.emit(Qt.Horizontal, 0, self.model.columnCount() - 1)

    # ------------------------------------------------------------- updating
    def _reload(self) -> None:
        self._syncing = True
        try:
            self.model.reload()
        finally:
            self._syncing = False
        self._set_column_widths()
        self._update_summary()
        self._sync_selection()

    def _apply_style(self) -> None:
        f = style.font(style.BASE_POINT_SIZE)
        self.table.setFont(f)
        self.table.horizontalHeader().setFont(style.font(style.BASE_POINT_SIZE, bold=True))
        self.summary.setFont(style.font(style.BASE_POINT_SIZE))
        self.table.verticalHeader().setDefaultSectionSize(QFontMetrics(f).height() + round(style.scaled(8)))
        self.table.setIconSize(QSize(round(style.scaled(18)), round(style.scaled(18))))
        self._set_column_widths()

    def _set_column_widths(self) -> None:
        """Widths from the font, not from the contents (which would visit every row)."""
        bold = QFontMetrics(style.font(style.BASE_POINT_SIZE, bold=True))
        metrics = QFontMetrics(style.font(style.BASE_POINT_SIZE))
        pad = round(style.scaled(14))
        icon = round(style.scaled(22))
        number = metrics.horizontalAdvance("−0.0000") + pad
        m = self.model
        widths = {0: max(metrics.horizontalAdvance(str(max(self.scene.n_points, 1))),
                         bold.horizontalAdvance("#")) + pad,
                  1: number, 2: number, 3: bold.horizontalAdvance("label") + pad}
        for j in range(m.n_classes):
            widths[m.score_column(j)] = max(number, bold.horizontalAdvance("s₁₀") + icon + pad)
        widths[m.loss_column] = number
        widths[m.predicted_column] = max(bold.horizontalAdvance("pred.") + pad,
                                         metrics.horizontalAdvance("10 ✗") + icon + pad)
        for c, w in widths.items():
            self.table.setColumnWidth(c, w)

    def _update_summary(self) -> None:
        s = self.scene
        try:
            acc = s.metrics().accuracy
        except ValueError:
            acc = None
        if acc is None:
            self.summary.setText("No points: add points or pick a preset" if not s.n_points
                                 else f"{s.n_points:,} points")
            return
        wrong = s.n_points - int(round(acc * s.n_points))
        self.summary.setText(f"{s.n_points:,} points · {wrong:,} misclassified ✗ · "
                             "click a header to sort, a row to select its point")

    def _sync_selection(self, scroll: bool = True) -> None:
        """Select the scene's selected point's row (or nothing), without echoing it back."""
        sel = self.scene.selected
        sm = self.table.selectionModel()
        self._syncing = True
        try:
            if sel is None or sel >= self.model.rowCount():
                if sm.hasSelection():
                    sm.clearSelection()
                return
            row = self.model.row_of(sel)
            rows = sm.selectedRows()
            if not (len(rows) == 1 and rows[0].row() == row):
                index = self.model.index(row, 0)
                sm.select(index, sm.SelectionFlag.ClearAndSelect | sm.SelectionFlag.Rows)
                sm.setCurrentIndex(index, sm.SelectionFlag.NoUpdate)
                if scroll:
                    self.table.scrollTo(index)
            elif scroll:
                self.table.scrollTo(rows[0])
        finally:
            self._syncing = False
