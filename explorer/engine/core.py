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

from typing import NamedTuple

import numpy as np

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
    with np.errstate(over="ignore", invalid="ignore"):
        S = X @ W
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
    S = _scores_unchecked(W, b, X)
    if not np.all(np.isfinite(S)):
        raise ValueError("scores X @ W + b overflow: the weights or points are too large")
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


def _loss_terms_unchecked(W, b, X, y, reg, loss):
    """The work of ``loss_terms`` on validated arrays of one dtype."""
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
    if reg:
        with np.errstate(over="ignore"):
            dW += (2.0 * reg) * W
        if not np.all(np.isfinite(dW)):
            raise ValueError("the gradient 2 * reg * W overflows: W or reg is too large")
    penalty = _l2_penalty(W, reg)
    return LossTerms(data_loss + penalty, data_loss, penalty, dW, db)


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
