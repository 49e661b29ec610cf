"""Shared look: fonts, class colours and marker shapes, sized for a projector.

Every view takes its fonts, pens and class styles from here so the whole
window stays consistent (and can later be scaled as one).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont

from .engine import DEFAULT_PALETTE

BASE_POINT_SIZE = 13  # application font, readable from the back of a lecture hall
PLOT_POINT_SIZE = 13  # axis ticks and labels
TITLE_POINT_SIZE = 15
MARKER_SIZE = 11
LINE_WIDTH = 3

# One marker shape per class (pyqtgraph symbol names), paired with the colour,
# so classes stay distinguishable without colour vision.
SYMBOLS = ("o", "s", "t", "d", "star", "t1", "p", "h", "x", "+")

# Colours of signed quantities (gradient bars, heat maps): blue negative, red positive.
NEGATIVE = QColor(0x00, 0x72, 0xB2)
POSITIVE = QColor(0xD5, 0x5E, 0x00)


def class_color(j: int, alpha: int = 255) -> QColor:
    r, g, b = (int(v) for v in DEFAULT_PALETTE[j % len(DEFAULT_PALETTE)])
    return QColor(r, g, b, alpha)


def class_symbol(j: int) -> str:
    return SYMBOLS[j % len(SYMBOLS)]


def class_name(j: int) -> str:
    """Classes are numbered from 1 in everything the user reads."""
    return f"class {j + 1}"


def font(point_size: int = BASE_POINT_SIZE, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(point_size)
    f.setBold(bold)
    return f


def style_plot(plot: pg.PlotItem, title: str | None = None, left: str | None = None,
               bottom: str | None = None, left_units: str | None = None,
               bottom_units: str | None = None) -> None:
    """Large tick fonts and labelled axes on a pyqtgraph PlotItem."""
    tick_font = font(PLOT_POINT_SIZE)
    label_style = {"font-size": f"{PLOT_POINT_SIZE}pt"}
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setStyle(tickFont=tick_font, tickTextOffset=6)
        axis.setTextPen(pg.mkPen(pg.getConfigOption("foreground")))
    if left is not None:
        plot.setLabel("left", left, units=left_units, **label_style)
    if bottom is not None:
        plot.setLabel("bottom", bottom, units=bottom_units, **label_style)
    if title is not None:
        plot.setTitle(title, size=f"{TITLE_POINT_SIZE}pt")


def format_number(v: float, digits: int = 4) -> str:
    """Compact, exact-enough display of a value: 4 significant digits by default."""
    if v == 0:
        return "0"
    return f"{v:.{digits}g}".replace("-", "\u2212")
