"""Input checking shared by the engine: every public function validates here.

All checks raise ``ValueError`` with a message that names the argument and the
problem, so the GUI can show it verbatim.
"""

from __future__ import annotations

import numbers
import weakref

import numpy as np

LOSSES = ("softmax", "svm")

# -- checks already done on read-only arrays ------------------------------------
# The app trains on the same large read-only arrays (the scene's points and
# labels) every frame; checking all of them again on every SGD step costs more
# than a minibatch step itself. A check that passed on an array that nobody
# can write to (it and every array it views are read-only) is remembered, by
# weak reference, and not repeated. Writable arrays are always checked.
_MEMO_MIN_SIZE = 4096  # smaller arrays are cheaper to check than to look up
_MEMO_SLOTS = 8
_memo: list = []  # (weakref to array, what was checked), most recent last


def _immutable(a: np.ndarray) -> bool:
    """True if ``a`` and every array whose memory it views are read-only."""
    while True:
        if a.flags.writeable:
            return False
        base = a.base
        if base is None:
            return True
        if not isinstance(base, np.ndarray):
            return False  # e.g. a buffer from elsewhere: do not assume anything
        a = base


def _checked(a: np.ndarray, what) -> bool:
    """Whether check ``what`` already passed on the read-only array ``a``."""
    if a.size < _MEMO_MIN_SIZE:
        return False
    for ref, done in _memo:
        if ref() is a and done == what:
            return _immutable(a)
    return False


def _remember(a: np.ndarray, what) -> None:
    global _memo
    if a.size >= _MEMO_MIN_SIZE and _immutable(a):
        _memo = [(r, w) for r, w in _memo if r() is not None][-(_MEMO_SLOTS - 1):] + [(weakref.ref(a), what)]


def as_float_array(a, name: str, ndim: tuple[int, ...]) -> np.ndarray:
    """Return ``a`` as a finite float32/float64 array with an allowed ndim.

    Integer and bool input becomes float64, float16 becomes float32, float32
    and float64 are kept. Complex, object and string input is rejected.
    """
    try:
        arr = np.asarray(a)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValueError(f"{name} is not a numeric array: {exc}") from None
    if arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif arr.dtype.kind in "biu":
        arr = arr.astype(np.float64)
    elif arr.dtype not in (np.float32, np.float64):
        if arr.dtype.kind == "f":  # longdouble
            arr = arr.astype(np.float64)
        else:
            raise ValueError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    if arr.ndim not in ndim:
        want = " or ".join(f"{d}-D" for d in ndim)
        raise ValueError(f"{name} must be {want}, got shape {arr.shape}")
    if not _checked(arr, "finite"):
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity")
        _remember(arr, "finite")
    return arr


def as_scores(scores, name: str = "scores") -> np.ndarray:
    """Scores of shape (C,) or (N, C) with C >= 1."""
    s = as_float_array(scores, name, (1, 2))
    if s.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one class, got shape {s.shape}")
    return s


def as_labels(y, n_classes: int, n_samples: int | None, name: str = "y") -> np.ndarray:
    """Integer labels in [0, n_classes) as an int64 array.

    ``n_samples=None`` means a single sample: ``y`` must be a scalar.
    Integral floats (``2.0``) are accepted; ``1.5``, bools, NaN are not.
    """
    if isinstance(y, (bool, np.bool_)):
        raise ValueError(f"{name} must be an integer class label, got a bool")
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} is not an array of labels: {exc}") from None
    if arr.dtype == np.bool_:
        raise ValueError(f"{name} must hold integer class labels, got bools")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or infinity")
        if not np.all(arr == np.round(arr)):
            raise ValueError(f"{name} must hold integer class labels, got non-integer values")
        if arr.size and (arr.min() < 0 or arr.max() >= n_classes):
            bad = arr[(arr < 0) | (arr >= n_classes)].flat[0]
            raise ValueError(f"{name} has label {bad:g} out of range [0, {n_classes})")
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class labels, got dtype {arr.dtype}")
    if n_samples is None:
        if arr.ndim != 0:
            raise ValueError(f"{name} must be a single label for one score vector, got shape {arr.shape}")
    else:
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
        if arr.shape[0] != n_samples:
            raise ValueError(f"{name} has {arr.shape[0]} labels but there are {n_samples} samples")
    what = ("labels", n_classes)
    if arr.size and not _checked(arr, what):
        if arr.min() < 0 or arr.max() >= n_classes:
            bad = arr[(arr < 0) | (arr >= n_classes)].flat[0]
            raise ValueError(f"{name} has label {int(bad)} out of range [0, {n_classes})")
        _remember(arr, what)
    return arr.astype(np.int64, copy=False)


def check_scores_and_labels(scores, y):
    """Validate a (scores, y) pair; return (2-D scores, 1-D labels, was_single)."""
    s = as_scores(scores)
    if s.ndim == 1:
        lab = as_labels(y, s.shape[0], None)
        return s[None, :], lab.reshape(1), True
    if s.shape[0] == 0:
        raise ValueError("scores has no samples (shape (0, C)); the mean loss is undefined")
    return s, as_labels(y, s.shape[1], s.shape[0]), False


def check_model(W, b, X):
    """Validate W (D, C), b (C,), X (N, D); return float arrays of one dtype."""
    W = as_float_array(W, "W", (2,))
    b = as_float_array(b, "b", (1,))
    X = as_float_array(X, "X", (2,))
    D, C = W.shape
    if C == 0 or D == 0:
        raise ValueError(f"W must have at least one feature and one class, got shape {W.shape}")
    if b.shape[0] != C:
        raise ValueError(f"b has {b.shape[0]} entries but W has {C} classes (W shape {W.shape})")
    if X.shape[1] != D:
        raise ValueError(f"X has {X.shape[1]} features but W has {D} rows (X shape {X.shape}, W shape {W.shape})")
    dtype = np.result_type(W, b, X)
    return W.astype(dtype, copy=False), b.astype(dtype, copy=False), X.astype(dtype, copy=False)


def check_nonnegative(value, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not np.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return v


def check_positive(value, name: str) -> float:
    v = check_nonnegative(value, name)
    if v == 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return v


def check_loss_name(loss) -> str:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(map(repr, LOSSES))}")
    return loss
