"""Stochastic gradient descent on (W, b), with momentum and minibatches."""

from __future__ import annotations

import numbers

import numpy as np

from ._validate import (
    as_float_array,
    as_labels,
    check_loss_name,
    check_model,
    check_nonnegative,
    check_positive,
)
from .core import _evaluate_unchecked

__all__ = ["SGD", "as_generator"]

# From this many samples on, a minibatch epoch is shuffled batch by batch (see
# ``SGD._draw_batch``) instead of with one ``rng.permutation`` at its start.
LAZY_SHUFFLE_MIN = 200_000


def as_generator(rng) -> np.random.Generator:
    """A ``np.random.Generator`` from a Generator, an int seed, or None (fresh entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, numbers.Integral) and not isinstance(rng, bool)):
        return np.random.default_rng(rng)
    raise ValueError(f"rng must be a numpy Generator, an int seed or None, got {rng!r}")


class SGD:
    """Minibatch SGD with classical momentum on the parameters ``W`` and ``b``.

    The optimiser holds the current parameters; ``step(X, y)`` makes exactly
    one update and returns the loss of the batch it used (measured before the
    update, including the L2 penalty)::

        v <- momentum * v - lr * grad
        theta <- theta + v

    With ``momentum=0`` this is the plain ``theta - lr * grad``.

    Parameters
    ----------
    W : array-like of shape (n_features, n_classes)
    b : array-like of shape (n_classes,)
    lr : float > 0, default 0.1
    momentum : float in [0, 1), default 0.0
    batch_size : int >= 1 or None, default None
        None (or any size >= n_samples) is full-batch gradient descent.
        Otherwise each epoch visits a fresh permutation of the samples in
        consecutive batches (drawn without replacement; the last batch of an
        epoch may be smaller). The epoch restarts when n_samples changes.
        From ``LAZY_SHUFFLE_MIN`` samples on, the permutation is drawn batch by
        batch (equally uniform; no pause at the start of an epoch).
    reg : float >= 0, default 0.0
    loss : {"softmax", "svm"}, default "softmax"
    rng : numpy Generator, int seed or None
        The only source of randomness (minibatch order): the same seed gives
        the same trajectory.

    Each update stores new arrays in ``W`` and ``b`` (never modifies the old
    ones in place), so callers may keep references to past parameters.
    """

    def __init__(self, W, b, *, lr=0.1, momentum=0.0, batch_size=None, reg=0.0,
                 loss="softmax", rng=None):
        self._W = self._b = None
        self.set_parameters(W, b)
        self.lr = lr
        self.momentum = momentum
        self.batch_size = batch_size
        self.reg = reg
        self.loss = loss
        self.rng = as_generator(rng)
        self.steps = 0
        self.epochs = 0
        self.last_evaluation = None
        self._perm = None
        self._lazy = False
        self._cursor = 0

    # -- parameters ---------------------------------------------------------
    @property
    def W(self) -> np.ndarray:
        return self._W

    @property
    def b(self) -> np.ndarray:
        return self._b

    def set_parameters(self, W, b) -> None:
        """Replace W and b (validated); the momentum is kept if shapes agree."""
        W = as_float_array(W, "W", (2,))
        b = as_float_array(b, "b", (1,))
        if b.shape[0] != W.shape[1]:
            raise ValueError(f"b has {b.shape[0]} entries but W has {W.shape[1]} classes")
        if self._W is None or self._W.shape != W.shape:
            self._vW = np.zeros_like(W)
            self._vb = np.zeros_like(b)
        self._W, self._b = W.copy(), b.copy()

    def snapshot(self):
        """The optimiser's state (parameters and velocities), for ``restore``."""
        return self._W, self._b, self._vW, self._vb

    def restore(self, snapshot) -> None:
        """Go back to a ``snapshot`` (e.g. after an update that could not be used)."""
        self._W, self._b, self._vW, self._vb = snapshot

    def reset_momentum(self) -> None:
        self._vW = np.zeros_like(self._W)
        self._vb = np.zeros_like(self._b)

    # -- hyper-parameters ---------------------------------------------------
    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value) -> None:
        self._lr = check_positive(value, "learning rate")

    @property
    def momentum(self) -> float:
        return self._momentum

    @momentum.setter
    def momentum(self, value) -> None:
        v = check_nonnegative(value, "momentum")
        if v >= 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {value!r}")
        self._momentum = v

    @property
    def batch_size(self):
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value) -> None:
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"batch size must be an integer >= 1 or None (full batch), got {value!r}")
            value = int(value)
        self._batch_size = value
        self._perm = None

    @property
    def reg(self) -> float:
        return self._reg

    @reg.setter
    def reg(self, value) -> None:
        self._reg = check_nonnegative(value, "reg")

    @property
    def loss(self) -> str:
        return self._loss

    @loss.setter
    def loss(self, value) -> None:
        self._loss = check_loss_name(value)

    # -- the update ---------------------------------------------------------
    def next_batch(self, n: int):
        """Indices of the next minibatch for ``n`` samples, or None for the full batch."""
        B = self._batch_size
        if B is None or B >= n:
            self.epochs += 1
            return None
        if self._perm is None or self._perm.shape[0] != n:
            # A large epoch is shuffled batch by batch (the whole permutation of 10**6
            # samples at once takes ~0.1 s: a visible stall of the animation).
            self._perm = self.rng.permutation(n) if n < LAZY_SHUFFLE_MIN else np.arange(n)
            self._lazy = n >= LAZY_SHUFFLE_MIN
            self._cursor = 0
        c = self._cursor
        if self._lazy:
            self._draw_batch(c, min(B, n - c))
        idx = self._perm[c:c + B]
        self._cursor += B
        if self._cursor >= n:
            self._perm = None
            self.epochs += 1
        return idx

    def _draw_batch(self, c: int, k: int) -> None:
        """Move ``k`` samples drawn uniformly without replacement from the ones not yet
        visited this epoch (``_perm[c:]``), in random order, to ``_perm[c:c + k]``.

        Batch after batch this builds a uniformly random permutation, as
        ``rng.permutation`` would, in O(k log k) per batch.
        """
        perm = self._perm
        sel = c + self.rng.choice(perm.shape[0] - c, size=k, replace=False)
        batch = perm[sel]
        inside = sel < c + k
        chosen = np.zeros(k, dtype=bool)
        chosen[sel[inside] - c] = True
        outside = sel[~inside]  # chosen slots beyond the front block ...
        perm[outside] = perm[c + np.flatnonzero(~chosen)]  # ... take its unchosen samples
        perm[c:c + k] = batch

    def step(self, X, y) -> float:
        """One parameter update on the next batch of (X, y); returns that batch's loss.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), n_samples >= 1
        y : int array-like of shape (n_samples,)

        Raises ``ValueError`` (and changes nothing) on invalid data or when
        the update would produce non-finite parameters.

        After a full-batch step, ``last_evaluation`` is ``(W, b, terms, accuracy)``
        of the parameters before it: their ``LossTerms`` (as ``loss_terms``) and
        training accuracy (as ``accuracy``) on (X, y), from the step's own pass.
        After a minibatch step it is None.
        """
        W, b, X = check_model(self._W, self._b, X)
        n = X.shape[0]
        if n == 0:
            raise ValueError("there are no data points to train on")
        y = as_labels(y, W.shape[1], n)
        idx = self.next_batch(n)
        if idx is not None:
            X, y = X[idx], y[idx]
        # A full batch counts the correct predictions too (almost free in the same pass):
        # the full-batch loss and accuracy of W and b, which callers may show.
        full = idx is None
        terms, correct = _evaluate_unchecked(W, b, X, y, self._reg, self._loss, count_correct=full)
        loss, dW, db = terms.total, terms.dW, terms.db
        with np.errstate(over="ignore", invalid="ignore"):
            vW = self._momentum * self._vW - self._lr * dW
            vb = self._momentum * self._vb - self._lr * db
            W_new = W + vW
            b_new = b + vb
        if not (np.all(np.isfinite(W_new)) and np.all(np.isfinite(b_new))):
            raise ValueError("the update overflowed (the parameters became infinite); "
                             "use a smaller learning rate")
        self._vW, self._vb = vW.astype(self._W.dtype), vb.astype(self._b.dtype)
        self.last_evaluation = (self._W, self._b, terms, correct / n) if full else None
        self._W, self._b = W_new.astype(self._W.dtype), b_new.astype(self._b.dtype)
        self.steps += 1
        return loss
