"""Softmax, losses and their gradients.

Shapes follow the math of the app: ``X`` of shape (n_samples, n_features),
``W`` of shape (n_features, n_classes), ``b`` of shape (n_classes,), integer
labels ``y`` of shape (n_samples,) in [0, n_classes), and scores
``S = X @ W + b`` of shape (n_samples, n_classes).

Every function is pure (inputs are never modified), validates its input
(``ValueError`` naming the problem) and is stable for finite scores up to
1e300 in magnitude: the max-subtraction trick keeps ``exp`` from overflowing
and losses are formed as ``max(s) - s_y + log(sum(exp(s - max(s))))``, which
never takes the log of an underflowed probability.
"""

from __future__ import annotations

import math
import weakref
from typing import NamedTuple

import numpy as np

from . import _threads, _validate
from ._validate import (
    as_float_array,
    as_labels,
    as_scores,
    check_loss_name,
    check_model,
    check_nonnegative,
    check_positive,
    check_scores_and_labels,
)

__all__ = [
    "softmax",
    "log_softmax",
    "naive_softmax",
    "naive_cross_entropy",
    "cross_entropy",
    "per_sample_cross_entropy",
    "score_for_probability",
    "score_gradient",
    "softmax_jacobian",
    "multiclass_hinge",
    "per_sample_hinge",
    "hinge_score_gradient",
    "compute_scores",
    "loss_and_gradients",
    "loss_terms",
    "evaluate",
    "Evaluation",
    "BlockedEvaluation",
    "LossTerms",
    "l2_penalty",
    "predict",
    "accuracy",
]


