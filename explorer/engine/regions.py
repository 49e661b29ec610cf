"""Decision regions: class probabilities on a pixel grid, and an RGBA image.

Image layout: row ``r`` is the pixel centre ``y = ymin + (r + 0.5) * dy`` and
column ``c`` is ``x = xmin + (c + 0.5) * dx`` (row-major, row 0 at the bottom
edge ``ymin``), with ``dx = (xmax - xmin) / grid`` and ``dy`` alike.

Scores are evaluated class-first, as a (n_classes, grid * grid) array, and
reduced over axis 0: the per-pixel reductions then run over contiguous rows.
"""

from __future__ import annotations

import functools
import numbers
import threading

import numpy as np

from ._validate import as_float_array
from .features import FEATURES, check_features

__all__ = [
    "OKABE_ITO",
    "DEFAULT_PALETTE",
    "MAX_GRID",
    "grid_centres",
    "region_scores",
    "region_probabilities",
    "region_image",
    "RegionImages",
]

# Okabe & Ito's colour-blind-safe palette (without its black), extended with
# three distinct hues for up to 10 classes. The app pairs each class with a
# marker shape as well, so colour is never the only cue.
OKABE_ITO = np.array(
    [
        (0xE6, 0x9F, 0x00),  # orange
        (0x56, 0xB4, 0xE9),  # sky blue
        (0x00, 0x9E, 0x73),  # bluish green
        (0xD5, 0x5E, 0x00),  # vermillion
        (0x00, 0x72, 0xB2),  # blue
        (0xCC, 0x79, 0xA7),  # reddish purple
        (0xF0, 0xE4, 0x42),  # yellow
    ],
    dtype=np.uint8,
)
DEFAULT_PALETTE = np.vstack(
    [OKABE_ITO, np.array([(0x99, 0x99, 0x99), (0x88, 0x22, 0x55), (0x66, 0x44, 0x00)], dtype=np.uint8)]
)

MAX_GRID = 2000


def _check_limits(lim, name):
    lim = as_float_array(lim, name, (1,))
    if lim.shape != (2,) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be (min, max) with min < max, got {tuple(lim.tolist())}")
    with np.errstate(over="ignore"):
        span = np.float64(lim[1]) - np.float64(lim[0])
    if not np.isfinite(span) or max(abs(lim[0]), abs(lim[1])) > 1e300:
        raise ValueError(f"{name} must lie within ±1e300, got {tuple(lim.tolist())}")
    return lim.astype(np.float64)


def _check_grid(grid):
    if isinstance(grid, bool) or not isinstance(grid, numbers.Integral) or not 1 <= grid <= MAX_GRID:
        raise ValueError(f"grid must be an integer in [1, {MAX_GRID}], got {grid!r}")
    return int(grid)


def grid_centres(xlim, ylim, grid):
    """Pixel-centre coordinates: ``(xs, ys)``, each a float64 ndarray of shape (grid,)."""
    xlim, ylim, grid = _check_limits(xlim, "xlim"), _check_limits(ylim, "ylim"), _check_grid(grid)
    frac = (np.arange(grid) + 0.5) / grid
    return xlim[0] + frac * (xlim[1] - xlim[0]), ylim[0] + frac * (ylim[1] - ylim[0])


def _raw_parts(W, b, xs, ys):
    """The two separable parts of the raw-feature scores: ``S[j, r, c] = ax[j, c] + cy[j, r]``."""
    with np.errstate(over="ignore", invalid="ignore"):
        ax = W[0][:, None] * xs[None, :]
        cy = W[1][:, None] * ys[None, :] + b[:, None]
    return ax, cy


