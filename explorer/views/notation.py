"""How the inspector views write math: feature names, numbers and class tags.

Plain-text forms (``x₁²``) go into axis ticks and table headers; HTML forms
(``x<sub>1</sub><sup>2</sup>``) into rich-text labels. Numbers use a Unicode
minus and keep their trailing zeros (``0.130``), so columns of values line up
and read as measured quantities.
"""

from __future__ import annotations

import math

from .. import style

SUBSCRIPTS = str.maketrans("0123456789i", "₀₁₂₃₄₅₆₇₈₉ᵢ")
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
MINUS = "\u2212"


def sub(text) -> str:
    """``text`` in Unicode subscript digits: sub(12) -> '₁₂'."""
    return str(text).translate(SUBSCRIPTS)


def feature_text(name: str) -> str:
    """A feature name in plain Unicode.

    ``x1^2`` -> ``x₁²``, ``x1*x2`` -> ``x₁x₂``, ``sin(x1)`` -> ``sin x₁``.
    """
    out = name.replace("^2", "²").replace("*", "")
    out = out.replace("x1", "x₁").replace("x2", "x₂")
    if out.startswith("sin(") and out.endswith(")"):
        out = "sin " + out[4:-1]
    return out


def feature_html(name: str) -> str:
    """A feature name as rich text: ``x1^2`` -> ``x<sub>1</sub><sup>2</sup>``."""
    out = name.replace("^2", "<sup>2</sup>").replace("*", "")
    out = out.replace("x1", "x<sub>1</sub>").replace("x2", "x<sub>2</sub>")
    if out.startswith("sin(") and out.endswith(")"):
        out = "sin " + out[4:-1]
    return out


def num(v: float, digits: int = 3) -> str:
    """``digits`` significant digits keeping trailing zeros (0.130), Unicode minus.

    Very large or small magnitudes switch to e-notation (1.23e−5); NaN and
    infinities read as words a student recognises.
    """
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "∞" if v > 0 else MINUS + "∞"
    if v == 0:
        return "0" if digits <= 1 else "0." + "0" * (digits - 1)
    text = f"{v:#.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        text = f"{mant.rstrip('.')}e{int(exp)}"
    return text.rstrip(".").replace("-", MINUS)


def sci(v: float, digits: int = 2) -> str:
    """Always e-notation: 3.2e−10 (for errors spanning many orders of magnitude)."""
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if v == 0:
        return "0"
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    return f"{mant}e{int(exp)}".replace("-", MINUS)


def parse_num(text: str) -> float:
    """The inverse of ``num`` (for tests and tooltips): '−0.130' -> -0.13."""
    t = text.strip().replace(MINUS, "-").replace("∞", "inf")
    return float(t)


def muted() -> str:
    """A grey for secondary text that reads on the current theme."""
    return "#555555" if style.appearance.theme == "light" else "#b0b0b0"


def class_html(j: int, text: str | None = None, bold: bool = True) -> str:
    """A class tag in the class colour, e.g. <span style='color:#E69F00'>class 2</span>.

    Colours too pale (yellow on a light theme) or too dark (on the dark
    theme) to read as text are darkened or lightened.
    """
    color = style.class_color(j)
    lum = 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue()
    if style.appearance.theme == "light" and lum > 170:  # too pale to read on white
        color = color.darker(160)
    elif style.appearance.theme != "light" and lum < 90:  # too dark to read on black
        color = color.lighter(170)
    label = style.class_name(j) if text is None else text
    weight = "font-weight:600;" if bold else ""
    return f"<span style='color:{color.name()};{weight}'>{label}</span>"
