"""The chain rule, line by line, with the live numbers substituted.

For the selected point (or the score lab's free scores) and a chosen class
j, every step from the softmax to dL/dW is one row: its symbolic form and
the current values, e.g. ``∂p_y/∂s_y = p_y(1 − p_y) = 0.130 × (1 − 0.130) = 0.113``.
Every number is read from the scene (``lab_probabilities``, ``lab_jacobian``,
``lab_gradient``, ``Z``), so the rows always agree with the other views.

Hovering a row (or one number in it) highlights the matching quantity in
every view (``Scene.set_highlight``); leaving clears it.
"""

from __future__ import annotations

import math
import re

import numpy as np
from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from .. import engine, style
from ..perf import DeferredRefresh
from .notation import class_html, feature_html, muted, num

MAX_EXPANDED_TERMS = 4  # more classes: the softmax denominator is shown summed
MATRIX_FONT_SIZES = (style.BASE_POINT_SIZE + 3, style.BASE_POINT_SIZE, style.BASE_POINT_SIZE - 2)
NOWRAP_CHARS = 26  # parts of a line up to this long never break inside
MAX_EXP_ARGUMENT = 50.0  # beyond this, e^s is shown relative to max s
LINE_NAMES = ("scores", "softmax", "dpy_dsy", "dpy_dsj", "dL_dpy", "dL_dsy", "dL_dsj",
              "ds_dw", "dL_dwj", "dL_dW")

_Y = "<sub>y</sub>"
_J = "<sub>j</sub>"
_I = "<sub>i</sub>"


def _target_from_href(href: str):
    """'point_dW:1:2' -> ('point_dW', 1, 2); '' -> None."""
    if not href:
        return None
    kind, *idx = href.split(":")
    return (kind, *(int(v) for v in idx))


class DerivationLine(QLabel):
    """One row of the derivation: rich text that highlights its quantity on hover.

    ``target`` is the highlight of the whole row; numbers inside it may be
    links (``href="x:0"``) that highlight a more specific quantity while the
    mouse is on them. Emits ``hovered(target)`` and ``hovered(None)``.
    """

    hovered = Signal(object)

    def __init__(self, name: str, parent=None):
        super().__init__(parent)
        self.name = name
        self.target = None
        self._on_link = None
        self._inside = False
        self.setTextFormat(Qt.RichText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.LinksAccessibleByMouse)
        self.setOpenExternalLinks(False)
        self.setMargin(6)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        self.linkHovered.connect(self._on_link_hovered)

    def plain_text(self) -> str:
        doc = QTextDocument()
        doc.setHtml(self.text())
        return doc.toPlainText()

    def current_target(self):
        return self._on_link if self._on_link is not None else self.target

    def enterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._inside = True
        self.hovered.emit(self.current_target())
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._inside = False
        self._on_link = None
        self.hovered.emit(None)
        super().leaveEvent(event)

    def _on_link_hovered(self, href: str) -> None:
        self._on_link = _target_from_href(href)
        if self._inside or self._on_link is not None:
            self.hovered.emit(self.current_target())


