"""The numerical engine of Softmax Explorer: pure NumPy, no Qt.

Everything the app shows is computed here. See ``core`` for the math,
``optim`` for SGD, ``datasets`` for toy data, ``features`` for feature maps
and ``regions`` for the decision-region rasteriser.
"""

from .analysis import GradientCheck, gradient_check, point_gradients
from .core import (
    accuracy,
    compute_scores,
    cross_entropy,
    hinge_score_gradient,
    log_softmax,
    LossTerms,
    l2_penalty,
    loss_and_gradients,
    loss_terms,
    multiclass_hinge,
    naive_cross_entropy,
    naive_softmax,
    per_sample_cross_entropy,
    per_sample_hinge,
    predict,
    score_for_probability,
    score_gradient,
    softmax,
    softmax_jacobian,
)
from .datasets import (
    DATASETS,
    MAX_CLASSES,
    MAX_POINTS,
    MIN_CLASSES,
    make_blobs,
    make_circles,
    make_dataset,
    make_linear,
    make_spiral,
    make_xor,
)
from .features import FEATURES, RAW_FEATURES, check_features, expand_features, feature_names
from .margins import margin_mask, score_gap
from .optim import SGD, as_generator
from .regions import (
    DEFAULT_PALETTE,
    MAX_GRID,
    OKABE_ITO,
    RegionImages,
    grid_centres,
    region_image,
    region_probabilities,
    region_scores,
)
from ._validate import LOSSES

__all__ = [
    "softmax", "log_softmax", "naive_softmax", "naive_cross_entropy", "cross_entropy", "per_sample_cross_entropy",
    "score_gradient", "score_for_probability", "softmax_jacobian", "multiclass_hinge", "per_sample_hinge",
    "hinge_score_gradient", "compute_scores", "loss_and_gradients", "loss_terms", "LossTerms", "l2_penalty", "predict", "accuracy",
    "LOSSES", "SGD", "as_generator", "GradientCheck", "gradient_check", "point_gradients",
    "DATASETS", "MIN_CLASSES", "MAX_CLASSES", "MAX_POINTS", "make_dataset", "make_blobs",
    "make_circles", "make_xor", "make_spiral", "make_linear",
    "FEATURES", "RAW_FEATURES", "check_features", "expand_features", "feature_names",
    "OKABE_ITO", "DEFAULT_PALETTE", "MAX_GRID", "grid_centres", "region_scores",
    "region_probabilities", "region_image", "RegionImages", "margin_mask", "score_gap",
]
