"""Optional feature maps that let a linear softmax draw curved boundaries.

The raw features are (x1, x2); each name in ``FEATURES`` appends one column.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_float_array

__all__ = ["FEATURES", "RAW_FEATURES", "check_features", "expand_features", "feature_names"]

RAW_FEATURES = ("x1", "x2")

FEATURES = {
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}


def check_features(features) -> tuple[str, ...]:
    """Validate a sequence of feature names; return them in canonical order."""
    if isinstance(features, str):
        raise ValueError("features must be a sequence of names, not one string")
    names = tuple(features)
    for name in names:
        if name not in FEATURES:
            raise ValueError(f"unknown feature {name!r}; expected some of {', '.join(FEATURES)}")
    if len(set(names)) != len(names):
        raise ValueError(f"features repeat a name: {names}")
    return tuple(f for f in FEATURES if f in names)


def feature_names(features=()) -> tuple[str, ...]:
    """Names of the columns of ``expand_features(X, features)``."""
    return RAW_FEATURES + check_features(features)


def expand_features(X, features=()) -> np.ndarray:
    """Append the named feature columns to raw 2-D points.

    Parameters
    ----------
    X : array-like of shape (n_samples, 2)
    features : sequence of names from ``FEATURES``

    Returns
    -------
    Z : ndarray of shape (n_samples, 2 + len(features)), same float dtype as X;
        the first two columns are X itself (a copy).
    """
    X = as_float_array(X, "X", (2,))
    if X.shape[1] != 2:
        raise ValueError(f"X must have 2 columns (x1, x2), got shape {X.shape}")
    names = check_features(features)
    Z = np.empty((X.shape[0], 2 + len(names)), dtype=X.dtype)
    Z[:, :2] = X
    x1, x2 = X[:, 0], X[:, 1]
    with np.errstate(over="ignore"):
        for k, name in enumerate(names):
            Z[:, 2 + k] = FEATURES[name](x1, x2)
    if names and not np.all(np.isfinite(Z[:, 2:])):
        raise ValueError("a feature map overflows: the points are too large for " + ", ".join(names))
    return Z