class DerivationView(QWidget):
    """The chain rule from s to dL/dW for the selected point and a chosen class j.

    ``lines[name]`` is the ``DerivationLine`` of each step (``LINE_NAMES``),
    ``values[name]`` the number (or array) its right-hand side shows, and
    ``j_combo`` picks j (by default the most probable wrong class).
    """

    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.values: dict = {}
        self._j_user: int | None = None  # None: follow the most probable j != y
        self._hover_target = None

        self.header = QLabel()
        self.header.setTextFormat(Qt.RichText)
        self.header.setWordWrap(True)
        self.header.setToolTip("Hover a line, or a number in it, to highlight that quantity in every view")
        self.j_combo = QComboBox()
        self.j_combo.setToolTip("The class j of the off-diagonal steps (∂p_y/∂s_j, ∂L/∂s_j, ∂L/∂w_j)")
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.j_combo, 0, Qt.AlignTop)

        self.note = QLabel()
        self.note.setTextFormat(Qt.RichText)
        self.note.setWordWrap(True)
        self.lines: dict[str, DerivationLine] = {}
        body = QWidget()
        body.setObjectName("derivation_body")
        rows = QVBoxLayout(body)
        rows.setContentsMargins(4, 4, 4, 4)
        rows.setSpacing(0)
        for name in LINE_NAMES:
            line = DerivationLine(name)
            self.lines[name] = line
            rows.addWidget(line)
            if name == "dL_dsj":
                rows.addWidget(self.note)
        rows.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidget(body)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # lines wrap instead
        self.body = body
        self.scroll.viewport().installEventFilter(self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)

        self.updates = DeferredRefresh(self, self._refresh)

        for line in self.lines.values():
            line.hovered.connect(self._on_line_hovered)
        self.j_combo.activated.connect(self._on_j_activated)
        # (classes and selection first: they reset j; lab_changed then redraws)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.selection_changed.connect(self._on_selection_changed)
        scene.hyper_changed.connect(self._on_hyper_changed)
        scene.lab_changed.connect(self.updates.request)
        scene.highlight_changed.connect(self._on_highlight_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_style()
        self._rebuild_combo()
        self.updates.request()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 640)

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if obj is self.scroll.viewport() and event.type() == QEvent.Resize:
            # Never wider than the panel: every line wraps within what is visible.
            self.body.setMaximumWidth(event.size().width())
        return False

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # Never narrower than the lines' unbreakable runs ("= 0.130", kept on one line):
        # the body is never wider than the panel (``eventFilter``), so a panel narrower
        # than them cut their last lines off; the dock's scroll area scrolls sideways instead.
        hint = super().minimumSizeHint()
        m = self.layout().contentsMargins()
        lines = (self.body.layout().minimumSize().width() + self.scroll.verticalScrollBar().sizeHint().width()
                 + 2 * self.scroll.frameWidth() + m.left() + m.right())
        return QSize(max(hint.width(), lines), hint.height())

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updates.request()  # the ∂L/∂W table picks a font that fits the new width

    # --------------------------------------------------------------- public
    @property
    def j(self) -> int:
        """The class j the off-diagonal lines use."""
        n = self.scene.n_classes
        if self._j_user is not None and self._j_user < n:
            return self._j_user
        return self.default_j()

    def default_j(self) -> int:
        """The most probable class other than y (y itself with one class)."""
        s = self.scene
        p = engine.softmax(s.lab_scores(), s.temperature).astype(float)
        y = s.lab_label()
        p[y] = -np.inf
        return int(np.argmax(p)) if p.shape[0] > 1 else y

    def set_j(self, j: int | None) -> None:
        """Choose j (None: follow the most probable wrong class again)."""
        self._j_user = None if j is None else int(j)
        self.updates.run()

    def line_text(self, name: str) -> str:
        return self.lines[name].plain_text()

    # ------------------------------------------------------------------ slots
    def _on_classes_changed(self) -> None:
        self._j_user = None
        self._rebuild_combo()

    def _on_hyper_changed(self) -> None:
        self.updates.request()

    def _on_selection_changed(self) -> None:
        self._j_user = None

    def _on_highlight_changed(self) -> None:
        self._show_highlight()

    def _on_appearance_changed(self) -> None:
        self._apply_style()
        self._rebuild_combo()
        self.updates.run()

    def _on_j_activated(self, index: int) -> None:
        self.set_j(index)

    def _on_line_hovered(self, target) -> None:
        if target is None:
            self.scene.release_highlight(self._hover_target)
        else:
            self.scene.set_highlight(target)
        self._hover_target = target

    # ------------------------------------------------------------- building
    def _apply_style(self) -> None:
        big = style.font(style.BASE_POINT_SIZE + 3)
        for line in self.lines.values():
            line.setFont(big)
        self.header.setFont(style.font(style.BASE_POINT_SIZE + 1))
        self.note.setFont(style.font(style.BASE_POINT_SIZE))
        self.j_combo.setFont(style.font(style.BASE_POINT_SIZE + 1))
        self.note.setStyleSheet(f"color: {style.foreground().name()}; padding: 6px;"
                                f"border: 2px dashed {style.faint().name()};")

    def _rebuild_combo(self) -> None:
        with QSignalBlocker(self.j_combo):
            self.j_combo.clear()
            for k in range(self.scene.n_classes):
                pix = QPixmap(16, 16)
                pix.fill(style.class_color(k))
                self.j_combo.addItem(QIcon(pix), f"j = {style.class_name(k)}")

    def _link(self, target, text: str) -> str:
        href = ":".join(str(v) for v in target)
        fg = style.foreground().name()
        return f"<a href='{href}' style='color:{fg}; text-decoration:none'>{text}</a>"

    @staticmethod
    def _eq(*parts: str) -> str:
        """Parts joined by ' = ', breaking lines before an '=' rather than inside a short part."""
        spans = []
        for k, part in enumerate(parts):
            text = ("= " if k else "") + part
            plain = re.sub(r"<[^>]*>", "", text)
            if len(plain) <= NOWRAP_CHARS:  # short: keep it on one line
                text = f"<span style='white-space:nowrap'>{text}</span>"
            spans.append(text)
        return " ".join(spans)

    def _set_line(self, name: str, html, target, value) -> None:
        if isinstance(html, (tuple, list)):
            html = self._eq(*html)
        line = self.lines[name]
        line.target = target
        self.values[name] = value
        if line.text() != html:
            line.setText(html)
        line.setVisible(True)

    def _hide_line(self, name: str) -> None:
        self.lines[name].target = None
        self.values.pop(name, None)
        self.lines[name].setVisible(False)

    def _vector(self, values, targets) -> str:
        return "(" + ", ".join(self._link(t, num(v)) for v, t in zip(values, targets)) + ")"

    def _refresh(self) -> None:
        s = self.scene
        try:
            self._fill()
        except ValueError as exc:  # e.g. the gradient overflows at a tiny temperature
            for name in LINE_NAMES:
                self._hide_line(name)
            self.note.setText(f"Cannot derive at these values: {exc}")
            self.note.setVisible(True)
        with QSignalBlocker(self.j_combo):
            if self.j_combo.count() != s.n_classes:
                self._rebuild_combo()
            self.j_combo.setCurrentIndex(self.j)
        self._show_highlight()

    def _fill(self) -> None:
        s = self.scene
        i = s.selected
        y = s.lab_label()
        j = self.j
        T = s.temperature
        scores = np.asarray(s.lab_scores(), dtype=float)
        p = np.asarray(s.lab_probabilities(), dtype=float)
        J = np.asarray(s.lab_jacobian(), dtype=float)
        g = np.asarray(s.lab_gradient(), dtype=float)
        C = scores.shape[0]
        over_T = "/T" if T != 1.0 else ""
        t_num = f" / {num(T)}" if T != 1.0 else ""

        who = (f"<b>point {i + 1}</b>, true class y = {class_html(y)}" if i is not None
               else f"<b>free scores</b> of the score lab, true class y = {class_html(y)}")
        temp = f" · temperature T = {T:g}" if T != 1.0 else ""
        self.header.setText(f"{who}, j = {class_html(j)}{temp}")

        # s
        score_vec = self._vector(scores, [("score", k) for k in range(C)])
        if i is not None:
            self._set_line("scores", ["s", f"W<sup>T</sup>x{_I} + b", score_vec], None, scores)
        else:
            self._set_line("scores", ["s", f"{score_vec} <span style='color:{muted()}'>(free scores)</span>"],
                           None, scores)

        # p_y = e^{s_y} / sum_k e^{s_k}
        arg = (lambda k: f"s{k}/T") if T != 1.0 else (lambda k: f"s{k}")
        with np.errstate(over="ignore", invalid="ignore"):
            z = scores / T
        finite = np.isfinite(z)
        if np.all(finite) and np.max(np.abs(z)) <= MAX_EXP_ARGUMENT:
            e = np.exp(z)
            shift = ""
        else:  # show e^{s - max s}: the same ratio, without overflowing
            m = np.max(z) if np.all(finite) else 0.0
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(z - m)
            shift = f" <span style='color:{muted()}'>(every exp divided by exp(max s))</span>"
        if C <= MAX_EXPANDED_TERMS:
            denom = "(" + " + ".join(num(v) for v in e) + ")"
        else:
            denom = num(float(np.sum(e)))
        self._set_line(
            "softmax",
            [f"p{_Y}", f"exp({arg(_Y)}) / Σ<sub>k</sub> exp({arg('<sub>k</sub>')})",
             f"{num(e[y])} / {denom}", f"<b>{num(p[y])}</b>{shift}"],
            ("prob", y), p[y])

        # dp_y/ds_y
        self._set_line(
            "dpy_dsy",
            [f"∂p{_Y}/∂s{_Y}", f"p{_Y}(1 − p{_Y}){over_T}",
             f"{num(p[y])} × (1 − {num(p[y])}){t_num}", f"<b>{num(J[y, y])}</b>"],
            ("jacobian", y, y), J[y, y])

        # dp_y/ds_j
        if j != y:
            self._set_line(
                "dpy_dsj",
                [f"∂p{_Y}/∂s{_J}", f"−p{_Y} p{_J}{over_T}", f"−{num(p[y])} × {num(p[j])}{t_num}",
                 f"<b>{num(J[y, j])}</b>"],
                ("jacobian", y, j), J[y, j])
        else:
            self._set_line(
                "dpy_dsj",
                [f"∂p{_Y}/∂s{_J} <span style='color:{muted()}'>(j = y: the diagonal above)</span>",
                 f"<b>{num(J[y, y])}</b>"],
                ("jacobian", y, y), J[y, y])

        # dL/dp_y = -1/p_y = -e^L, formed from the stable loss L = -ln p_y so that a
        # p_y too small for a double (e.g. e^-800) still reads right, without inf.
        L = self.scene.lab_loss()
        if p[y] >= 1e-300:  # the formula as written: 1/p_y is at most 1e300
            dl_dp = -1.0 / float(p[y])
            p_text, dl_text = num(p[y]), num(dl_dp)
        elif L <= 700.0:  # p_y underflowed, but e^L is still a double
            dl_dp = -math.exp(L)
            p_text, dl_text = f"e<sup>−{num(L, 4)}</sup>", num(dl_dp)
        else:
            dl_dp = -math.inf  # beyond a double; shown as a power of e
            p_text, dl_text = f"e<sup>−{num(L, 4)}</sup>", f"−e<sup>{num(L, 4)}</sup>"
        self._set_line("dL_dpy",
                       [f"L = −ln p{_Y} ⇒ ∂L/∂p{_Y}", f"−1/p{_Y}", f"−1/{p_text}",
                        f"<b>{dl_text}</b>"],
                       ("prob", y), dl_dp)

        # dL/ds_y and dL/ds_j (the chain rule through p_y)
        self._set_line(
            "dL_dsy",
            [f"∂L/∂s{_Y}", f"∂L/∂p{_Y} · ∂p{_Y}/∂s{_Y}", f"(p{_Y} − 1){over_T}",
             f"({num(p[y])} − 1){t_num}", f"<b>{num(g[y])}</b>"],
            ("grad", y), g[y])
        if j != y:
            self._set_line(
                "dL_dsj",
                [f"∂L/∂s{_J}", f"∂L/∂p{_Y} · ∂p{_Y}/∂s{_J}", f"p{_J}{over_T}", f"{num(p[j])}{t_num}",
                 f"<b>{num(g[j])}</b>"],
                ("grad", j), g[j])
        else:
            self._set_line(
                "dL_dsj",
                [f"∂L/∂s{_J} <span style='color:{muted()}'>(j = y: ∂L/∂s{_Y} above)</span>",
                 f"<b>{num(g[y])}</b>"],
                ("grad", y), g[y])

        # down to W: needs a point
        notes = []
        if s.loss == "svm":
            notes.append("Training uses the SVM hinge loss; these lines derive the softmax "
                         "cross-entropy shown by the score lab.")
        if i is None:
            notes.insert(0, "No point selected: the free scores have no input x<sub>i</sub>, "
                            "so the chain stops at s. <b>Click a point</b> to follow it down to W.")
            for name in ("ds_dw", "dL_dwj", "dL_dW"):
                self._hide_line(name)
        else:
            x = np.asarray(s.Z[i], dtype=float)
            D = x.shape[0]
            names = s.feature_names
            M = np.outer(x, g)  # dL/dW = x_i (dL/ds)^T: (D x C x C) . (C) -> D x C
            x_vec = "(" + ", ".join(
                self._link(("x", d), f"{feature_html(n)}: {num(v)}") for d, (n, v) in enumerate(zip(names, x))
            ) + ")"
            self._set_line("ds_dw",
                           [f"s{_J} = w{_J}<sup>T</sup>x{_I} + b{_J} ⇒ ∂s{_J}/∂w{_J}", f"x{_I}", x_vec],
                           None, x)
            col = self._vector(M[:, j], [("point_dW", d, j) for d in range(D)])
            x_plain = self._vector(x, [("x", d) for d in range(D)])
            self._set_line("dL_dwj",
                           [f"∂L/∂w{_J}", f"x{_I} · ∂L/∂s{_J}", f"{x_plain} × {num(g[j])}", f"<b>{col}</b>"],
                           None, M[:, j])
            self._set_line("dL_dW", self._matrix_html(M, names, D, C), None, M)
        self.note.setText("<br>".join(notes))
        self.note.setVisible(bool(notes))

    def _available_width(self) -> int:
        """Pixels a line's text may use without a horizontal scroll bar."""
        return max(100, self.scroll.viewport().width() - 2 * 6 - 2 * 4 - 8)

    def _matrix_table(self, M: np.ndarray, names, D: int, C: int) -> str:
        """The D x C matrix as a rich-text table (cells are links), in the largest font that
        fits the panel's width; '' when even the smallest does not fit."""
        texts = [[num(M[d, k]) for k in range(C)] for d in range(D)]
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(self.lines["dL_dW"].font())
        for size in MATRIX_FONT_SIZES:
            pt = style.point_size(size)

            def cell(content: str, align: str = "right") -> str:
                return (f"<td align='{align}'><span style='font-size:{pt}pt'>&nbsp;{content}&nbsp;"
                        "</span></td>")

            head = "".join(cell(class_html(k, str(k + 1)), "center") for k in range(C))
            body = ""
            for d in range(D):
                cells = "".join(cell(self._link(("point_dW", d, k), texts[d][k])) for k in range(C))
                body += f"<tr>{cell(feature_html(names[d]), 'left')}{cells}</tr>"
            table = (f"<table cellspacing='0' cellpadding='2' style='margin-top:4px'>"
                     f"<tr><td></td>{head}</tr>{body}</table>")
            doc.setHtml(table)
            if doc.idealWidth() <= self._available_width():
                return table
        return ""

    def _matrix_html(self, M: np.ndarray, names, D: int, C: int) -> str:
        """∂L/∂W = ∂L/∂s · ∂s/∂W with shapes, and the D x C matrix itself when it fits."""
        over_T = "/T" if self.scene.temperature != 1.0 else ""
        eq = self._eq("∂L/∂W", "∂L/∂s · ∂s/∂W", f"x{_I}(p − onehot(y))<sup>T</sup>{over_T}")
        shapes = (f"<span style='color:{muted()}'>shapes: (C) · (D×C×C) → D×C, "
                  f"here ({C}) · ({D}×{C}×{C}) → {D}×{C}</span>")
        table = self._matrix_table(M, names, D, C)
        if not table:
            table = (f"<br><span style='color:{muted()}'>(the {D}×{C} matrix is too wide for this "
                     "panel: widen it, or see the Point gradient view)</span>")
        return f"{eq}<br>{shapes}{table}"

    def _show_highlight(self) -> None:
        h = self.scene.highlight
        bg = "#ffe9a8" if style.appearance.theme == "light" else style.faint().name()
        for line in self.lines.values():
            on = h is not None and line.isVisible() and line.target == h
            sheet = f"border-bottom: 1px solid {style.faint().name()};"
            if on:
                sheet += f"background: {bg};"
            if line.styleSheet() != sheet:
                line.setStyleSheet(sheet)
