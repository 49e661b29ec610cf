"""Per-point gradients and numerical gradient checks, for the inspector views."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ._validate import as_float_array, as_labels, check_loss_name, check_model, check_positive
from .core import _check_loss_args, _loss_terms_unchecked, hinge_score_gradient, score_gradient

__all__ = ["point_gradients", "GradientCheck", "gradient_check"]


def point_gradients(W, b, x, y: int, loss: str = "softmax"):
    """The gradient of one point's loss L_i w.r.t. W and b (no regularisation).

    ``dL_i/dW = outer(x, g)`` and ``dL_i/db = g`` where ``g = dL_i/ds`` is
    ``p - onehot(y)`` for softmax or the hinge subgradient for svm.

    Parameters
    ----------
    W : array-like of shape (n_features, n_classes)
    b : array-like of shape (n_classes,)
    x : array-like of shape (n_features,)
    y : int in [0, n_classes)
    loss : {"softmax", "svm"}

    Returns
    -------
    dW : ndarray of shape (n_features, n_classes)
    db : ndarray of shape (n_classes,)
    """
    x = as_float_array(x, "x", (1,))
    W, b, X = check_model(W, b, x[None, :])
    lab = int(as_labels(y, W.shape[1], None))
    loss = check_loss_name(loss)
    s = X[0] @ W + b
    if not np.all(np.isfinite(s)):
        raise ValueError("the point's scores overflow")
    g = score_gradient(s, lab) if loss == "softmax" else hinge_score_gradient(s, lab)
    with np.errstate(over="ignore", invalid="ignore"):
        dW = np.outer(X[0], g)
    if not np.all(np.isfinite(dW)):
        raise ValueError("the point's gradient overflows")
    return dW, g


class GradientCheck(NamedTuple):
    """Analytic gradients, their central finite differences, and how well they agree."""

    dW: np.ndarray  # analytic, (n_features, n_classes)
    db: np.ndarray  # analytic, (n_classes,)
    dW_numeric: np.ndarray  # central differences, same shape
    db_numeric: np.ndarray
    relative_error: float  # ||analytic - numeric|| / max(||analytic|| + ||numeric||, tiny)
    max_abs_error: float


def gradient_check(W, b, X, y, reg: float = 0.0, loss: str = "softmax", h: float = 1e-6) -> GradientCheck:
    """Compare ``loss_and_gradients`` with central finite differences of the loss.

    Every entry of W and b is perturbed by ±h (in float64) and the slope
    ``(L(θ + h) - L(θ - h)) / 2h`` compared with the analytic gradient.
    Costs 2 * (D * C + C) loss evaluations.
    """
    W, b, X, y, reg, loss = _check_loss_args(W, b, X, y, reg, loss)
    h = check_positive(h, "h")
    W = W.astype(np.float64)
    b = b.astype(np.float64)
    X = X.astype(np.float64)
    t = _loss_terms_unchecked(W, b, X, y, reg, loss)

    def f(Wp, bp):
        return _loss_terms_unchecked(Wp, bp, X, y, reg, loss).total

    dWn = np.empty_like(W)
    for idx in np.ndindex(W.shape):
        Wp, Wm = W.copy(), W.copy()
        Wp[idx] += h
        Wm[idx] -= h
        dWn[idx] = (f(Wp, b) - f(Wm, b)) / (2 * h)
    dbn = np.empty_like(b)
    for j in range(b.shape[0]):
        bp, bm = b.copy(), b.copy()
        bp[j] += h
        bm[j] -= h
        dbn[j] = (f(W, bp) - f(W, bm)) / (2 * h)
    a = np.concatenate([t.dW.ravel(), t.db.ravel()])
    n = np.concatenate([dWn.ravel(), dbn.ravel()])
    diff = np.linalg.norm(a - n)
    rel = float(diff / max(np.linalg.norm(a) + np.linalg.norm(n), 1e-300))
    return GradientCheck(t.dW, t.db, dWn, dbn, rel, float(np.max(np.abs(a - n))))