def _raw_scores_overflow(ax, cy) -> bool:
    """Whether some ``ax[j, c] + cy[j, r]`` is not finite, in O(C * grid).

    Rounding is monotonic, so the sums over every (r, c) pair stay finite
    exactly when the sums of the extremes do; a NaN or an infinity among the parts
    makes an extreme NaN or infinite, and so its sum.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        hi = ax.max(axis=1) + cy.max(axis=1)
        lo = ax.min(axis=1) + cy.min(axis=1)
    return not (np.isfinite(hi).all() and np.isfinite(lo).all())


def _region_setup(W, b, xlim, ylim, grid, features):
    """Validated ``(names, W, b, xs, ys)`` (float64) for the region functions."""
    names = check_features(features)
    W = as_float_array(W, "W", (2,))
    b = as_float_array(b, "b", (1,))
    if W.shape[0] != 2 + len(names):
        raise ValueError(f"W has {W.shape[0]} rows but the features need {2 + len(names)} "
                         f"(x1, x2{''.join(', ' + f for f in names)})")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b has {b.shape[0]} entries but W has {W.shape[1]} classes")
    xs, ys = grid_centres(xlim, ylim, grid)
    return names, W.astype(np.float64), b.astype(np.float64), xs, ys


def _fill_scores(out, W, names, xs, ys, ax, cy, r0, r1):
    """Scores of pixel rows r0..r1 into ``out`` of shape (n_classes, r1 - r0, grid)."""
    with np.errstate(over="ignore", invalid="ignore"):
        # S[j, r, c] = W[0, j] * xs[c] + W[1, j] * ys[r] + b[j] (+ feature terms)
        np.add(cy[:, r0:r1, None], ax[:, None, :], out=out)
        if names:
            # broadcastable (1, grid) and (rows, 1): a feature of x1 alone costs grid values
            X1, X2 = xs[None, :], ys[r0:r1, None]
            for k, name in enumerate(names):
                out += W[2 + k][:, None, None] * FEATURES[name](X1, X2)[None]


def region_scores(W, b, xlim, ylim, grid, features=()):
    """Scores of every pixel, class-first: ndarray of shape (n_classes, grid * grid).

    Column ``r * grid + c`` is the pixel in row r (y) and column c (x).
    ``W`` has shape (2 + len(features), n_classes).
    """
    names, W, b, xs, ys = _region_setup(W, b, xlim, ylim, grid, features)
    g = xs.shape[0]
    ax, cy = _raw_parts(W, b, xs, ys)
    S = np.empty((W.shape[1], g, g))
    _fill_scores(S, W, names, xs, ys, ax, cy, 0, g)
    S = S.reshape(W.shape[1], g * g)
    overflow = not np.all(np.isfinite(S)) if names else _raw_scores_overflow(ax, cy)
    if overflow:
        raise ValueError("region scores overflow: the weights are too large for this view")
    return S


def region_probabilities(W, b, xlim, ylim, grid, features=()):
    """Softmax probabilities of every pixel: ndarray of shape (grid, grid, n_classes).

    ``P[r, c, j]`` is p_j at the pixel centre of row r (y) and column c (x).
    """
    S = region_scores(W, b, xlim, ylim, grid, features)
    S -= S.max(axis=0)
    np.exp(S, out=S)
    S /= S.sum(axis=0)
    g = _check_grid(grid)
    return np.ascontiguousarray(S.T).reshape(g, g, -1)


# Pixels per block of region_image, times the number of classes: each block's
# scores and temporaries (~12 bytes per score, ~1.5 MB) stay in the CPU's caches
# through the ~20 passes over them. Measured against half this size: 5 - 17 %
# quicker (grid 250 - 400, 3 - 10 classes), as the image takes fewer NumPy calls.
_REGION_BLOCK = 1 << 17


def _first_argmax(S: np.ndarray, m: np.ndarray, out=None) -> np.ndarray:
    """``S.argmax(axis=0)`` as uint8 for a (n_classes <= 255, n) array whose max ``m`` is known.

    The first maximum is at the number of leading classes below the max: three
    elementwise passes per class over contiguous rows (``argmax(axis=0)`` is ~5x slower).
    """
    C, n = S.shape
    labels = np.empty(n, dtype=np.uint8) if out is None else out
    if C == 1:
        labels[:] = 0
        return labels
    below = np.less(S[0], m)  # no max among the classes so far
    np.copyto(labels, below.view(np.uint8))
    tmp = np.empty(n, dtype=bool)
    for j in range(1, C - 1):
        np.less(S[j], m, out=tmp)
        below &= tmp
        labels += below.view(np.uint8)
    return labels


# The separable confidence of raw features (see region_image) is used while every
# |score| <= _SEPARABLE_MAX_SCORE, where its exponents are within ~1e-6 of the
# float64 score differences, and at pixels whose gap D (below) is at most
# _SEPARABLE_MAX_GAP, where exp(-D) and T stay normal float32 numbers (and T
# keeps its digits in float64).
_SEPARABLE_MAX_SCORE = 2.0**30
_SEPARABLE_MAX_GAP = 80.0

# Scratch arrays of region_image, kept per thread between calls: on a fresh
# allocation every page faults on first touch (several microseconds each on a
# VM), which cost as much as the arithmetic. Arrays above this many bytes
# are not kept.
_SCRATCH_BYTES = 1 << 22
_scratch_arrays = threading.local()


def _scratch(name: str, n: int, dtype) -> np.ndarray:
    """A flat array of ``n`` elements of ``dtype`` with undefined contents, reused by this thread."""
    cache = _scratch_arrays.__dict__
    a = cache.get(name)
    if a is None or a.size < n or a.dtype != dtype:
        a = np.empty(n, dtype)
        if a.nbytes <= _SCRATCH_BYTES:
            cache[name] = a
    return a[:n]


def _exact_confidence(S: np.ndarray, m: np.ndarray, Z: np.ndarray) -> np.ndarray:
    """``1 / sum_j exp(S[j] - m)`` (float32) of a (C, n) score array whose max is ``m``.

    ``Z`` is a float32 scratch array of shape (C, n).
    """
    with np.errstate(over="ignore", under="ignore"):  # far below the max: -inf, exp 0
        np.subtract(S, m, out=Z, casting="same_kind")
        np.exp(Z, out=Z)
    a = Z.sum(axis=0)  # sum_j exp(s_j - max), in [1, C]
    np.reciprocal(a, out=a)  # the confidence max_j p_j, in [1/C, 1]
    return a


def _palette_words(pal: np.ndarray) -> np.ndarray:
    """Each palette colour as one 32-bit RGBA word (byte order R, G, B, A in memory; alpha
    0, set per pixel afterwards)."""
    rgba = np.zeros((pal.shape[0], 4), dtype=np.uint8)
    rgba[:, :3] = pal.astype(np.uint8)
    return rgba.view(np.uint32).ravel()


def _check_backdrop(backdrop) -> tuple[int, int, int]:
    try:
        rgb = tuple(int(v) for v in backdrop)
        ok = len(rgb) == 3 and all(0 <= v <= 255 and v == w for v, w in zip(rgb, backdrop))
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        raise ValueError(f"backdrop must be three integers (r, g, b) in [0, 255], got {backdrop!r}")
    return rgb


def _over_backdrop(rgb: np.ndarray, backdrop) -> np.ndarray:
    """Colours ``rgb`` (K, 3) at every alpha 0 - 255 over the opaque ``backdrop``: (256, K)
    uint32 words 0xFFRRGGBB (alpha first: ``_put_pixels`` indexes ``a K + k``),
    each channel ``d(c a) + d(bg (255 - a))``: 8-bit source-over of the premultiplied
    colour, with ``d(v) = (v + (v >> 8) + 128) >> 8`` for ``v / 255`` as raster painters
    (Qt's, pixman's) divide, so that the image is what they would show (``round(v / 255)``
    but for a few values, by one). Read-only, kept for the last few colours (an image per
    edit asks for the same)."""
    rgb = np.asarray(rgb, dtype=np.uint8)
    return _over_backdrop_kept(rgb.shape[0], rgb.tobytes(), tuple(backdrop))


@functools.lru_cache(maxsize=8)
def _over_backdrop_kept(k: int, rgb_bytes: bytes, backdrop: tuple) -> np.ndarray:
    rgb = np.frombuffer(rgb_bytes, dtype=np.uint8).reshape(k, 3)
    a = np.arange(256, dtype=np.int64)[:, None, None]
    c = np.asarray(rgb, dtype=np.int64)[None, :, :]
    bg = np.asarray(backdrop, dtype=np.int64)[None, None, :]
    ch = _div255(c * a) + _div255(bg * (255 - a))
    words = ((ch[..., 0] << 16) | (ch[..., 1] << 8) | ch[..., 2] | 0xFF000000).astype(np.uint32)
    words.flags.writeable = False
    return words


def _div255(v: np.ndarray) -> np.ndarray:
    """``v / 255`` for integers v in [0, 255 * 255], as 8-bit raster blending rounds it."""
    return (v + (v >> 8) + 128) >> 8


def _boundary_word(boundary_rgba, backdrop) -> np.uint32:
    """``_draw_boundaries``' colour: ``boundary_rgba`` as an RGBA word, or over ``backdrop``."""
    rgba = np.asarray(boundary_rgba, dtype=np.uint8).reshape(4)
    if backdrop is None:
        return rgba.view(np.uint32)[0]
    return _over_backdrop(rgba[None, :3], _check_backdrop(backdrop))[int(rgba[3]), 0]