def _shifted(s: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Return ``(s - max(s)) / T`` over the last axis, a new array (all <= 0).

    The subtraction can only overflow (to -inf, whose exp is the correct 0)
    when two float32 scores are more than ~3.4e38 apart, or when dividing by
    a tiny temperature; those overflows are expected and silenced here.
    """
    with np.errstate(over="ignore"):
        z = s - s.max(axis=-1, keepdims=True)
        if temperature != 1.0:
            z /= temperature
    return z


def _safe_mean(v: np.ndarray) -> float:
    """Mean of a float64 vector whose sum may overflow although its mean does not."""
    with np.errstate(over="ignore"):
        total = v.sum()
    if np.isfinite(total):
        return float(total / v.shape[0])
    return float((v / v.shape[0]).sum())


def softmax(scores, temperature: float = 1.0) -> np.ndarray:
    """Softmax over the last axis: ``p_j = exp(s_j / T) / sum_k exp(s_k / T)``.

    Parameters
    ----------
    scores : array-like of shape (n_classes,) or (n_samples, n_classes)
    temperature : float > 0, default 1.0
        Divides the scores; T -> 0 approaches one-hot at the argmax,
        large T approaches uniform.

    Returns
    -------
    p : ndarray of the same shape as ``scores`` (float32 stays float32,
        integers become float64); every row sums to 1.
    """
    s = as_scores(scores)
    T = check_positive(temperature, "temperature")
    z = _shifted(s, T)
    np.exp(z, out=z)
    z /= z.sum(axis=-1, keepdims=True)
    return z


def log_softmax(scores, temperature: float = 1.0) -> np.ndarray:
    """``log(softmax(scores / T))`` computed without forming tiny probabilities.

    Returns an array of the same shape as ``scores``; every entry is <= 0.
    """
    s = as_scores(scores)
    T = check_positive(temperature, "temperature")
    z = _shifted(s, T)
    z -= np.log(np.exp(z).sum(axis=-1, keepdims=True))
    return z


def naive_softmax(scores, temperature: float = 1.0) -> np.ndarray:
    """The textbook ``exp(s / T) / sum(exp(s / T))`` WITHOUT the max-subtraction trick.

    For teaching only: at scores above ~710 (float64) ``exp`` overflows to inf
    and the result holds NaN. Overflow warnings are silenced on purpose; the
    returned array shows the failure. Shape as ``softmax``.
    """
    s = as_scores(scores)
    T = check_positive(temperature, "temperature")
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(s / T) if T != 1.0 else np.exp(s)
        return e / e.sum(axis=-1, keepdims=True)


def naive_cross_entropy(scores, y, temperature: float = 1.0) -> float:
    """``-log(naive_softmax(s / T)[y])`` for one score vector: inf or NaN where it overflows.

    For teaching only, beside ``cross_entropy``, which is always finite.
    """
    s = as_scores(scores)
    if s.ndim != 1:
        raise ValueError(f"scores must be one vector, got shape {s.shape}")
    lab = int(as_labels(y, s.shape[0], None))
    p = naive_softmax(s, temperature)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.log(p[lab]))


def score_for_probability(scores, j: int, q: float) -> float:
    """The score s_j that makes ``softmax(scores)[j] == q`` with the other scores fixed.

    Solves ``e^{s_j} / (e^{s_j} + R) = q`` with ``R = sum_{k != j} e^{s_k}``:
    ``s_j = log(q) - log(1 - q) + log(R)``, with ``log R`` formed stably.

    Parameters
    ----------
    scores : array-like of shape (n_classes,), n_classes >= 2
    j : int in [0, n_classes)
    q : float in (0, 1)

    Returns
    -------
    s_j : float
    """
    s = as_scores(scores)
    if s.ndim != 1 or s.shape[0] < 2:
        raise ValueError(f"scores must be one vector of at least 2 classes, got shape {s.shape}")
    j = int(as_labels(j, s.shape[0], None, name="j"))
    if isinstance(q, (bool, np.bool_)) or not np.isscalar(q) or not 0.0 < float(q) < 1.0:
        raise ValueError(f"q must be a probability strictly between 0 and 1, got {q!r}")
    q = float(q)
    others = np.delete(s.astype(np.float64), j)
    m = others.max()
    log_r = m + np.log(np.exp(others - m).sum())
    return float(np.log(q) - np.log1p(-q) + log_r)


def per_sample_cross_entropy(scores, y, temperature: float = 1.0) -> np.ndarray:
    """Per-sample loss ``L_i = -log p_{y_i}`` with ``p = softmax(s / T)``.

    Parameters
    ----------
    scores : array-like of shape (n_samples, n_classes) or (n_classes,)
    y : int array of shape (n_samples,), or one int for a single score vector
    temperature : float > 0, default 1.0

    Returns
    -------
    losses : float64 ndarray of shape (n_samples,) (shape (1,) for one vector)
    """
    s, lab, _ = check_scores_and_labels(scores, y)
    T = check_positive(temperature, "temperature")
    return _cross_entropy_rows(s, lab, T)


def _cross_entropy_rows(s: np.ndarray, lab: np.ndarray, T: float = 1.0) -> np.ndarray:
    rows = np.arange(s.shape[0])
    m = s.max(axis=1)
    z = _shifted(s, T)
    sumexp = np.exp(z).sum(axis=1)
    # (max(s) - s_y) / T is formed in float64 so that float32 scores far apart
    # cannot overflow; log(sumexp) is in [0, log C].
    gap = m.astype(np.float64) - s[rows, lab].astype(np.float64)
    if T != 1.0:
        with np.errstate(over="ignore"):
            gap /= T
    return gap + np.log(sumexp.astype(np.float64))


def cross_entropy(scores, y, temperature: float = 1.0) -> float:
    """Mean cross-entropy loss ``mean_i(-log p_{y_i})`` (>= 0), ``p = softmax(s / T)``.

    Parameters
    ----------
    scores : array-like of shape (n_samples, n_classes), or (n_classes,) with
        an int ``y`` for one sample
    y : int array of shape (n_samples,) with values in [0, n_classes)
    temperature : float > 0, default 1.0

    Returns
    -------
    loss : float
    """
    return _safe_mean(per_sample_cross_entropy(scores, y, temperature))


def score_gradient(scores, y, temperature: float = 1.0) -> np.ndarray:
    """Per-sample gradient of the cross-entropy w.r.t. the scores: ``p - onehot(y)``.

    Not averaged over samples. With a temperature, ``p = softmax(s / T)`` and
    the gradient is ``(p - onehot(y)) / T``. Returns an array of the same
    shape as ``scores``; every row sums to 0, the entry at the true class is
    ``p_y - 1`` (in [-1, 0]) and the others are ``p_j`` (in [0, 1]) (at T = 1).
    """
    s, lab, single = check_scores_and_labels(scores, y)
    T = check_positive(temperature, "temperature")
    g = softmax(s, T)
    g[np.arange(g.shape[0]), lab] -= 1
    if T != 1.0:
        with np.errstate(over="ignore"):
            g /= T
        if not np.all(np.isfinite(g)):
            raise ValueError(f"the gradient overflows at temperature {T:g}; use a larger temperature")
    return g[0] if single else g


def softmax_jacobian(scores, temperature: float = 1.0) -> np.ndarray:
    """Jacobian of the softmax, ``dp/ds = diag(p) - outer(p, p)``.

    With a temperature, ``p = softmax(s / T)`` and ``dp/ds = (diag(p) - p pᵀ) / T``.

    Parameters
    ----------
    scores : array-like of shape (n_classes,), or (n_samples, n_classes)
    temperature : float > 0, default 1.0

    Returns
    -------
    J : ndarray of shape (n_classes, n_classes) with ``J[i, j] = dp_i / ds_j``,
        or (n_samples, n_classes, n_classes) for a batch. Symmetric, rows sum to 0.
    """
    T = check_positive(temperature, "temperature")
    p = softmax(scores, T)
    J = -p[..., :, None] * p[..., None, :]
    idx = np.arange(p.shape[-1])
    J[..., idx, idx] += p
    if T != 1.0:
        with np.errstate(over="ignore"):
            J /= T
        if not np.all(np.isfinite(J)):
            raise ValueError(f"the Jacobian overflows at temperature {T:g}; use a larger temperature")
    return J


def _hinge_margins(s: np.ndarray, lab: np.ndarray, margin: float) -> np.ndarray:
    """``s_j - s_y + margin`` with the true-class entries set to 0, in float64."""
    s64 = s.astype(np.float64)
    rows = np.arange(s.shape[0])
    M = s64 - s64[rows, lab][:, None]
    M += margin
    M[rows, lab] = 0.0
    return M


def per_sample_hinge(scores, y, margin: float = 1.0) -> np.ndarray:
    """Per-sample multiclass SVM loss ``sum_{j != y} max(0, s_j - s_y + margin)``.

    Returns a float64 ndarray of shape (n_samples,) (shape (1,) for one vector).
    """
    s, lab, _ = check_scores_and_labels(scores, y)
    margin = check_nonnegative(margin, "margin")
    return np.maximum(_hinge_margins(s, lab, margin), 0.0).sum(axis=1)


def multiclass_hinge(scores, y, margin: float = 1.0) -> float:
    """Mean multiclass SVM (hinge) loss, for comparison with cross-entropy.

    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)``; shapes as
    ``cross_entropy``. Returns a float >= 0.
    """
    return _safe_mean(per_sample_hinge(scores, y, margin))


def hinge_score_gradient(scores, y, margin: float = 1.0) -> np.ndarray:
    """Per-sample subgradient of the hinge loss w.r.t. the scores.

    ``dL/ds_j = [m_j > 0]`` for ``j != y`` and ``dL/ds_y = -sum_j [m_j > 0]``
    where ``m_j = s_j - s_y + margin`` (a margin term counts only when
    strictly positive). Same shape and dtype as ``scores``.
    """
    s, lab, single = check_scores_and_labels(scores, y)
    margin = check_nonnegative(margin, "margin")
    pos = _hinge_margins(s, lab, margin) > 0
    g = pos.astype(s.dtype)
    g[np.arange(s.shape[0]), lab] = -pos.sum(axis=1)
    return g[0] if single else g


def _scores_unchecked(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``X @ W + b`` (n_samples, n_classes), by blocks of rows (see ``_rows_per_block``)."""
    n = X.shape[0]
    k = _rows_per_block(W.shape[1], W.shape[0])
    with np.errstate(over="ignore", invalid="ignore"):
        if n <= k:
            S = X @ W
        else:
            S = np.empty((n, W.shape[1]), dtype=np.result_type(X, W))
            for start in range(0, n, k):
                np.dot(X[start:start + k], W, out=S[start:start + k])
        S += b
    return S


def compute_scores(W, b, X) -> np.ndarray:
    """Scores ``S = X @ W + b``.

    Parameters
    ----------
    W : array-like of shape (n_features, n_classes)
    b : array-like of shape (n_classes,)
    X : array-like of shape (n_samples, n_features)

    Returns
    -------
    S : ndarray of shape (n_samples, n_classes)

    Raises ``ValueError`` if a score overflows (is not finite).
    """
    W, b, X = check_model(W, b, X)
    S = _scores_rowwise(W, b, X)
    if not np.all(np.isfinite(S)):
        raise ValueError("scores X @ W + b overflow: the weights or points are too large")
    return S


