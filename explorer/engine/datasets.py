"""2-D toy datasets for classification, with points roughly in [-5, 5]^2.

Every generator has the signature ``make_x(n, classes=3, noise=..., rng=None)``
and returns ``(X, y)``: ``X`` a float64 ndarray of shape (n, 2) and ``y`` an
int64 ndarray of shape (n,) with labels in [0, classes). Points are split
among the classes as evenly as possible (class j gets ``n // classes`` points,
plus one for the first ``n % classes`` classes). ``noise`` is the standard
deviation of Gaussian jitter added to each coordinate, in data units. The only
randomness is ``rng`` (a ``np.random.Generator`` or an int seed).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import check_nonnegative
from .optim import as_generator

__all__ = [
    "MIN_CLASSES",
    "MAX_CLASSES",
    "MAX_POINTS",
    "DATASETS",
    "make_blobs",
    "make_circles",
    "make_xor",
    "make_spiral",
    "make_linear",
    "make_dataset",
]

MIN_CLASSES = 2
MAX_CLASSES = 10
MAX_POINTS = 2_000_000


def _check(n, classes, noise, rng):
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 0 <= n <= MAX_POINTS:
        raise ValueError(f"number of points must be an integer in [0, {MAX_POINTS}], got {n!r}")
    if (isinstance(classes, bool) or not isinstance(classes, numbers.Integral)
            or not MIN_CLASSES <= classes <= MAX_CLASSES):
        raise ValueError(f"classes must be an integer in [{MIN_CLASSES}, {MAX_CLASSES}], got {classes!r}")
    noise = check_nonnegative(noise, "noise")
    if noise > 10:
        raise ValueError(f"noise must be at most 10 (data units), got {noise!r}")
    return int(n), int(classes), noise, as_generator(rng)


def _balanced_labels(n: int, classes: int) -> np.ndarray:
    """Labels 0,0,..,1,1,.. with class j holding n // classes (+1 for j < n % classes)."""
    counts = np.full(classes, n // classes)
    counts[: n % classes] += 1
    return np.repeat(np.arange(classes, dtype=np.int64), counts)


def _jitter(X: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    if noise > 0:
        X = X + rng.normal(scale=noise, size=X.shape)
    return X


def make_blobs(n, classes=3, noise=0.5, rng=None):
    """Gaussian blobs: class j centred at radius 3, angle 2*pi*j/classes.

    Each point is its centre plus a uniform offset in a disc of radius 0.5,
    plus the Gaussian ``noise``.
    """
    n, classes, noise, rng = _check(n, classes, noise, rng)
    y = _balanced_labels(n, classes)
    angle = 2 * np.pi * y / classes + np.pi / 2
    centres = 3.0 * np.column_stack([np.cos(angle), np.sin(angle)])
    r = 0.5 * np.sqrt(rng.random(n))
    t = rng.uniform(0, 2 * np.pi, n)
    X = centres + np.column_stack([r * np.cos(t), r * np.sin(t)])
    return _jitter(X, noise, rng), y


def make_circles(n, classes=3, noise=0.15, rng=None):
    """Concentric rings: class j on the circle of radius 1 + 3.5 * j / (classes - 1)."""
    n, classes, noise, rng = _check(n, classes, noise, rng)
    y = _balanced_labels(n, classes)
    radius = 1.0 + 3.5 * y / (classes - 1)
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.cos(t), radius * np.sin(t)])
    return _jitter(X, noise, rng), y


