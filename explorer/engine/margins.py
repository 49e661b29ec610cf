"""SVM margins: where the top score beats the runner-up by exactly the margin.

The multiclass SVM (hinge) loss of a point is zero once its true class's
score beats every other score by at least the margin (1). On the plane, the
"margin lines" are the curves where the top score minus the runner-up equals
the margin: between them and the decision boundary (where the gap is 0),
even a correctly classified point still has a positive hinge loss.

Images use the layout of ``regions.region_image``: row ``r`` is the pixel
centre ``y = ymin + (r + 0.5) * dy``, column ``c`` is ``x = xmin + (c + 0.5) * dx``
(row 0 at the bottom edge ``ymin``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .regions import region_scores

__all__ = ["score_gap", "margin_mask"]


def score_gap(W, b, xlim, ylim, grid, features=()):
    """Top score minus the runner-up at every pixel centre.

    Parameters
    ----------
    W : array-like of shape (2 + len(features), n_classes)
    b : array-like of shape (n_classes,)
    xlim, ylim : (min, max) of the image in data units
    grid : int, pixels per side
    features : sequence of feature names (``features.FEATURES``)

    Returns
    -------
    gap : ndarray of shape (grid, grid), float64, >= 0 (``inf`` with one class).
        ``gap[r, c]`` is at the pixel centre of row r (y) and column c (x).
    """
    S = region_scores(W, b, xlim, ylim, grid, features)  # (n_classes, grid * grid); validates
    g = int(grid)
    top = S[0].copy()
    second = np.full_like(top, -np.inf)
    # One pass over the classes (contiguous rows): cheaper than sorting along axis 0.
    for s in S[1:]:
        np.maximum(second, np.minimum(top, s), out=second)
        np.maximum(top, s, out=top)
    with np.errstate(invalid="ignore"):
        gap = top - second
    return gap.reshape(g, g)


def margin_mask(W, b, xlim, ylim, grid, features=(), margin: float = 1.0, dash: int = 0):
    """Pixels on the margin lines, where the top score minus the runner-up equals ``margin``.

    A pixel is on a line when ``gap >= margin`` holds at its centre but not at
    its right or upper neighbour's (or the other way round), where ``gap`` is
    ``score_gap``: the same one-pixel convention as the decision boundaries
    of ``region_image``.

    With ``dash > 0`` the lines are dashed, ``dash`` pixels on, ``dash`` off:
    a pixel whose crossing is with its right neighbour (a steep line) is kept
    on even runs of rows (``(r // dash) % 2 == 0``), one whose crossing is with
    its upper neighbour (a flat line) on even runs of columns.

    Returns
    -------
    mask : ndarray of shape (grid, grid), bool
    """
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not (
            math.isfinite(margin) and margin >= 0):
        raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
    if isinstance(dash, bool) or not isinstance(dash, numbers.Integral) or dash < 0:
        raise ValueError(f"dash must be an integer >= 0, got {dash!r}")
    above = score_gap(W, b, xlim, ylim, grid, features) >= float(margin)
    g = above.shape[0]
    steep = np.zeros((g, g), dtype=bool)  # crossing between columns c and c + 1
    flat = np.zeros((g, g), dtype=bool)  # crossing between rows r and r + 1
    steep[:, :-1] = above[:, :-1] != above[:, 1:]
    flat[:-1, :] = above[:-1, :] != above[1:, :]
    if dash:
        on = (np.arange(g) // int(dash)) % 2 == 0
        steep &= on[:, None]
        flat &= on[None, :]
    return steep | flat
