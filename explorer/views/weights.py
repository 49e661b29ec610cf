"""The weights editor: W (features x classes) and b, each entry with its gradient.

Every cell holds a ``NumberEdit`` with the entry's value and, beneath it, the
full-batch gradient dL/dW of that entry, coloured by sign. The texts follow
the scene live (also during training, when ``weights_changed`` fires every
frame); the cell widgets are rebuilt only when W changes shape.

The gradients are those of the scene's latest full-batch evaluation
(``Scene.metrics()``: a few steps behind while a large dataset trains). While
training runs the table redraws at ~10 Hz, and not at all while it is hidden
(``updates``, a ``perf.DeferredRefresh``); an edit shows at once.

Hovering a value asks every view to emphasise ("W", i, j) or ("b", j);
hovering a gradient, ("dW", i, j). The cell of the scene's highlight is
outlined, wherever the highlight was set.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import style
from ..perf import DeferredRefresh
from ..state import MAX_SCORE
from .notation import feature_text
from .score_lab import highlight_pen
from .widgets import EmitsHover, NumberEdit, fit_steady, messages

GRAD_POINT_SIZE = style.BASE_POINT_SIZE - 1
DOCK_WIDTH = 440
MAX_TABLE_HEIGHT = 360  # beyond this (many feature maps) the table scrolls
NO_GRADIENT = "\u2014"  # an em dash: no points, no gradient
GRADIENT_SAMPLE = "\u22120.000123"  # a long gradient: a label is at least this wide
CAPTION = "Beneath each value: \u2202L/\u2202W (full batch)"
_ZERO_COLOR = "#555555"
CELL_MARGIN = 5  # pixels around a cell's contents, room for the highlight outline
OUTLINE_WIDTH = 4.0  # pixels at scale 1

def gradient_text(value: float | None) -> str:
    """Text of a gradient label: ``−0.0123`` (3 significant digits, Unicode minus), or a dash.

    The row header says "∂L" once per row, beside these numbers.
    """
    if value is None:
        return NO_GRADIENT
    return style.format_number(float(value), 3)


def _sign_color(value: float | None) -> str:
    """Orange for positive, blue for negative, grey for zero (lighter shades on the dark theme)."""
    dark = style.appearance.theme == "dark"
    if value is None or value == 0:
        return "#a0a0a0" if dark else _ZERO_COLOR
    if dark:
        return "#ff9a50" if value > 0 else "#56b4e9"
    return (style.POSITIVE if value > 0 else style.NEGATIVE).name()


def _contrast_text(color) -> str:
    """Black or white, whichever reads better on ``color``."""
    luminance = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
    return "#000000" if luminance > 140 else "#ffffff"


def _header_sheet(j: int) -> str:
    color = style.class_color(j)
    return (f"background: {color.name()}; color: {_contrast_text(color)};"
            " border-radius: 4px; padding: 2px 4px;")


class GradientLabel(EmitsHover, QLabel):
    """The gradient beneath a value: one line of text in a colour, right-aligned.

    A ``QLabel`` of a fixed size (``fit_steady``): as wide as the least width of the
    value's edit, and enough for a long gradient (``GRADIENT_SAMPLE``), growing only for a
    text that needs more room, so that a new text asks no layout of its cell (15 new
    texts per weight edit at 5 classes); the cell aligns it to its right edge. Qt paints it in C++: a
    label drawn from Python took ~35 us more a paint (a painter and its text set up for
    each widget; 12 labels given new texts: 0.62 against 0.18 ms). Opaque, so that Qt
    repaints it alone, not the table; its colour comes from ``set_color`` through its
    palette (a per-label style sheet would send each paint through Qt's style-sheet
    machinery).
    """

    hovered = Signal(bool)  # the pointer entered (True) or left (False) the label

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._color: QColor | None = None
        self._least = 0  # the width it takes at least (its cell's: see ``set_least_width``)
        self.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.setAutoFillBackground(True)
        fit_steady(self, str(text), GRADIENT_SAMPLE)
        super().setText(str(text))

    def setText(self, text: str) -> None:  # noqa: N802 - QLabel's name
        text = str(text)
        if text != self.text():
            fit_steady(self, text, GRADIENT_SAMPLE, self._least)  # (grows for a long text)
            super().setText(text)

    def set_least_width(self, width: int) -> None:
        """Take at least ``width`` pixels (the value's edit above it: its tooltip and
        highlight then answer the mouse across the cell, as the edit's do)."""
        if int(width) != self._least:
            self._least = int(width)
            fit_steady(self, self.text(), GRADIENT_SAMPLE, self._least, refit=True)

    def color(self) -> QColor:
        """The colour the text is drawn in (the palette's text colour unless set)."""
        return QColor(self._color) if self._color is not None else \
            self.palette().color(QPalette.WindowText)

    def set_color(self, color) -> None:
        """The text's colour (anything ``QColor`` takes), or None: the palette's."""
        color = None if color is None else QColor(color)
        if color == self._color:
            return
        self._color = color
        if color is None:
            self.setPalette(QPalette())  # (the inherited palette again)
        else:
            palette = QPalette()
            palette.setColor(QPalette.WindowText, color)
            self.setPalette(palette)

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.FontChange:
            fit_steady(self, self.text(), GRADIENT_SAMPLE, self._least, refit=True)


class CellFrame(QWidget):
    """One cell of the table (a value over its gradient) that can draw a highlight outline.

    ``highlight_part`` is None, "value" (the whole cell is outlined) or
    "grad" (only the gradient beneath the value is outlined).
    """

    def __init__(self, edit: NumberEdit, label: GradientLabel, parent=None):
        super().__init__(parent)
        self.edit, self.label = edit, label
        self.highlight_part: str | None = None
        box = QVBoxLayout(self)
        box.setSpacing(0)
        box.addWidget(edit)
        box.addWidget(label, 0, Qt.AlignRight)
        self.apply_appearance()

    def apply_appearance(self) -> None:
        m = round(style.scaled(CELL_MARGIN))
        self.layout().setContentsMargins(m, m, m, m)

    @staticmethod
    def pen():
        pen = highlight_pen()
        pen.setWidthF(style.scaled(OUTLINE_WIDTH))
        return pen

    def is_highlighted(self) -> bool:
        return self.highlight_part is not None

    def set_highlight(self, part: str | None) -> None:
        if part != self.highlight_part:
            self.highlight_part = part
            self.update()

    def outline_rect(self) -> QRectF | None:
        """Where the outline is drawn (widget coordinates), or None."""
        if self.highlight_part is None:
            return None
        w = self.pen().widthF()
        if self.highlight_part == "grad":
            rect = QRectF(self.rect())
            rect.setTop(self.label.geometry().top() - w)
        else:
            rect = QRectF(self.rect())
        return rect.adjusted(w / 2, w / 2, -w / 2, -w / 2)

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        rect = self.outline_rect()
        if rect is None:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(self.pen())
        painter.drawRoundedRect(rect, 4, 4)
        painter.end()


class WeightsView(QWidget):
    """An editable table of W (one row per feature) and b, with live gradients."""

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.value_edits: list[list[NumberEdit]] = []
        self.grad_labels: list[list[GradientLabel]] = []
        self.bias_edits: list[NumberEdit] = []
        self.bias_grad_labels: list[GradientLabel] = []
        self.row_labels: list[QLabel] = []
        self.row_grad_labels: list[QLabel] = []  # the small "∂L" beside each row's gradients
        self.header_labels: list[QLabel] = []
        self.cells: list[list[CellFrame]] = []  # cells[i][j] holds W[i, j]
        self.bias_cells: list[CellFrame] = []
        self._hovered = None  # the target this view set
        self._shape = None

        self.setFont(style.font())
        self.caption = QLabel(CAPTION)
        self.caption.setToolTip(
            "Each cell shows a weight (type a number, then Enter) and, beneath it, the "
            "gradient of the full-batch loss with respect to it.\nSGD moves every value "
            "against its gradient: orange (positive) values shrink, blue (negative) grow.")
        # One line that may clip, never wrap: a wrapped caption would squeeze the table.
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.caption.setFont(style.font(GRAD_POINT_SIZE))

        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)

        self.randomize_button = QPushButton("Randomise")
        self.randomize_button.setToolTip(
            "New random weights W (normal, scale 0.8) and zero bias b. Undo with Ctrl+Z.")
        self.zero_button = QPushButton("Zero")
        self.zero_button.setToolTip(
            "Set every weight and bias to 0: all classes get equal scores, p = 1/C. "
            "Undo with Ctrl+Z.")

        buttons = QHBoxLayout()
        buttons.addWidget(self.randomize_button)
        buttons.addWidget(self.zero_button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.scroll, 1)
        layout.addLayout(buttons)

        self.updates = DeferredRefresh(self, self._refresh)

        self.randomize_button.clicked.connect(self._on_randomize_clicked)
        self.zero_button.clicked.connect(self._on_zero_clicked)
        self.scene.classes_changed.connect(self._on_shape_changed)
        self.scene.features_changed.connect(self._on_shape_changed)
        self.scene.weights_changed.connect(self._on_weights_changed)
        self.scene.dataset_changed.connect(self._on_gradients_changed)
        self.scene.hyper_changed.connect(self._on_gradients_changed)
        self.scene.metrics_changed.connect(self._on_gradients_changed)
        self.scene.highlight_changed.connect(self._on_highlight_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._rebuild()

    # -- construction -----------------------------------------------------------
    def _rebuild(self) -> None:
        """Build one cell per entry of W and b; only when the shape changes."""
        s = self.scene
        rows, classes = s.W.shape
        names = [feature_text(f) for f in s.feature_names]
        table = QWidget()
        grid = QGridLayout(table)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(2)
        grid.setVerticalSpacing(0)

        self.corner = QLabel("W")
        self.corner.setFont(style.font(style.BASE_POINT_SIZE, bold=True))
        self.corner.setAlignment(Qt.AlignCenter)
        self.corner.setToolTip("Rows: features x; columns: classes. Score s_j = \u03a3_i x_i W[i, j] + b_j")
        grid.addWidget(self.corner, 0, 0)
        self.header_labels = []
        for j in range(classes):
            head = QLabel(style.class_name(j))
            head.setAlignment(Qt.AlignCenter)
            head.setFont(style.font(style.BASE_POINT_SIZE, bold=True))
            head.setStyleSheet(_header_sheet(j))
            head.setToolTip(f"Column {j + 1}: the weights and bias of {style.class_name(j)}")
            grid.addWidget(head, 0, 1 + j)
            self.header_labels.append(head)

        self.value_edits, self.grad_labels, self.row_labels, self.row_grad_labels = [], [], [], []
        self.cells = []
        for i, name in enumerate(names):
            row_label = self._row_header(
                grid, 1 + i, name,
                f"Row of feature {name}: how much {name} adds to each class score.\n"
                f"Beneath the values: \u2202L/\u2202W[{name}, j] over the full batch.")
            self.row_labels.append(row_label)
            edits, labels, cells = [], [], []
            for j in range(classes):
                what = f"W[{name}, {style.class_name(j)}]"
                edit, label = self._make_cell(
                    what, f"{what}: weight of feature {name} in the score of {style.class_name(j)}.")
                edit.value_edited.connect(lambda v, i=i, j=j: self._on_weight_edited(i, j, v))
                cell = CellFrame(edit, label)
                grid.addWidget(cell, 1 + i, 1 + j)
                self._watch(edit, ("W", i, j))
                self._watch(label, ("dW", i, j))
                edits.append(edit)
                labels.append(label)
                cells.append(cell)
            self.value_edits.append(edits)
            self.grad_labels.append(labels)
            self.cells.append(cells)

        line = QFrame()
        line.setFrameShape(QFrame.HLine)
        line.setFrameShadow(QFrame.Sunken)
        grid.addWidget(line, 1 + rows, 0, 1, 1 + classes)
        self.bias_label = self._row_header(
            grid, 2 + rows, "b", "The bias b_j is added to the score of class j for every point.\n"
                                 "Beneath the values: \u2202L/\u2202b_j over the full batch.")
        self.bias_edits, self.bias_grad_labels, self.bias_cells = [], [], []
        for j in range(classes):
            what = f"b[{style.class_name(j)}]"
            edit, label = self._make_cell(what, f"{what}: bias added to the score of "
                                                f"{style.class_name(j)}.")
            edit.value_edited.connect(lambda v, j=j: self._on_bias_edited(j, v))
            cell = CellFrame(edit, label)
            grid.addWidget(cell, 2 + rows, 1 + j)
            self._watch(edit, ("b", j))
            self._watch(label, ("b", j))  # the scene has no "db" target: the bias cell stands for it
            self.bias_edits.append(edit)
            self.bias_grad_labels.append(label)
            self.bias_cells.append(cell)
        grid.setColumnStretch(0, 0)
        for j in range(classes):
            grid.setColumnStretch(1 + j, 1)
        grid.setRowStretch(3 + rows, 1)

        self._hovered = None
        self.scroll.setWidget(table)  # deletes the previous table
        self._table = table
        self._fit_height()
        self._shape = (rows, classes)
        self._sync_values(force=True)
        self._show_gradients()
        self._update_highlight()

    def _watch(self, widget: QWidget, target: tuple) -> None:
        """Hovering ``widget`` (a ``NumberEdit`` or ``GradientLabel``: their ``hovered``
        signal) highlights ``target`` across the views. (An event filter on the cells made a
        Python call of every event of theirs: ~25 us for each gradient's paint.)"""
        widget.hovered.connect(lambda inside: self._hover(target if inside else None))

    def _fit_height(self) -> None:
        """Ask for the height of the whole table (up to a cap), so no row hides."""
        need = self._table.sizeHint().height() + 2 * self.scroll.frameWidth()
        if self._table.minimumSizeHint().width() > self.scroll.viewport().width():
            need += self.scroll.horizontalScrollBar().sizeHint().height()
        self.scroll.setMinimumHeight(min(need, round(style.scaled(MAX_TABLE_HEIGHT))))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt name
        # The dock's natural width (~440 px); more classes scroll rather than widen it.
        return QSize(DOCK_WIDTH, super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().resizeEvent(event)
        self._fit_height()

    def _row_header(self, grid: QGridLayout, row: int, name: str, tip: str) -> QLabel:
        """The row's name, and beneath it a small "∂L" beside the row's gradients."""
        label = QLabel(name)
        label.setFont(style.font(style.BASE_POINT_SIZE, bold=True))
        label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        grad = QLabel("\u2202L")
        grad.setFont(style.font(GRAD_POINT_SIZE))
        grad.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        grad.setStyleSheet(f"color: {_sign_color(0)};")
        self.row_grad_labels.append(grad)
        header = QWidget()
        header.setToolTip(tip)
        box = QVBoxLayout(header)
        m = round(style.scaled(CELL_MARGIN))
        box.setContentsMargins(0, m, 0, m)  # level with the cells' contents
        box.setSpacing(0)
        box.addWidget(label)
        box.addWidget(grad)
        grid.addWidget(header, row, 0)
        return label

    def _make_cell(self, name: str, tip: str):
        edit = NumberEdit(0.0, minimum=-MAX_SCORE, maximum=MAX_SCORE, step=0.1, name=name)
        edit.setBaseToolTip(f"{tip}\nType a number and press Enter (Up/Down: \u00b10.1, "
                            "Esc: cancel).")
        edit.setFont(style.font())
        self._fit_edit_width(edit)
        edit.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        # (its text changes every training frame: it never resizes the columns, and it
        # is opaque, so that Qt repaints just it, not the table)
        label = GradientLabel(gradient_text(None))  # (right-aligned)
        edit.setAutoFillBackground(True)
        label.setFont(style.font(GRAD_POINT_SIZE))
        label.set_least_width(edit.minimumWidth())
        label.setToolTip(f"\u2202L/\u2202{name} over the full batch (data loss + L2 term).\n"
                         "SGD moves the value against its sign: new = old \u2212 lr \u00b7 \u2202L.\n"
                         "Orange: positive (the value will shrink); blue: negative (it will grow).")
        return edit, label

    @staticmethod
    def _fit_edit_width(edit: NumberEdit) -> None:
        # Wide enough for a typical 6-digit value such as "-0.428535".
        edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance("-0.0000000") + 8)

    # -- appearance ---------------------------------------------------------------
    def _on_appearance_changed(self) -> None:
        """Re-apply fonts, class colours and theme colours to the existing cells."""
        self.setFont(style.font())
        self.caption.setFont(style.font(GRAD_POINT_SIZE))
        bold = style.font(style.BASE_POINT_SIZE, bold=True)
        for label in (self.corner, self.bias_label, *self.row_labels):
            label.setFont(bold)
        for j, head in enumerate(self.header_labels):
            head.setFont(bold)
            head.setStyleSheet(_header_sheet(j))
        small = style.font(GRAD_POINT_SIZE)
        for grad in self.row_grad_labels:
            grad.setFont(small)
            grad.setStyleSheet(f"color: {_sign_color(0)};")
        m = round(style.scaled(CELL_MARGIN))
        for grad in self.row_grad_labels:
            grad.parentWidget().layout().setContentsMargins(0, m, 0, m)
        font = style.font()
        for cell in [c for row in self.cells for c in row] + self.bias_cells:
            cell.edit.setFont(font)
            self._fit_edit_width(cell.edit)
            cell.label.setFont(small)
            cell.label.set_least_width(cell.edit.minimumWidth())
            cell.label.set_color(None)  # (the theme's sign colours follow)
            cell.apply_appearance()
            cell.update()
        self._show_gradients()
        self._table.adjustSize()
        self._fit_height()

    # -- highlight ------------------------------------------------------------------
    def _hover(self, target) -> None:
        """Highlight ``target`` across the views; None clears the highlight this view set."""
        if target is None:
            self.scene.release_highlight(self._hovered)
        else:
            self.scene.set_highlight(target)
        self._hovered = target

    def _on_highlight_changed(self) -> None:
        self._update_highlight()

    def _update_highlight(self) -> None:
        """Outline the cell of ("W", i, j) / ("b", j), or the gradient of ("dW", i, j)."""
        target = self.scene.highlight
        want = None
        if target is not None:
            kind, idx = target[0], target[1:]
            if kind in ("W", "dW") and 0 <= idx[0] < len(self.cells) and 0 <= idx[1] < len(self.cells[0]):
                want = (self.cells[idx[0]][idx[1]], "value" if kind == "W" else "grad")
            elif kind == "b" and 0 <= idx[0] < len(self.bias_cells):
                want = (self.bias_cells[idx[0]], "value")
        for cell in [c for row in self.cells for c in row] + self.bias_cells:
            cell.set_highlight(want[1] if want is not None and cell is want[0] else None)

    def highlighted_cell(self):
        """(target, part) of the outlined cell, e.g. (("W", 0, 1), "value"), or None."""
        for i, row in enumerate(self.cells):
            for j, cell in enumerate(row):
                if cell.is_highlighted():
                    kind = "W" if cell.highlight_part == "value" else "dW"
                    return (kind, i, j), cell.highlight_part
        for j, cell in enumerate(self.bias_cells):
            if cell.is_highlighted():
                return ("b", j), cell.highlight_part
        return None

    # -- syncing from the scene -------------------------------------------------
    def _sync_values(self, force: bool = False) -> None:
        s = self.scene
        W, b = s.W, s.b
        for i, edits in enumerate(self.value_edits):
            for j, edit in enumerate(edits):
                self._show_value(edit, float(W[i, j]), force)
        for j, edit in enumerate(self.bias_edits):
            self._show_value(edit, float(b[j]), force)

    @staticmethod
    def _show_value(edit: NumberEdit, value: float, force: bool) -> None:
        # Never overwrite what the user is typing (training updates every frame).
        if not force and edit.hasFocus() and edit.isModified():
            return
        if edit.value() == value and not edit.isModified() and not edit.error():
            return
        with QSignalBlocker(edit):
            edit.setValue(value)
            edit.setModified(False)

    @staticmethod
    def _set_grad(label: GradientLabel, value: float | None) -> None:
        label.setText(gradient_text(value))
        label.set_color(_sign_color(value))

    def _on_shape_changed(self) -> None:
        self.updates.request()

    def _on_weights_changed(self) -> None:
        self.updates.request()

    def _on_gradients_changed(self) -> None:
        self.updates.request()

    def _refresh(self) -> None:
        """Values and gradients from the scene (cells rebuilt only when W changed shape)."""
        if self.scene.W.shape != self._shape:
            self._rebuild()
            return
        self._sync_values()
        self._show_gradients()

    def _show_gradients(self) -> None:
        """The latest full-batch gradient (``Scene.metrics``) beneath each value."""
        if self.scene.W.shape != self._shape:
            return  # a rebuild follows
        m = self.scene.metrics()
        terms = m.terms
        if terms is not None and terms.dW.shape != self._shape:
            terms = None  # (an evaluation of another shape: not expected)
        caption = CAPTION if m.step == self.scene.step else \
            f"{CAPTION[:-1]}, step {m.step})"
        if self.caption.text() != caption:
            self.caption.setText(caption)
        for i, labels in enumerate(self.grad_labels):
            for j, label in enumerate(labels):
                self._set_grad(label, None if terms is None else terms.dW[i, j])
        for j, label in enumerate(self.bias_grad_labels):
            self._set_grad(label, None if terms is None else terms.db[j])

    # -- edits --------------------------------------------------------------------
    def _commit(self, edit: NumberEdit, setter, *args) -> None:
        try:
            setter(*args)
        except ValueError as exc:
            # The scene refused (e.g. the scores would overflow): keep the text, say why.
            edit.show_error(str(exc))
            return
        self._sync_values(force=True)

    def _on_weight_edited(self, i: int, j: int, value) -> None:
        self._commit(self.value_edits[i][j], self.scene.set_weight, i, j, value)

    def _on_bias_edited(self, j: int, value) -> None:
        self._commit(self.bias_edits[j], self.scene.set_bias, j, value)

    def _on_randomize_clicked(self) -> None:
        self._act(self.scene.randomize_weights)

    def _on_zero_clicked(self) -> None:
        self._act(self.scene.zero_weights)

    @staticmethod
    def _act(action) -> None:
        try:
            action()
        except ValueError as exc:
            messages.message.emit(str(exc))