def make_xor(n, classes=2, noise=0.0, rng=None):
    """XOR / quadrants: points uniform in [-4.5, 4.5]^2 labelled by their cell.

    For 2 classes the label is XOR of the signs (a chequerboard of the four
    quadrants, which no linear model in (x1, x2) separates). For more classes
    the square is a g x g grid of cells (g = ceil(sqrt(classes))) and the cell
    in column i, row k gets label (i + g * k) % classes. Points are drawn
    cell by cell so the classes stay balanced; within 0.3 of a cell edge
    nothing is drawn so that, at noise 0, the cells are cleanly apart.
    """
    n, classes, noise, rng = _check(n, classes, noise, rng)
    y = _balanced_labels(n, classes)
    g = 2 if classes <= 4 else int(np.ceil(np.sqrt(classes)))
    if classes == 2:
        cells_of = {0: [(0, 0), (1, 1)], 1: [(1, 0), (0, 1)]}
    else:
        cells_of = {j: [] for j in range(classes)}
        for k in range(g):
            for i in range(g):
                cells_of[(i + g * k) % classes].append((i, k))
    width = 9.0 / g
    gap = min(0.3, width / 4)
    X = np.empty((n, 2))
    for j in range(classes):
        where = np.flatnonzero(y == j)
        cells = np.array(cells_of[j])
        pick = cells[rng.integers(0, len(cells), where.size)]
        offset = rng.uniform(gap, width - gap, (where.size, 2))
        X[where] = -4.5 + pick * width + offset
    return _jitter(X, noise, rng), y


def make_spiral(n, classes=3, noise=0.1, rng=None):
    """The interleaved spiral of CS231n: arm j sweeps angle 4j .. 4(j+1) rad.

    Radius grows linearly from 0 to 5 along each arm; the angle of each point
    gets Gaussian jitter of 0.2 rad (as in CS231n) and the positions the
    ``noise`` jitter.
    """
    n, classes, noise, rng = _check(n, classes, noise, rng)
    y = _balanced_labels(n, classes)
    X = np.empty((n, 2))
    for j in range(classes):
        where = np.flatnonzero(y == j)
        r = np.linspace(0.0, 5.0, where.size)
        t = np.linspace(4.0 * j, 4.0 * (j + 1), where.size) + rng.normal(scale=0.2, size=where.size)
        X[where] = np.column_stack([r * np.sin(t), r * np.cos(t)])
    return _jitter(X, noise, rng), y


def make_linear(n, classes=3, noise=0.0, rng=None):
    """A linearly separable set: labels from a random linear classifier.

    A hidden ``(W*, b*)`` (unit class vectors at equally spaced angles with a
    random rotation and offset) labels points drawn uniformly in [-4.5, 4.5]^2;
    only points whose top score beats the runner-up by at least 0.5 are kept,
    so at noise 0 the set is separable with a margin. The classes are balanced.
    """
    n, classes, noise, rng = _check(n, classes, noise, rng)
    y = _balanced_labels(n, classes)
    phase = rng.uniform(0, 2 * np.pi)
    angles = phase + 2 * np.pi * np.arange(classes) / classes
    W = 2.0 * np.vstack([np.cos(angles), np.sin(angles)])
    b = rng.uniform(-0.5, 0.5, classes)
    X = np.empty((n, 2))
    need = np.bincount(y, minlength=classes)
    for j in range(classes):
        where = np.flatnonzero(y == j)
        got = []
        count = 0
        while count < need[j]:
            cand = rng.uniform(-4.5, 4.5, (max(64, 4 * classes * (need[j] - count)), 2))
            S = cand @ W + b
            top2 = np.sort(S, axis=1)[:, -2:]
            ok = (S.argmax(axis=1) == j) & (top2[:, 1] - top2[:, 0] >= 0.5)
            got.append(cand[ok])
            count += int(ok.sum())
        X[where] = np.concatenate(got)[: need[j]] if need[j] else np.empty((0, 2))
    return _jitter(X, noise, rng), y


DATASETS = {
    "blobs": make_blobs,
    "circles": make_circles,
    "xor": make_xor,
    "spiral": make_spiral,
    "linear": make_linear,
}


def make_dataset(name, n, classes=3, noise=None, rng=None):
    """Call the generator registered as ``name`` in ``DATASETS``.

    ``noise=None`` uses the generator's default.
    """
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    kwargs = {} if noise is None else {"noise": noise}
    return DATASETS[name](n, classes=classes, rng=rng, **kwargs)