def _scores_rowwise(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``X @ W + b`` summed feature by feature in a fixed order.

    Each row's scores are then bitwise the same whether it is computed alone
    or with any other rows (a BLAS product may round differently by batch
    size), so a point's scores read the same in every view.
    """
    n, D = X.shape
    S = np.empty((n, W.shape[1]), dtype=np.result_type(X, W))
    k = max(1, _rows_per_block(W.shape[1], D))
    with np.errstate(over="ignore", invalid="ignore"):
        for start in range(0, n, k):
            Xb, Sb = X[start:start + k], S[start:start + k]
            np.multiply(Xb[:, :1], W[0], out=Sb)
            for d in range(1, D):
                Sb += Xb[:, d:d + 1] * W[d]
            Sb += b
    return S


def predict(W, b, X) -> np.ndarray:
    """Predicted class ``argmax_j S[i, j]``: int64 ndarray of shape (n_samples,)."""
    return compute_scores(W, b, X).argmax(axis=1)


def accuracy(W, b, X, y) -> float:
    """Fraction of samples whose argmax score is the true label (in [0, 1])."""
    W, b, X = check_model(W, b, X)
    if X.shape[0] == 0:
        raise ValueError("X has no samples; accuracy is undefined")
    lab = as_labels(y, W.shape[1], X.shape[0])
    return float(np.mean(predict(W, b, X) == lab))


class LossTerms(NamedTuple):
    """The loss of a model on a dataset, split into terms, with its gradients."""

    total: float
    data: float
    penalty: float
    dW: np.ndarray
    db: np.ndarray


def l2_penalty(W, reg: float) -> float:
    """``reg * sum(W**2)`` as a float; ValueError if it overflows."""
    return _l2_penalty(as_float_array(W, "W", (1, 2)), check_nonnegative(reg, "reg"))


def _l2_penalty(W: np.ndarray, reg: float) -> float:
    if reg == 0.0:
        return 0.0
    with np.errstate(over="ignore"):
        w64 = W.astype(np.float64, copy=False)
        penalty = reg * float(np.dot(w64.ravel(), w64.ravel()))
    if not np.isfinite(penalty):
        raise ValueError("the L2 penalty reg * sum(W**2) overflows: W or reg is too large")
    return penalty


def _loss_terms_reference(W, b, X, y, reg, loss):
    """The straightforward ``loss_terms`` on validated arrays of one dtype.

    One (n_samples, n_classes) score matrix and whole-array NumPy operations.
    ``_loss_terms_unchecked`` computes the same values faster and falls back
    to this function whenever anything overflows, so that every error (and
    its message) comes from here.
    """
    n = X.shape[0]
    rows = np.arange(n)
    S = _scores_unchecked(W, b, X)
    sy = S[rows, y]
    if loss == "softmax":
        m = S.max(axis=1)
        if not np.all(np.isfinite(m)):
            raise ValueError("scores X @ W + b overflow: the weights or points are too large")
        with np.errstate(over="ignore"):
            S -= m[:, None]
        np.exp(S, out=S)
        sumexp = S.sum(axis=1)
        with np.errstate(over="ignore"):
            per_sample = (m.astype(np.float64) - sy) + np.log(sumexp, dtype=np.float64)
        S /= sumexp[:, None]  # S now holds P
        S[rows, y] -= 1  # and now P - Y
        G = S
    else:  # "svm"; margins in float64 so that float32 scores far apart cannot overflow
        dtype = S.dtype
        S = S.astype(np.float64)
        S -= sy.astype(np.float64)[:, None]
        S += 1.0
        S[rows, y] = 0.0
        pos = S > 0
        np.maximum(S, 0.0, out=S)
        per_sample = S.sum(axis=1)
        G = pos.astype(dtype)
        G[rows, y] = -pos.sum(axis=1)
    data_loss = _safe_mean(per_sample)
    if not np.isfinite(data_loss):
        raise ValueError("the loss overflows: the scores X @ W + b are too large")
    with np.errstate(over="ignore", invalid="ignore"):
        dW = X.T @ G
        dW /= n
    if not np.all(np.isfinite(dW)):
        raise ValueError("the gradient X.T @ (P - Y) overflows: the points are too large")
    db = G.sum(axis=0)
    db /= n
    return _with_penalty(W, reg, data_loss, dW, db)


def _with_penalty(W, reg: float, data_loss: float, dW, db) -> LossTerms:
    """``LossTerms`` from the mean data loss and its gradients: adds ``reg * sum(W**2)``
    and ``2 * reg * W`` (in place into ``dW``)."""
    if reg:
        with np.errstate(over="ignore"):
            dW += (2.0 * reg) * W
        if not np.all(np.isfinite(dW)):
            raise ValueError("the gradient 2 * reg * W overflows: W or reg is too large")
    penalty = _l2_penalty(W, reg)
    return LossTerms(data_loss + penalty, data_loss, penalty, dW, db)


# Score entries (classes x samples) per block of the fused pass: large enough
# that NumPy's per-call overhead is amortised over many samples, small enough
# that a block and its temporaries stay in the CPU cache while they are reused
# (benchmarks/engine.py: whole-array passes are up to 2x slower at 10**6 samples).
_BLOCK_ENTRIES = 1 << 17
_MIN_BLOCK = 1024
# OpenBLAS multithreads a GEMM once M * N * K exceeds 65536 * 4. For the
# engine's products (K = n_features, 2..7) that buys nothing, and on a busy
# 2-core machine a threaded product waits for the other core: we measured
# (100000, 2) @ (2, 5) at a 0.6 ms median but a 34 ms 90th percentile, against
# 0.9 ms single-threaded. Every product here stays at or below this size.
_SERIAL_GEMM = 1 << 18
# Bytes of one per-sample vector of a block at most (best scores, label scores, sums,
# losses: ~10 such vectors per block): 32,768 float64 samples, 65,536 float32. With
# more, they crowd the block's scores out of the CPU's 512 KiB L2 cache: at 2 or 3
# classes (65,536 or 43,690 rows by _BLOCK_ENTRIES alone) a float64 pass over 100,000
# samples ran 10 - 25 % slower. (Capped at 16,384 rows the 2 - 3 class passes gained
# a little more, but an edit's ``reweighted`` at 5 classes, with less work per block,
# lost ~15 % to the extra blocks.)
_BLOCK_ROW_BYTES = 1 << 18
# Scores (samples x classes) from which a pass shares its blocks with a helper thread
# (``_threads``): below it a pass takes ~1 ms and the hand-over would cost more than
# it saves.
_SHARED_PASS_MIN = 1 << 17


def _rows_per_block(n_classes: int, n_features: int) -> int:
    """Samples per block: cache-sized, and a single-threaded BLAS product."""
    return max(_MIN_BLOCK, min(_BLOCK_ENTRIES // n_classes,
                               _SERIAL_GEMM // (n_classes * max(n_features, 1))))


def _block_rows(n: int, n_classes: int, n_features: int, itemsize: int = 8) -> int:
    """Rows per block of ``_fused_pass`` over n samples of ``itemsize``-byte floats (the
    last block may be shorter)."""
    cache_rows = max(_MIN_BLOCK, _BLOCK_ROW_BYTES // itemsize)
    return max(1, min(n, _rows_per_block(n_classes, n_features), cache_rows))


def _count_per_sample(B: np.ndarray) -> np.ndarray:
    """``np.count_nonzero(B, axis=0)`` of a (n_classes, n) bool array: for fewer than 255
    classes, as bytes added row by row (~3x quicker than counting into 64-bit integers)."""
    if B.shape[0] < 255:
        return np.add.reduce(B.view(np.uint8), axis=0, dtype=np.uint8)
    return np.count_nonzero(B, axis=0)


# The shift of a sample's scores before their exponentials (softmax): its best score
# rounded down to a multiple of this (a power of 2: ``_shift`` is exact), so that the
# largest exponential lies in [1, e**8] and their sum in [1, C e**8], far from overflow
# and underflow as with the best score itself. An edit of one class's weights moves the
# best score of every sample where that class leads, but this shift of few of them: a
# pass that reuses the exponentials (``_exps_again``) forms the other classes' again only
# there (~1 % of the samples of the edited class, against all of them).
_SHIFT_STEP = 8.0


def _shift(m: np.ndarray) -> np.ndarray:
    """``_SHIFT_STEP * floor(m / _SHIFT_STEP)`` (each step exact: a power of 2), in m's
    dtype, and never above m (m itself for the few negative values so near 0 that
    ``m / 8`` rounds to 0); inf and NaN stay so."""
    sh = np.multiply(m, 1.0 / _SHIFT_STEP)
    np.floor(sh, out=sh)
    sh *= _SHIFT_STEP
    np.minimum(sh, m, out=sh)
    return sh


def _log_chunk(n_classes: int) -> int:
    """How many of the per-sample sums ``se_i = sum_j exp(s_ij - shift_i)`` in
    [1, n_classes e**_SHIFT_STEP] ``_sum_of_logs`` multiplies before a log: 64 (quickest
    here, by blocks of 13,000 - 33,000 samples), fewer if their product could pass
    e**690 (~1e300)."""
    return max(1, min(64, int(690.0 / (math.log(max(n_classes, 1)) + _SHIFT_STEP))))


def _sum_of_logs(v: np.ndarray, k: int) -> float:
    """``sum(log(v))`` for values in [1, c] with ``c ** k < 1e300`` (``_log_chunk``): the
    logs of products of k values each (float64), one log for k values instead of one
    each (a float64 log is ~8 ns a value here, a product ~0.5 ns: 6 - 13x quicker by
    blocks). Rounding: each product of k values is within k ulps, as k logs added up
    are. inf or NaN in v give inf or NaN."""
    n = v.shape[0]
    q = n // k
    total = 0.0
    if q:  # k rows of q: the products run down the columns, elementwise
        total = float(np.log(np.multiply.reduce(v[: q * k].reshape(k, q), axis=0,
                                                dtype=np.float64)).sum())
    if n > q * k:
        total += float(np.log(np.multiply.reduce(v[q * k:], dtype=np.float64)))
    return total


def _fused_pass(W, b, X, y, loss, count_correct, losses=None, parts=None, exps=None,
                reuse=None):
    """The data term of ``loss_terms`` in one blockwise, classes-first pass.

    Scores are formed as ``S.T = W.T @ X.T`` (n_classes rows of contiguous
    samples), so that every per-sample reduction over the classes is an
    elementwise operation between C contiguous rows rather than a reduction
    over a short inner axis, and blocks of samples stay in cache from the
    scores to their share of ``dW``. Nothing is validated here.

    Returns ``(loss_sum, GX, g_sum, n_correct)``: the float64 sum of the
    per-sample losses (softmax: the differences ``shift - s_y`` added up, plus the logs
    of the sums of exponentials by ``_sum_of_logs``, whether or not ``losses`` is asked
    for; ``shift``: float64 scores' best rounded down to a multiple of ``_SHIFT_STEP``,
    float32 scores' best itself; per-sample losses below 0 by rounding are 0);
    ``GX = G.T @ X`` of shape (n_classes, n_features) and
    ``g_sum`` (n_classes,), the column sums of ``G = dL_i/ds_i``, both
    unscaled; and the number of samples whose (first) argmax score is their
    label, or 0 unless ``count_correct``. The per-sample losses are written
    to ``losses`` if it is an array (float64, shape (n_samples,)); if it is a list,
    it receives each block's ``(start, stop, a, s)`` instead, from which
    ``_losses_from_pieces`` forms them when they are asked for: the per-sample logs
    (~8 ns a sample, ~10 % of a pass) are then left out of the pass. ``parts``, a list if
    given, receives each block's share, ``(start, stop, loss_sum, GX, g_sum,
    n_correct)``, which ``_sum_parts`` adds up as this pass does. Returns None when
    anything is not finite: the caller then runs ``_loss_terms_reference``,
    which raises the documented error, or computes an overflowing sum's
    finite mean. Call under ``np.errstate(all="ignore")``.

    Softmax only: ``exps``, a list if given, receives each block's ``(m, E, f, x_max)``,
    its samples' shifts ``m``, ``E = exp(S - m)`` (C, L), the flat indices of their
    labels' scores in S and the largest |x| (None unless ``count_correct``): these two
    depend on the samples alone, and a pass that reuses them forms them no more.
    ``reuse = (changed, old)``:
    ``old`` such a list from a pass over the same samples and blocks, ``changed`` (bool,
    (C,)) the classes whose column of W or entry of b differ from that pass's. E is
    then formed again only in the changed classes' rows and in the samples whose shift
    moved, the most costly part of a pass (``np.exp``) for an edit of one class:
    the other entries are the same operations on the same numbers (a BLAS product
    forms each score from its own class's column, whatever the others hold), so the
    result equals a whole pass's bit for bit.
    """
    n, D = X.shape
    C = W.shape[1]
    dt = X.dtype
    k = _block_rows(n, C, D, dt.itemsize)
    WT = W.T
    bcol = b[:, None]
    blocks = n > k
    if blocks:  # reused by every block
        offsets = np.arange(k)
    softmax = loss == "softmax"
    lazy_losses = isinstance(losses, list)
    log_chunk = _log_chunk(C)
    if count_correct:
        # A bound on how far these scores (a BLAS product) and ``_scores_rowwise``'s
        # (what ``accuracy`` uses) can each be from the exact ones: rows whose label is
        # within it of the best score are decided the way ``accuracy`` decides them.
        w_sum = float(np.abs(W).sum(axis=0).max()) if W.size else 0.0
        b_max = float(np.abs(b).max()) if b.size else 0.0
        tol_scale = 4.0 * (D + 2) * float(np.finfo(dt).eps)

    def one_block(block, scratch):
        """Block ``block``'s ``(share, piece, exps)``; ``scratch`` holds the running
        thread's buffers (blocks may run on two threads: see ``_threads``)."""
        start = block * k
        stop = min(start + k, n)
        L = stop - start
        Xb, yb = (X[start:stop], y[start:stop]) if blocks else (X, y)
        kept = None if reuse is None else reuse[1][block]
        if blocks:
            if not scratch:
                scratch["buf"] = np.empty(C * k, dtype=dt)
                scratch["flat"] = np.empty(k, dtype=np.intp)
            S = np.dot(WT, Xb.T, out=scratch["buf"][: C * L].reshape(C, L))
        else:
            S = np.dot(WT, Xb.T)
        # S.flat[f] is each sample's true-class score: no (L, C) fancy-index temporaries
        if kept is not None:
            f = kept[2]  # (the same labels and blocks)
        elif blocks:
            f = scratch["flat"][:L]
            np.multiply(yb, L, out=f)
            f += offsets[:L]
        else:
            f = yb * L
            f += np.arange(L)
        S += bcol
        Sf = S.reshape(-1)
        sy = Sf.take(f)
        m = S.max(axis=0)
        x_max = None
        exps_entry = piece = None
        if count_correct:
            x_max = kept[3] if kept is not None and kept[3] is not None else \
                float(np.abs(Xb).max()) if Xb.size else 0.0
            tol = tol_scale * (x_max * w_sum + b_max)
            gap = m - sy  # >= 0; 0 where the label has the best score
        if softmax:
            exact = dt == np.float64
            shift = _shift(m) if exact else m  # (see _SHIFT_STEP)
            if count_correct and exact:
                # classes within tol of the best score (the best one included)
                near = _count_per_sample(S >= m - tol)
            if reuse is None:
                S -= shift
                np.exp(S, out=S)
                E = S
            else:
                E = _exps_again(S, shift, reuse[0], kept[0], kept[1])
            if exps is not None:
                exps_entry = (shift, E.copy() if E is S else E,
                              f.copy() if blocks and kept is None else f, x_max)
            if count_correct and not exact:
                # the same from the exponentials (float32 scores' shift is the best score)
                near = _count_per_sample(E >= math.exp(-tol)) if tol < 700 else np.full(L, C)
            se = E.sum(axis=0)
            # L_i = (shift - s_y) + log(se_i), in float64 (shift - s_y may exceed float32)
            ps = shift - sy if exact else np.subtract(shift, sy, dtype=np.float64)
            block_loss = float(ps.sum()) + _sum_of_logs(se, log_chunk)
            if lazy_losses:
                piece = (start, stop, ps, se)
                inverse = np.reciprocal(se)  # (se kept for the losses)
            else:
                if losses is not None:
                    ps += np.log(se, dtype=np.float64)
                    np.maximum(ps, 0.0, out=ps)  # (>= 0 but for rounding)
                    losses[start:stop] = ps
                inverse = np.reciprocal(se, out=se)
            np.multiply(E, inverse, out=S)  # P (over the scores, no longer needed)
            Sf[f] -= 1  # P - Y
            G = S
        else:  # "svm": margins in float64, as in the reference
            M = S if dt == np.float64 else S.astype(np.float64)
            M -= sy
            M += 1.0
            M.reshape(-1)[f] = 0.0
            if count_correct:
                # classes within tol of the label's score (margin >= 1 - tol), and the label
                near = _count_per_sample(M >= 1.0 - tol) + 1 if tol < 0.5 else np.full(L, C)
            pos = M > 0
            np.maximum(M, 0.0, out=M)
            ps = M.sum(axis=0)
            block_loss = ps.sum()
            if lazy_losses:
                piece = (start, stop, ps, None)
            elif losses is not None:
                losses[start:stop] = ps
            G = pos.astype(dt)
            G.reshape(-1)[f] = -pos.sum(axis=0)
        block_correct = 0
        if count_correct:
            # Sure: the label has the best score and every other class is more than tol
            # below it. Sure wrong: the label is more than tol below the best. The rest
            # (ties, near-ties within rounding) as ``accuracy``: first maximum of the
            # row-independent scores.
            close = gap <= tol
            sure = close & (gap == 0) & (near == 1)
            block_correct = int(np.count_nonzero(sure))
            close &= ~sure
            if close.any():
                i = np.flatnonzero(close)
                Ss = _scores_rowwise(W, b, Xb[i])
                block_correct += int(np.count_nonzero(Ss.argmax(axis=1) == yb[i]))
        share = (start, stop, block_loss, np.dot(G, Xb), G.sum(axis=1), block_correct)
        return share, piece, exps_entry

    done, _ = _threads.run_blocks(-(-n // k), one_block, share=n * C >= _SHARED_PASS_MIN)
    shares = [share for share, _, _ in done]
    if lazy_losses:
        losses.extend(piece for _, piece, _ in done)
    if exps is not None and softmax:
        exps.extend(entry for _, _, entry in done)
    if parts is not None:
        parts.extend(shares)
    return _sum_parts(shares)


def _exps_again(S, m, changed, m_old, E_old):
    """``exp(S - m)`` of a block, from the one of a pass whose scores differ from ``S``
    at most in the ``changed`` classes' rows, with shifts ``m_old`` (see ``_shift``) and
    exponentials ``E_old``, which become the new ones (in place): the changed rows
    whole, and the other rows at the samples whose shift moved, each entry by the
    same two operations as a whole pass (a class's row at a time: no (C, moved) copies,
    and no second exponential of a changed row's moved samples)."""
    E = E_old
    rows = changed.tolist()
    for j, again in enumerate(rows):
        if again:
            np.subtract(S[j], m, out=E[j])
            np.exp(E[j], out=E[j])
    moved = np.flatnonzero(m != m_old)  # (and NaN)
    if moved.size and not all(rows):
        m_moved = m.take(moved)
        part = np.empty(moved.size, dtype=S.dtype)
        for j, again in enumerate(rows):
            if not again:
                np.take(S[j], moved, out=part)
                part -= m_moved
                np.exp(part, out=part)
                np.put(E[j], moved, part)
    return E


def _sum_parts(parts):
    """``_fused_pass``'s result from its blocks' shares, added up in order: the pass
    itself ends here, so shares kept from several passes add up to the very sums one
    pass over them all gives. None when a sum is not finite: a non-finite score or
    loss makes the loss sum inf or NaN (each per-sample loss is >= 0 or NaN); then G
    and its column sums are finite and only G.T @ X can still overflow."""
    total = 0.0
    correct = 0
    GX = g_sum = None
    for _start, _stop, block_total, block_GX, block_g_sum, block_correct in parts:
        total += block_total
        correct += block_correct
        if GX is None:
            GX, g_sum = block_GX.copy(), block_g_sum.copy()
        else:
            GX += block_GX
            g_sum += block_g_sum
    if not (math.isfinite(total) and np.isfinite(GX).all()):
        return None
    return total, GX, g_sum, correct


def _losses_from_pieces(pieces, n: int) -> np.ndarray:
    """The per-sample losses (float64, shape (n,)) from the pieces a pass leaves when
    ``losses`` is a list (see ``_fused_pass``): ``(start, stop, a, s)`` with
    ``L = a + log(s)`` (softmax), or ``L = a`` when ``s`` is None; bit for bit the
    losses the pass writes into an array."""
    out = np.empty(n)
    for start, stop, a, s in pieces:
        if s is None:
            out[start:stop] = a
        else:
            part = np.add(a, np.log(s, dtype=np.float64), out=out[start:stop])
            np.maximum(part, 0.0, out=part)  # (>= 0 but for rounding)
    return out


def _terms_from_sums(W, reg, n, total, GX, g_sum) -> LossTerms:
    data_loss = max(0.0, float(total / n))  # (>= 0 but for rounding)
    dW = GX.T.copy()
    dW /= n
    db = g_sum
    db /= n
    return _with_penalty(W, reg, data_loss, dW, db)


def _evaluate_fresh(W, b, X, y, reg, loss, count_correct, losses=None, parts=None, exps=None):
    n = X.shape[0]
    with np.errstate(all="ignore"):
        r = _fused_pass(W, b, X, y, loss, count_correct, losses, parts, exps)
    if r is None:
        if parts is not None:
            parts.clear()  # (not a sum of blocks)
        if exps is not None:
            exps.clear()
        terms = _loss_terms_reference(W, b, X, y, reg, loss)  # raises if anything overflows
        correct = 0
        if count_correct or losses is not None:
            with np.errstate(all="ignore"):
                S = _scores_unchecked(W, b, X)
            correct = int(np.count_nonzero(S.argmax(axis=1) == y))
            if losses is not None:
                rows = _cross_entropy_rows(S, y) if loss == "softmax" else \
                    np.maximum(_hinge_margins(S, y, 1.0), 0.0).sum(axis=1)
                if isinstance(losses, list):
                    losses[:] = [(0, n, rows, None)]
                else:
                    losses[:] = rows
        return terms, correct
    total, GX, g_sum, correct = r
    return _terms_from_sums(W, reg, n, total, GX, g_sum), correct


# The last large evaluation, to answer a repeated question without a pass over
# the data: the app's scene evaluates the full batch after each training tick
# and the next full-batch SGD step asks for the very same loss and gradient.
# Only used when X and y are read-only (see ``_validate._immutable``), keyed by
# their identity (weak references) and by the exact bytes of W and b.
_last_evaluation = None


def _evaluation_key(W, b, X, y, reg, loss):
    if X.size < _validate._MEMO_MIN_SIZE or not (_validate._immutable(X) and _validate._immutable(y)):
        return None
    return (W.dtype.str, W.shape, W.tobytes(), b.tobytes(), X.dtype.str, reg, loss)


def _evaluate_unchecked(W, b, X, y, reg, loss, count_correct=False, losses=None, parts=None,
                        exps=None):
    """``(LossTerms, n_correct)`` on validated arrays of one dtype (``n_correct`` is
    0 unless ``count_correct``); per-sample losses are written to ``losses`` if given,
    and the blocks' shares to ``parts`` (see ``_fused_pass``; left empty if the sums
    were not formed from blocks)."""
    global _last_evaluation
    key = _evaluation_key(W, b, X, y, reg, loss)
    last = _last_evaluation
    if key is not None and last is not None and losses is None and parts is None:
        lkey, xref, yref, terms, correct = last
        if lkey == key and xref() is X and yref() is y and (correct is not None or not count_correct):
            # copies: callers may modify what they get
            return terms._replace(dW=terms.dW.copy(), db=terms.db.copy()), (correct or 0)
    terms, correct = _evaluate_fresh(W, b, X, y, reg, loss, count_correct, losses, parts, exps)
    if key is not None:
        _last_evaluation = (key, weakref.ref(X), weakref.ref(y), terms._replace(dW=terms.dW.copy(), db=terms.db.copy()),
                            correct if count_correct else None)
    return terms, correct


def _loss_terms_unchecked(W, b, X, y, reg, loss):
    """The work of ``loss_terms`` on validated arrays of one dtype (see ``_fused_pass``)."""
    return _evaluate_unchecked(W, b, X, y, reg, loss)[0]


def _loss_and_gradients_unchecked(W, b, X, y, reg, loss):
    t = _loss_terms_unchecked(W, b, X, y, reg, loss)
    return t.total, t.dW, t.db


def _check_loss_args(W, b, X, y, reg, loss):
    W, b, X = check_model(W, b, X)
    if X.shape[0] == 0:
        raise ValueError("X has no samples (shape (0, D)); the mean loss is undefined")
    y = as_labels(y, W.shape[1], X.shape[0])
    return W, b, X, y, check_nonnegative(reg, "reg"), check_loss_name(loss)


def loss_terms(W, b, X, y, reg: float = 0.0, loss: str = "softmax") -> LossTerms:
    """``loss_and_gradients`` with the loss split into its two terms.

    Returns a ``LossTerms(total, data, penalty, dW, db)`` where
    ``total = data + penalty``, ``data`` is the mean data loss and
    ``penalty = reg * sum(W**2)``. Arguments as ``loss_and_gradients``.
    """
    return _loss_terms_unchecked(*_check_loss_args(W, b, X, y, reg, loss))


class Evaluation(NamedTuple):
    """Everything the app shows about a model on a dataset, from one pass over it."""

    terms: LossTerms  # as ``loss_terms``
    accuracy: float  # as ``accuracy``
    losses: np.ndarray  # per-sample data losses L_i, float64 of shape (n_samples,)


def evaluate(W, b, X, y, reg: float = 0.0, loss: str = "softmax") -> Evaluation:
    """``loss_terms``, ``accuracy`` and the per-sample losses in one pass over the data.

    Arguments as ``loss_and_gradients``. ``accuracy`` is the fraction of
    samples whose first maximal score is at their label (as ``accuracy``);
    ``losses[i]`` is ``per_sample_cross_entropy`` (softmax) or
    ``per_sample_hinge`` (svm) of sample i's scores.
    """
    W, b, X, y, reg, loss = _check_loss_args(W, b, X, y, reg, loss)
    losses = np.empty(X.shape[0])
    terms, correct = _evaluate_unchecked(W, b, X, y, reg, loss, count_correct=True, losses=losses)
    return Evaluation(terms, correct / X.shape[0], losses)


# Scores (samples x classes) up to which a ``BlockedEvaluation`` keeps each block's
# exponentials when asked (``keep_exps``): 8 bytes per score, ~4 MB at 100,000 points
# and 5 classes. Beyond, ``reweighted`` makes one full pass.
_KEEP_EXPS_MAX = 1 << 21


class BlockedEvaluation:
    """``evaluate`` that keeps each block's share of the sums: after a few points move,
    ``moved`` evaluates only the blocks of rows that hold them; made with ``in_steps``,
    ``advance`` evaluates a few blocks at a time (e.g. per animation frame, so that no
    frame pays for a large dataset whole).

    ``result`` is the ``Evaluation`` of (W, b) on (X, y), equal bit for bit to
    ``evaluate``'s: the pass over the data forms its sums block by block (see
    ``_fused_pass``); here each block's share is formed the same way, and the shares
    are added up in the same order. ``terms`` and ``accuracy`` are its first two
    fields; the per-sample losses (``losses``, and ``result``) are formed from each
    block's pieces when first asked for (nothing asks for them after an edit of a
    large dataset's weights: a tenth of the pass saved). A point dragged among
    100,000 others costs a quarter of a full pass (blocks of ~26,000 rows at 5
    classes), among 10**6 one fortieth; nothing accumulates from one move to the next.

    With ``keep_exps`` (softmax; up to ``_KEEP_EXPS_MAX`` scores), each block's
    exponentials are kept, and ``reweighted`` evaluates new weights of one class (a
    weight, a bias, an arrow) forming them again only where they changed.

    Arguments as ``loss_and_gradients``, checked once.
    """

    _keep = False  # keep each block's exponentials (see ``reweighted``)
    _exps = None  # per block: (m, E, f, x_max) as ``_fused_pass`` gives them, when kept
    terms = None  # LossTerms, once done
    accuracy = None  # float, once done
    _losses = None  # the per-sample losses, once formed from ``_pieces``

    def __init__(self, W, b, X, y, reg: float = 0.0, loss: str = "softmax",
                 keep_exps: bool = False):
        self._start(*_check_loss_args(W, b, X, y, reg, loss))
        self._keep = keep_exps
        self._fresh()

    @classmethod
    def in_steps(cls, W, b, X, y, reg: float = 0.0, loss: str = "softmax") -> "BlockedEvaluation":
        """Nothing evaluated yet: ``advance`` evaluates the blocks; ``result`` is None
        until ``done``."""
        new = object.__new__(cls)
        new._start(*_check_loss_args(W, b, X, y, reg, loss))
        new._parts = []
        new._pieces = []
        return new

    def _start(self, W, b, X, y, reg, loss) -> None:
        self.W, self.b, self.X, self.y, self.reg, self.loss = W, b, X, y, reg, loss
        n = X.shape[0]
        k = _block_rows(n, W.shape[1], X.shape[1], X.dtype.itemsize)
        self._bounds = [(start, min(start + k, n)) for start in range(0, n, k)]
        self.last_rows = 0  # rows the last ``advance`` evaluated

    @property
    def losses(self) -> np.ndarray | None:
        """The per-sample losses L_i (float64, shape (n_samples,)), or None until done."""
        if self._losses is None and self.done:
            self._losses = _losses_from_pieces(self._pieces, self.X.shape[0])
        return self._losses

    @property
    def result(self) -> Evaluation | None:
        """The ``Evaluation`` (None until done)."""
        return Evaluation(self.terms, self.accuracy, self.losses) if self.done else None

    def _keeps(self) -> bool:
        return (self._keep and self.loss == "softmax"
                and self.X.shape[0] * self.W.shape[1] <= _KEEP_EXPS_MAX)

    def _fresh(self) -> None:
        """One full pass (a dataset whose sums overflow is not evaluated by blocks)."""
        pieces, parts = [], []
        exps = [] if self._keeps() else None
        terms, correct = _evaluate_unchecked(self.W, self.b, self.X, self.y, self.reg, self.loss,
                                             count_correct=True, losses=pieces, parts=parts,
                                             exps=exps)
        self._parts = parts or None  # None: the sums were not formed from blocks
        self._exps = exps if parts and exps else None
        self._pieces, self._losses = pieces, None
        self.terms, self.accuracy = terms, correct / self.X.shape[0]

    def _share(self, k: int, pieces: list, exps=None):
        """Block k's share of the sums (the pieces of its losses into ``pieces[k]``), or None
        if not finite; its exponentials into ``exps[k]`` if given (see ``_fused_pass``)."""
        start, stop = self._bounds[k]
        share, block_pieces = [], []
        block_exps = None if exps is None else []
        with np.errstate(all="ignore"):
            if _fused_pass(self.W, self.b, self.X[start:stop], self.y[start:stop], self.loss,
                           True, block_pieces, share, block_exps) is None:
                return None
        if exps is not None:
            exps[k] = block_exps[0]
        # (the pass over the block saw rows 0..stop-start)
        piece = (start, stop, *block_pieces[0][2:])
        if k < len(pieces):
            pieces[k] = piece
        else:
            pieces.append(piece)
        return (start, stop, *share[0][2:])

    def _finish(self, parts, pieces) -> bool:
        """``terms`` and ``accuracy`` from every block's share; False if their sums are not
        finite."""
        with np.errstate(all="ignore"):
            r = _sum_parts(parts)
        if r is None:
            return False
        total, GX, g_sum, correct = r
        n = self.X.shape[0]
        self._parts, self._pieces, self._losses = parts, pieces, None
        self.terms = _terms_from_sums(self.W, self.reg, n, total, GX, g_sum)
        self.accuracy = correct / n
        return True

    @property
    def done(self) -> bool:
        return self.terms is not None

    def advance(self, rows: int) -> bool:
        """Evaluate the next blocks, as many whole ones as ``rows`` rows hold (at least
        one); returns whether every block is done (``result`` is then set).

        Raises ``ValueError`` as ``evaluate`` does, when the last block is done.
        """
        if self.done:
            return True
        parts, done_rows = self._parts, 0
        while len(parts) < len(self._bounds):
            start, stop = self._bounds[len(parts)]
            if done_rows and done_rows + stop - start > rows:
                break
            share = self._share(len(parts), self._pieces)
            if share is None:  # not finite: one full pass decides (and raises)
                self.last_rows = self.X.shape[0] - self._bounds[len(parts)][0]
                self._fresh()
                return True
            parts.append(share)
            done_rows += stop - start
        self.last_rows = done_rows
        if len(parts) == len(self._bounds) and not self._finish(parts, self._pieces):
            self._fresh()
        return self.done

    def moved(self, X, rows) -> "BlockedEvaluation":
        """The evaluation on ``X`` (same shape and dtype as the points evaluated), which
        differs from them at most in ``rows`` (indices): a new ``BlockedEvaluation``.

        Only the blocks holding ``rows`` are evaluated again; the rest is reused.
        Raises ``ValueError`` as ``evaluate`` does (e.g. scores that overflow).
        """
        if not self.done:
            raise ValueError("the evaluation is not done: advance it first")
        if not isinstance(X, np.ndarray) or X.shape != self.X.shape or X.dtype != self.X.dtype:
            raise ValueError(f"X must be an array of shape {self.X.shape} ({self.X.dtype}), "
                             f"as the evaluated points, got {np.shape(X)}")
        rows = np.unique(np.asarray(rows, dtype=np.intp).reshape(-1))
        n = X.shape[0]
        if rows.size and not (0 <= rows[0] and rows[-1] < n):
            raise ValueError(f"rows must lie in [0, {n}), got {rows.min()}..{rows.max()}")
        check_model(self.W, self.b, X[rows])  # the other rows were checked before
        new = object.__new__(BlockedEvaluation)
        new._start(self.W, self.b, X, self.y, self.reg, self.loss)
        new._keep = self._keep
        if self._parts is not None:
            parts, pieces = list(self._parts), list(self._pieces)
            exps, self._exps = self._exps, None  # (passed on, as by ``reweighted``)
            exps = None if exps is None else list(exps)
            starts = np.array([start for start, _ in self._bounds])
            for k in np.unique(np.searchsorted(starts, rows, side="right") - 1).tolist():
                parts[k] = new._share(k, pieces, exps)
                if parts[k] is None:
                    break
            else:
                if new._finish(parts, pieces):
                    new._exps = exps
                    return new
        new._fresh()  # not finite: the full pass decides (and raises)
        return new

    def reweighted(self, W, b) -> "BlockedEvaluation":
        """The evaluation of new weights ``(W, b)`` (shapes as before) on the same points:
        a new ``BlockedEvaluation``, equal bit for bit to a fresh one.

        With the exponentials kept (``keep_exps``) and one class's weights changed (its
        column of W, its entry of b), they are formed again only in that class's row and
        for the samples whose shift moved (see ``_fused_pass``): ~40 % less time at
        5 classes; else one full pass. The new evaluation keeps its exponentials; the kept
        ones pass to it (``reweighted`` again on this one makes a full pass). Raises
        ``ValueError`` as ``evaluate`` does.
        """
        if not self.done:
            raise ValueError("the evaluation is not done: advance it first")
        W, b, X = check_model(W, b, self.X[:1])
        if W.shape != self.W.shape or X.dtype != self.X.dtype:
            if W.shape != self.W.shape:
                raise ValueError(f"W must keep the shape {self.W.shape}, got {W.shape}")
            return BlockedEvaluation(W, b, self.X, self.y, self.reg, self.loss, keep_exps=True)
        new = object.__new__(BlockedEvaluation)
        new._start(W, b, self.X, self.y, self.reg, self.loss)
        new._keep = True
        kept, self._exps = self._exps, None  # (formed again in place: this one's no more)
        same_bits = np.uint64 if W.dtype.itemsize == 8 else np.uint32
        changed = ((W.view(same_bits) != self.W.view(same_bits)).any(axis=0)
                   | (b.view(same_bits) != self.b.view(same_bits)))
        # (with two classes changed, and the samples whose shift moved, little is left)
        if (kept is not None and self._parts is not None and np.count_nonzero(changed) <= 1
                and new._bounds == self._bounds):
            pieces, parts, exps = [], [], []
            with np.errstate(all="ignore"):
                r = _fused_pass(W, b, self.X, self.y, self.loss, True, pieces, parts, exps,
                                (changed, kept))
            if r is not None and new._finish(parts, pieces):
                new._exps = exps
                return new
        new._fresh()  # (and, not finite: the full pass decides, and raises)
        return new


def loss_and_gradients(W, b, X, y, reg: float = 0.0, loss: str = "softmax"):
    """Mean data loss plus L2 penalty, and its gradients w.r.t. W and b.

    ``loss = mean_i L_i + reg * sum(W**2)`` where ``L_i`` is the cross-entropy
    (``loss="softmax"``) or the multiclass hinge with margin 1 (``loss="svm"``).
    The bias is not regularised.

    Parameters
    ----------
    W : array-like of shape (n_features, n_classes)
    b : array-like of shape (n_classes,)
    X : array-like of shape (n_samples, n_features), n_samples >= 1
    y : int array-like of shape (n_samples,) with values in [0, n_classes)
    reg : float >= 0, default 0.0
    loss : {"softmax", "svm"}, default "softmax"

    Returns
    -------
    loss : float
    dW : ndarray of shape (n_features, n_classes)
        ``X.T @ (P - Y) / n_samples + 2 * reg * W`` for softmax.
    db : ndarray of shape (n_classes,)
        Mean over samples of ``P - Y`` for softmax.
    """
    return _loss_and_gradients_unchecked(*_check_loss_args(W, b, X, y, reg, loss))
