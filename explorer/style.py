"""Shared look: fonts, class colours and marker shapes, sized for a projector.

Every view takes its fonts, pens and class styles from here so the whole
window stays consistent (and can later be scaled as one).
"""

from __future__ import annotations

import numpy as np
from .qtimport import pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont

from .engine import DEFAULT_PALETTE

BASE_POINT_SIZE = 13  # application font, readable from the back of a lecture hall
PLOT_POINT_SIZE = 13  # axis ticks and labels
TITLE_POINT_SIZE = 15
MARKER_SIZE = 11
LINE_WIDTH = 3
SCALE_RANGE = (0.6, 3.0)

# One marker shape per class (pyqtgraph symbol names), paired with the colour,
# so classes stay distinguishable without colour vision.
SYMBOLS = ("o", "s", "t", "d", "star", "t1", "p", "h", "x", "+")

# Class palettes (RGB rows). Okabe-Ito is colour-blind safe; "high contrast"
# (Paul Tol's "bright" and "vibrant" schemes, also colour-blind safe) is more
# saturated, for washed-out projectors and the dark theme.
PALETTES = {
    "okabe-ito": DEFAULT_PALETTE,
    "high-contrast": np.array([
        (0xEE, 0x77, 0x33), (0x00, 0x77, 0xBB), (0x22, 0x88, 0x33), (0xEE, 0x33, 0x77),
        (0x33, 0xBB, 0xEE), (0xAA, 0x33, 0x77), (0xCC, 0xBB, 0x44), (0xBB, 0xBB, 0xBB),
        (0x66, 0x33, 0x99), (0x99, 0x44, 0x11)], dtype=np.uint8),
}
PALETTE_LABELS = {"okabe-ito": "Okabe–Ito (colour-blind safe)",
                  "high-contrast": "High contrast (colour-blind safe)"}

THEMES = {
    #            background, foreground (text, axes), faint (grids, guides)
    "light": ("#ffffff", "#000000", "#c8c8c8"),
    "dark": ("#1e1e1e", "#f0f0f0", "#505050"),
}

# Colours of signed quantities (gradient bars, heat maps): blue negative, orange positive.
NEGATIVE = QColor(0x00, 0x72, 0xB2)
POSITIVE = QColor(0xD5, 0x5E, 0x00)


class Appearance(QObject):
    """The one global look: scale (fonts, line widths, markers), theme and palette.

    Views build fonts and pens through this module's functions and connect to
    ``appearance.changed`` to re-apply them; the main window owns the menu
    that changes it and persists it in QSettings.
    """

    changed = Signal()

    def __init__(self):
        super().__init__()
        self.scale = 1.0
        self.theme = "light"
        self.palette = "okabe-ito"

    def set_scale(self, scale: float) -> bool:
        scale = float(min(max(scale, SCALE_RANGE[0]), SCALE_RANGE[1]))
        if abs(scale - self.scale) < 1e-9:
            return False
        self.scale = scale
        self.changed.emit()
        return True

    def set_theme(self, theme: str) -> bool:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; expected one of {', '.join(THEMES)}")
        if theme == self.theme:
            return False
        self.theme = theme
        self.changed.emit()
        return True

    def set_palette(self, name: str) -> bool:
        if name not in PALETTES:
            raise ValueError(f"unknown palette {name!r}; expected one of {', '.join(PALETTES)}")
        if name == self.palette:
            return False
        self.palette = name
        self.changed.emit()
        return True


appearance = Appearance()


def scaled(v: float) -> float:
    """A length in pixels (marker size, line width) at the current scale."""
    return v * appearance.scale


def point_size(base: int = BASE_POINT_SIZE) -> int:
    return max(6, round(base * appearance.scale))


def palette_array() -> np.ndarray:
    """The current class palette as an (n, 3) uint8 array (for engine.region_image)."""
    return PALETTES[appearance.palette]


def background() -> QColor:
    return QColor(THEMES[appearance.theme][0])


def foreground() -> QColor:
    return QColor(THEMES[appearance.theme][1])


def faint() -> QColor:
    return QColor(THEMES[appearance.theme][2])


def class_color(j: int, alpha: int = 255) -> QColor:
    pal = palette_array()
    r, g, b = (int(v) for v in pal[j % len(pal)])
    return QColor(r, g, b, alpha)


def class_symbol(j: int) -> str:
    return SYMBOLS[j % len(SYMBOLS)]


def class_name(j: int) -> str:
    """Classes are numbered from 1 in everything the user reads."""
    return f"class {j + 1}"


def font(size: int = BASE_POINT_SIZE, bold: bool = False) -> QFont:
    """A font of nominal ``size`` points, scaled by the global appearance scale."""
    f = QFont()
    f.setPointSize(point_size(size))
    f.setBold(bold)
    return f


def style_plot(plot: pg.PlotItem, title: str | None = None, left: str | None = None,
               bottom: str | None = None, left_units: str | None = None,
               bottom_units: str | None = None) -> None:
    """Large tick fonts, labelled axes and theme colours on a pyqtgraph PlotItem.

    Safe to call again (e.g. on ``appearance.changed``) to re-apply scale and theme.
    """
    tick_font = font(PLOT_POINT_SIZE)
    fg = foreground()
    label_style = {"font-size": f"{point_size(PLOT_POINT_SIZE)}pt", "color": fg.name()}
    for name in ("left", "bottom", "right", "top"):
        if name not in plot.axes:  # (a LightPlotItem has no top or right axis)
            continue
        axis = plot.getAxis(name)
        if axis.autoSIPrefix:
            # No "(x1e9)" prefixes (tick labels print 1e+09 themselves); pyqtgraph would
            # otherwise re-render the axis label's HTML on every range change (~0.1 ms).
            axis.enableAutoSIPrefix(False)
        axis.setStyle(tickFont=tick_font, tickTextOffset=round(scaled(6)))
        axis.setPen(pg.mkPen(fg, width=max(1.0, scaled(1))))
        axis.setTextPen(pg.mkPen(fg))
    if left is not None:
        plot.setLabel("left", left, units=left_units, **label_style)
    elif plot.getAxis("left").labelText:
        plot.getAxis("left").labelStyle = label_style
        plot.getAxis("left")._updateLabel()
    if bottom is not None:
        plot.setLabel("bottom", bottom, units=bottom_units, **label_style)
    elif plot.getAxis("bottom").labelText:
        plot.getAxis("bottom").labelStyle = label_style
        plot.getAxis("bottom")._updateLabel()
    if title is not None:
        plot.setTitle(title, size=f"{point_size(TITLE_POINT_SIZE)}pt", color=fg.name())


def style_plot_widget(widget) -> None:
    """Theme background of a pyqtgraph PlotWidget / GraphicsLayoutWidget."""
    widget.setBackground(background())


def format_number(v: float, digits: int = 4) -> str:
    """Compact, exact-enough display of a value: 4 significant digits by default."""
    if v == 0:
        return "0"
    return f"{v:.{digits}g}".replace("-", "\u2212")