def region_image(W, b, xlim, ylim, grid, palette=None, features=(), alpha=(40, 200),
                 boundaries=True, boundary_rgba=(0, 0, 0, 255), backdrop=None):
    """RGBA image of the decision regions: ndarray of shape (grid, grid, 4), uint8.

    The hue of a pixel is ``palette[argmax_j p_j]``; its alpha grows linearly
    with the confidence ``max_j p_j`` from ``alpha[0]`` (at the uniform 1/C)
    to ``alpha[1]`` (at 1). With ``boundaries``, pixels whose argmax differs
    from their right or upper neighbour are painted ``boundary_rgba``.

    With a ``backdrop`` colour (r, g, b), the image blended over it instead, opaque: an
    ndarray of shape (grid, grid), uint32, one 0xFFRRGGBB word a pixel in the machine's
    byte order (the 32-bit RGB layout of Qt's ``Format_RGB32`` and most toolkits); each
    channel the RGBA pixel's ``c a / 255 + bg (255 - a) / 255``, each term rounded as an
    8-bit raster painter blends (see ``_over_backdrop``): what it would show.

    Parameters
    ----------
    palette : array-like of shape (>= n_classes, 3), uint8; default ``DEFAULT_PALETTE``
    alpha : (int, int) in [0, 255]
    backdrop : None, or (int, int, int) in [0, 255]

    The argmax is taken on float64 scores (as ``region_scores``); the
    confidence ``1 / sum_j exp(s_j - max_k s_k)``, which only sets an 8-bit
    alpha, is computed in float32 (it may differ from a float64 computation
    by one alpha level). Rows of pixels are processed in cache-sized blocks.

    With raw features the scores are separable, ``s_j = ax[j, c] + cy[j, r]``,
    and so is the sum: with ``Ma[c] = max_j ax[j, c]``, ``Mc[r] = max_j cy[j, r]``
    and ``D = Ma[c] + Mc[r] - max_k s_k >= 0``,
    ``sum_j exp(s_j - max_k s_k) = exp(D) * T[r, c]`` where
    ``T[r, c] = sum_j exp(ax[j, c] - Ma[c]) * exp(cy[j, r] - Mc[r])`` is a small
    float64 matrix product: one exponential per pixel instead of one per score.
    Pixels with a large ``D`` (where ``exp(-D)`` would underflow), and views
    with huge scores, take one exponential per score as with feature maps.
    """
    names, W, b, xs, ys = _region_setup(W, b, xlim, ylim, grid, features)
    g = xs.shape[0]
    C = W.shape[1]
    ax, cy = _raw_parts(W, b, xs, ys)
    if not names and _raw_scores_overflow(ax, cy):
        raise ValueError("region scores overflow: the weights are too large for this view")
    # Bad options are reported after an overflow of the scores, as region_scores
    # (called first) used to: with feature maps, overflow is only known at the end.
    option_error = None
    lo = hi = 0
    pal = DEFAULT_PALETTE if palette is None else np.asarray(palette)
    if pal.ndim != 2 or pal.shape[1] != 3 or pal.shape[0] < C:
        option_error = f"palette must have shape (>= {C}, 3), got {pal.shape}"
    else:
        lo, hi = (int(a) for a in alpha)
        if not 0 <= lo <= 255 or not 0 <= hi <= 255:
            option_error = f"alpha must be two integers in [0, 255], got {alpha!r}"
        elif backdrop is not None:
            try:
                backdrop = _check_backdrop(backdrop)
            except ValueError as exc:
                option_error = str(exc)
    if option_error and not names:
        raise ValueError(option_error)
    if not option_error:
        words = _pixel_words(pal, C, backdrop)
    img = np.empty((g * g, 4), dtype=np.uint8)
    img32 = img.reshape(-1).view(np.uint32)
    labels = _scratch("labels", g * g, np.uint8)
    rows = max(1, _REGION_BLOCK // (C * g))
    S_buf = _scratch("S", C * rows * g, np.float64)
    Z_buf = _scratch("Z", C * rows * g, np.float32)
    index = _scratch("index", rows * g, np.intp)
    span = np.float32((hi - lo) * C / (C - 1.0)) if C > 1 else np.float32(0.0)
    separable = (not names and C > 1 and span != 0
                 and float(np.abs(ax).max()) + float(np.abs(cy).max()) <= _SEPARABLE_MAX_SCORE)
    if separable:
        Ma, Mc = ax.max(axis=0), cy.max(axis=0)
        with np.errstate(under="ignore"):
            EA = np.exp(ax - Ma)  # in (0, 1], 1 at the max
            EC = np.exp(cy - Mc)
        EA /= np.float64(span)  # T / span: exp(-D) over it is span * confidence
        ECt = np.ascontiguousarray(EC.T)  # (grid, C): a block of rows is contiguous
        T_buf = _scratch("T", rows * g, np.float64)
        Q_buf = _scratch("Q", rows * g, np.float64)
        A_buf = _scratch("A", rows * g, np.float32)
    for r0 in range(0, g, rows):
        r1 = min(g, r0 + rows)
        px = slice(r0 * g, r1 * g)
        n = (r1 - r0) * g
        S = S_buf[: C * n].reshape(C, n)
        _fill_scores(S.reshape(C, r1 - r0, g), W, names, xs, ys, ax, cy, r0, r1)
        if names and not np.isfinite(S).all():
            raise ValueError("region scores overflow: the weights are too large for this view")
        if option_error:
            continue
        m = S.max(axis=0)
        lab = labels[px]
        if C <= 255:
            _first_argmax(S, m, out=lab)
        else:
            lab[:] = S.argmax(axis=0)
        if C == 1 or span == 0:
            _put_pixels(img32[px], lab, hi, words, backdrop, index[:n])
            continue
        a = None
        if separable:
            a = A_buf[:n]
            Q = Q_buf[:n].reshape(r1 - r0, g)
            np.subtract(m.reshape(r1 - r0, g), Ma, out=Q)
            np.subtract(Q, Mc[r0:r1, None], out=a.reshape(r1 - r0, g), casting="same_kind")  # -D
            far = None
            if a.min() < -_SEPARABLE_MAX_GAP:
                far = np.flatnonzero(a < -_SEPARABLE_MAX_GAP)
                if 2 * far.size > n:
                    a = None  # mostly far: the whole block per score
            if a is not None:
                T = T_buf[:n]
                np.matmul(ECt[r0:r1], EA, out=T.reshape(r1 - r0, g))
                with np.errstate(all="ignore"):  # far pixels: 0, inf or nan, replaced below
                    np.exp(a, out=a)  # exp(-D)
                    np.divide(a, T, out=a, casting="same_kind")  # span * confidence
                if far is not None:
                    k = far.size
                    a[far] = span * _exact_confidence(S[:, far], m[far], Z_buf[: C * k].reshape(C, k))
                a += np.float32(lo) - span * np.float32(1.0 / C)
        if a is None:
            a = _exact_confidence(S, m, Z_buf[: C * n].reshape(C, n))
            # alpha = lo + (hi - lo) * (conf - 1/C) / (1 - 1/C)
            a -= np.float32(1.0 / C)
            a *= span
            a += np.float32(lo)
        np.rint(a, out=a)
        np.clip(a, 0, 255, out=a)
        _put_pixels(img32[px], lab, a, words, backdrop, index[:n])
    if option_error:
        raise ValueError(option_error)
    if boundaries:
        _draw_boundaries(img32, labels, g, _boundary_word(boundary_rgba, backdrop))
    return img.reshape(g, g, 4) if backdrop is None else img32.reshape(g, g)


def _pixel_words(pal: np.ndarray, C: int, backdrop) -> np.ndarray:
    """What ``_put_pixels`` looks the pixels up in: the palette's colours as RGBA words
    (alpha 0), or, over a backdrop (checked here), ``_over_backdrop``'s table, flat."""
    if backdrop is None:
        return _palette_words(pal)
    return _over_backdrop(pal[:C], _check_backdrop(backdrop)).reshape(-1)


def _put_pixels(out32, labels, alpha, words, backdrop, index) -> None:
    """``out32`` (one 32-bit word a pixel) = the colours of ``labels`` at ``alpha`` (whole
    numbers in [0, 255]: an array, float32, or one level), from ``words``
    (``_pixel_words``): RGBA, or blended over the backdrop. ``index``: an intp scratch
    array of their size."""
    if backdrop is None:
        np.copyto(index, labels)
        np.take(words, index, out=out32, mode="clip")  # labels < C: no clipping
        out32.view(np.uint8).reshape(-1, 4)[:, 3] = alpha
        return
    k = words.shape[0] // 256  # (alpha first: a K + label)
    if isinstance(alpha, np.ndarray):
        np.multiply(alpha, k, out=index, casting="unsafe")
    else:
        index.fill(alpha * k)
    index += labels
    np.take(words, index, out=out32, mode="clip")  # (every index is in range)


def _draw_boundaries(img32: np.ndarray, labels: np.ndarray, g: int, colour) -> None:
    """Paint ``colour`` (one 32-bit word, see ``_boundary_word``) over the pixels
    (``img32``, one word each) whose label differs from their right or upper neighbour's."""
    if g < 2:
        return
    lab = labels.reshape(g, g)
    rows = max(1, (_REGION_BLOCK * 4) // g)
    edge_buf = _scratch("edge", rows * g, np.bool_)
    up_buf = _scratch("up", rows * g, np.bool_)
    for r0 in range(0, g, rows):
        r1 = min(g, r0 + rows)
        edge = edge_buf[: (r1 - r0) * g].reshape(r1 - r0, g)
        edge[:, -1] = False
        np.not_equal(lab[r0:r1, :-1], lab[r0:r1, 1:], out=edge[:, :-1])
        k = min(r1, g - 1) - r0  # rows with an upper neighbour
        if k > 0:
            up = up_buf[: k * g].reshape(k, g)
            np.not_equal(lab[r0:r0 + k], lab[r0 + 1:r0 + 1 + k], out=up)
            edge[:k] |= up
        np.copyto(img32[r0 * g:r1 * g].reshape(r1 - r0, g), colour, where=edge)


# Pixels up to which ``RegionImages`` keeps the other classes' share of an image: 13
# bytes a pixel (3.4 MB at this size, a 512 x 512 grid; 0.8 MB at the app's 250 x 250),
# formed from the other classes' scores at once (~12 bytes a score while they are).
_KEEP_OTHERS_MAX = 1 << 18


class RegionImages:
    """``region_image`` for a view that draws again after each edit, keeping work between calls.

    When an image's inputs differ from the last one's only in one class's weights (its
    column of W and its entry of b: a weight or bias typed, a slider or an arrow dragged),
    for the second time running, the other classes' share of every pixel is kept: their
    best score ``M``, its (first) class, and ``E = sum_k exp(s_k - M)`` over them. Each
    further image of that edit forms only the edited class's scores ``s_j``: its label
    comes from ``s_j`` against ``M`` (the first class among equal scores, as
    ``argmax``), so labels are exactly ``region_image``'s; its confidence is
    ``1 / (E + exp(s_j - M))``, or ``1 / (E exp(M - s_j) + 1)`` where ``s_j`` is the
    best, in float32 (within one alpha level of ``region_image``'s, as that one is of a
    float64 computation). About half the time of ``region_image`` at 5 classes. Any other
    change (several classes, the view, the options) draws the whole image.
    """

    def __init__(self):
        self._last = None  # (options, W, b) of the last image drawn
        self._edited = None  # the class whose weights alone changed before the last image
        self._others = None  # (j, M, first class, E, first > j) kept for an edit of class j
        self._grid = None  # (options, feature names, xs, ys) of the one-class images

    @property
    def kept_class(self) -> int | None:
        """The class whose edits form only its own scores now (the others' share kept)."""
        return None if self._others is None else self._others[0]

    def image(self, W, b, xlim, ylim, grid, palette=None, features=(), alpha=(40, 200),
              boundaries=True, boundary_rgba=(0, 0, 0, 255), backdrop=None) -> np.ndarray:
        """As ``region_image`` (same arguments, result and errors)."""
        try:
            W64, b64 = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
            options = repr([np.asarray(v).tolist() for v in (xlim, ylim, grid, features, alpha,
                                                             boundaries, boundary_rgba)]
                           + [None if palette is None else np.asarray(palette).tolist(),
                              None if backdrop is None else np.asarray(backdrop).tolist()])
        except (TypeError, ValueError):  # (region_image says what is wrong)
            W64 = b64 = options = None
        j = self._edited_class(options, W64, b64)
        img = None
        if j is not None and j == self._edited:
            # The same view and options as the last image: its grid serves again (checked
            # then); W and b need to be finite (their shapes are the last image's)
            if (self._grid is not None and self._grid[0] == options
                    and np.isfinite(W64).all() and np.isfinite(b64).all()):
                names, xs, ys = self._grid[1:]
            else:
                names, W64, b64, xs, ys = _region_setup(W, b, xlim, ylim, grid, features)
                self._grid = (options, names, xs, ys)
            if xs.shape[0] ** 2 <= _KEEP_OTHERS_MAX:
                pal = DEFAULT_PALETTE if palette is None else np.asarray(palette)
                img = self._image_of_one_class(j, names, W64, b64, xs, ys, pal, alpha,
                                               boundaries, boundary_rgba, backdrop)
        if img is None:
            self._others = None
            img = region_image(W, b, xlim, ylim, grid, palette, features, alpha, boundaries,
                               boundary_rgba, backdrop)
        self._last = None if options is None else (options, W64.copy(), b64.copy())
        self._edited = j
        return img

    def _edited_class(self, options, W, b):
        """The one class whose weights differ from the last image's, or None."""
        if self._last is None or options is None or W.ndim != 2 or W.shape[1] < 2:
            return None
        last_options, last_W, last_b = self._last
        if options != last_options or W.shape != last_W.shape or b.shape != last_b.shape:
            return None
        bits = np.uint64
        changed = ((W.view(bits) != last_W.view(bits)).any(axis=0)
                   | (b.view(bits) != last_b.view(bits)))
        if np.count_nonzero(changed) != 1:
            return None
        return int(np.flatnonzero(changed)[0])

    def _keep_others(self, j, names, W, b, xs, ys, g):
        """The best score, its first class and the sum of exponentials of the classes but j."""
        others = [k for k in range(W.shape[1]) if k != j]
        ax, cy = _raw_parts(W[:, others], b[others], xs, ys)
        S = np.empty((len(others), g, g))
        _fill_scores(S, W[:, others], names, xs, ys, ax, cy, 0, g)
        S = S.reshape(len(others), g * g)
        M = S.max(axis=0)
        first = _first_argmax(S, M) if len(others) <= 255 else S.argmax(axis=0).astype(np.uint8)
        first += first >= j  # (an index among the others: the class's own)
        Z = np.empty(S.shape, dtype=np.float32)
        with np.errstate(over="ignore", under="ignore"):  # far below the best: -inf, exp 0
            np.subtract(S, M, out=Z, casting="same_kind")
            np.exp(Z, out=Z)
        # each sum in [1, C - 1]; and where a tie goes to another class (its first is later)
        self._others = (j, M, first, Z.sum(axis=0), first > j)

    def _image_of_one_class(self, j, names, W, b, xs, ys, pal, alpha, boundaries,
                            boundary_rgba, backdrop=None) -> np.ndarray:
        g = xs.shape[0]
        n = g * g
        C = W.shape[1]
        # Only class j's scores are new: the others' were finite in the last image (same
        # view, same weights), so its raw parts alone are checked, and they fill its scores.
        ax, cy = _raw_parts(W[:, j:j + 1], b[j:j + 1], xs, ys)
        if not names and _raw_scores_overflow(ax, cy):
            raise ValueError("region scores overflow: the weights are too large for this view")
        s = _scratch("one_s", n, np.float64)
        _fill_scores(s.reshape(1, g, g), W[:, j:j + 1], names, xs, ys, ax, cy, 0, g)
        if names and not np.isfinite(s).all():
            raise ValueError("region scores overflow: the weights are too large for this view")
        if self._others is None or self._others[0] != j:
            self._keep_others(j, names, W, b, xs, ys, g)
        _, M, first, E, later = self._others
        d = s  # (the scores are not needed after d)
        best = _scratch("one_best", n, np.bool_)
        tie = _scratch("one_tie", n, np.bool_)
        e = _scratch("one_e", n, np.float32)
        total = _scratch("one_total", n, np.float32)
        with np.errstate(over="ignore", under="ignore"):  # (inf: far apart; exp 0)
            np.subtract(s, M, out=d)
            np.greater(d, 0.0, out=best)  # class j has the best score
            np.equal(d, 0.0, out=tie)
            tie &= later  # a tie: the first class
            best |= tie
            # exp(-|d|) in float32; the sum of every exponential relative to the best score
            np.abs(d, out=d)
            np.negative(d, out=e, casting="same_kind")
            np.exp(e, out=e)
        # the sum: 1 + E e where class j is best (e its rival's), else E + e
        np.multiply(E, e, out=total)
        total += np.float32(1.0)
        np.add(E, e, out=e)
        np.copyto(e, total, where=best)
        labels = _scratch("one_labels", n, np.uint8)
        np.copyto(labels, first)
        np.copyto(labels, np.uint8(j), where=best)
        lo, hi = (int(a) for a in alpha)
        # alpha = lo + (hi - lo) (conf - 1/C) / (1 - 1/C), conf = max_j p_j = 1 / sum: from
        # lo at conf = 1/C (a sum of C) to hi at conf = 1 (a sum of 1), rounded
        k = (hi - lo) * C / (C - 1.0)
        a = np.divide(np.float32(k), e, out=total)
        a += np.float32(lo - k / C)
        np.rint(a, out=a)
        if not (0 <= lo <= 255 and 0 <= hi <= 255):  # (else every value lies between them)
            np.clip(a, 0, 255, out=a)
        img = np.empty((n, 4), dtype=np.uint8)
        img32 = img.reshape(-1).view(np.uint32)
        _put_pixels(img32, labels, a, _pixel_words(pal, C, backdrop), backdrop,
                    _scratch("one_index", n, np.intp))
        if boundaries:
            _draw_boundaries(img32, labels, g, _boundary_word(boundary_rgba, backdrop))
        return img.reshape(g, g, 4) if backdrop is None else img32.reshape(g, g)
