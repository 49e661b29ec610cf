"""Random loss problems for the engine's property tests (hypothesis)."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def draw_problem(data, n, D, C, bound):
    """(W, b, X, y) drawn with ``data``: n samples, D features and C classes drawn from
    the ranges given (inclusive (lo, hi) pairs), finite entries within ±``bound``."""
    n, D, C = (data.draw(st.integers(*r)) for r in (n, D, C))
    el = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    W = data.draw(hnp.arrays(np.float64, (D, C), elements=el))
    b = data.draw(hnp.arrays(np.float64, (C,), elements=el))
    X = data.draw(hnp.arrays(np.float64, (n, D), elements=el))
    y = data.draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, C - 1)))
    return W, b, X, y
