"""Invalid input raises ValueError with a message naming the problem."""

import numpy as np
import pytest

from explorer.engine import (
    SGD,
    accuracy,
    as_generator,
    compute_scores,
    cross_entropy,
    expand_features,
    feature_names,
    hinge_score_gradient,
    log_softmax,
    loss_and_gradients,
    make_blobs,
    make_circles,
    make_dataset,
    make_linear,
    make_spiral,
    make_xor,
    multiclass_hinge,
    per_sample_cross_entropy,
    predict,
    region_image,
    region_probabilities,
    score_gradient,
    softmax,
    softmax_jacobian,
)

NAN, INF = float("nan"), float("inf")
S = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 0.5]])  # 2 samples, 3 classes
Y = np.array([2, 0])
W = np.zeros((2, 3))
B = np.zeros(3)
X = np.ones((4, 2))
YX = np.array([0, 1, 2, 0])
GENERATORS = [make_blobs, make_circles, make_xor, make_spiral, make_linear]


def _with(a, idx, value):
    a = np.array(a, dtype=float)
    a[idx] = value
    return a


# -- scores ------------------------------------------------------------------
def _labels_for(s):
    """Valid class-0 labels for scores s (the scores are what is under test)."""
    try:
        arr = np.asarray(s)
    except ValueError:  # a ragged list: any label will do
        return 0
    return np.zeros(len(arr), int) if arr.ndim == 2 else 0


SCORE_FUNCS = {
    "softmax": lambda s: softmax(s),
    "log_softmax": lambda s: log_softmax(s),
    "jacobian": lambda s: softmax_jacobian(s),
    "cross_entropy": lambda s: cross_entropy(s, _labels_for(s)),
    "score_gradient": lambda s: score_gradient(s, _labels_for(s)),
    "hinge": lambda s: multiclass_hinge(s, _labels_for(s)),
    "hinge_gradient": lambda s: hinge_score_gradient(s, _labels_for(s)),
}


@pytest.mark.parametrize("func", sorted(SCORE_FUNCS))
@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_non_finite_scores(func, bad):
    with pytest.raises(ValueError, match="scores contains NaN or infinity"):
        SCORE_FUNCS[func](_with(S, (1, 1), bad))
    with pytest.raises(ValueError, match="scores contains NaN or infinity"):
        SCORE_FUNCS[func](_with(S[0], 0, bad))


@pytest.mark.parametrize("func", sorted(SCORE_FUNCS))
def test_empty_scores(func):
    with pytest.raises(ValueError, match="at least one class"):
        SCORE_FUNCS[func](np.zeros(0))
    with pytest.raises(ValueError, match="at least one class"):
        SCORE_FUNCS[func](np.zeros((3, 0)))


@pytest.mark.parametrize("func", ["cross_entropy", "score_gradient", "hinge", "hinge_gradient"])
def test_losses_of_no_samples(func):
    with pytest.raises(ValueError, match="no samples"):
        SCORE_FUNCS[func](np.zeros((0, 3)))


@pytest.mark.parametrize("func", sorted(SCORE_FUNCS))
def test_scores_of_wrong_rank_or_type(func):
    with pytest.raises(ValueError, match=r"scores must be 1-D or 2-D"):
        SCORE_FUNCS[func](np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match=r"scores must be 1-D or 2-D"):
        SCORE_FUNCS[func](np.float64(1.0))
    with pytest.raises(ValueError, match="scores must hold real numbers"):
        SCORE_FUNCS[func](np.array(["a", "b"]))
    with pytest.raises(ValueError, match="scores must hold real numbers"):
        SCORE_FUNCS[func](np.array([1 + 2j, 0j]))
    with pytest.raises(ValueError, match="scores is not a numeric array"):
        SCORE_FUNCS[func]([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("T", [0, 0.0, -1.0, NAN, INF, -INF, True, "1", None])
def test_bad_temperature(T):
    with pytest.raises(ValueError, match="temperature"):
        softmax(S, temperature=T)
    with pytest.raises(ValueError, match="temperature"):
        log_softmax(S, temperature=T)


# -- labels ------------------------------------------------------------------------
LABEL_FUNCS = {
    "cross_entropy": cross_entropy,
    "per_sample": per_sample_cross_entropy,
    "score_gradient": score_gradient,
    "hinge": multiclass_hinge,
    "hinge_gradient": hinge_score_gradient,
    "loss_and_gradients": lambda s, y: loss_and_gradients(np.eye(3), np.zeros(3), np.atleast_2d(s), y),
    "loss_and_gradients_svm": lambda s, y: loss_and_gradients(
        np.eye(3), np.zeros(3), np.atleast_2d(s), y, loss="svm"),
    "accuracy": lambda s, y: accuracy(np.eye(3), np.zeros(3), np.atleast_2d(s), y),
}
BAD_LABELS = [
    ([2, 3], "label 3 out of range"),
    ([-1, 0], "label -1 out of range"),
    ([0, 100], "out of range"),
    ([1.5, 0.0], "non-integer"),
    ([0.0, NAN], "NaN or infinity"),
    ([True, False], "bools"),
    (["a", "b"], "integer class labels"),
    ([0, 1, 2], "3 labels but there are 2 samples"),
    ([0], "1 labels but there are 2 samples"),
    ([[0, 1]], "must be 1-D"),
    (0, "must be 1-D"),
]


@pytest.mark.parametrize("func", sorted(LABEL_FUNCS))
@pytest.mark.parametrize("y,message", BAD_LABELS)
def test_bad_labels_for_a_batch(func, y, message):
    y = np.array(y) if not isinstance(y, int) else y
    with pytest.raises(ValueError, match=message):
        LABEL_FUNCS[func](S, y)


@pytest.mark.parametrize("func", ["cross_entropy", "per_sample", "score_gradient", "hinge", "hinge_gradient"])
@pytest.mark.parametrize("y,message", [
    (3, "out of range"),
    (-1, "out of range"),
    (1.5, "non-integer"),
    (NAN, "NaN or infinity"),
    (True, "bool"),
    (np.bool_(False), "bool"),
    ("1", "integer class labels"),
    (None, "integer class labels"),
    ([1], "single label"),
])
def test_bad_label_for_one_vector(func, y, message):
    with pytest.raises(ValueError, match=message):
        LABEL_FUNCS[func](S[0], y)


def test_integral_float_labels_are_accepted():
    assert cross_entropy(S, np.array([2.0, 0.0])) == cross_entropy(S, Y)


@pytest.mark.parametrize("margin", [-1.0, NAN, INF, "1"])
def test_bad_hinge_margin(margin):
    with pytest.raises(ValueError, match="margin"):
        multiclass_hinge(S, Y, margin=margin)


# -- the model W, b, X -------------------------------------------------------------
MODEL_FUNCS = {
    "loss_and_gradients": lambda W, b, X: loss_and_gradients(W, b, X, YX),
    "loss_and_gradients_svm": lambda W, b, X: loss_and_gradients(W, b, X, YX, loss="svm"),
    "compute_scores": compute_scores,
    "predict": predict,
    "accuracy": lambda W, b, X: accuracy(W, b, X, YX),
    "sgd_step": lambda W, b, X: SGD(W, b, rng=0).step(X, YX),
}


@pytest.mark.parametrize("func", sorted(MODEL_FUNCS))
@pytest.mark.parametrize("args,message", [
    ((W, np.zeros(2), X), r"b has 2 entries but W has 3 classes"),
    ((W, np.zeros(4), X), r"b has 4 entries but W has 3 classes"),
    ((np.zeros((3, 3)), B, X), r"X has 2 features but W has 3 rows"),
    ((W, B, np.ones((4, 3))), r"X has 3 features but W has 2 rows"),
    ((np.zeros(3), B, X), r"W must be 2-D"),
    ((W, np.zeros((1, 3)), X), r"b must be 1-D"),
    ((W, B, np.ones(2)), r"X must be 2-D"),
])
def test_mismatched_model_shapes(func, args, message):
    with pytest.raises(ValueError, match=message):
        MODEL_FUNCS[func](*args)


@pytest.mark.parametrize("func", sorted(MODEL_FUNCS))
@pytest.mark.parametrize("bad", [NAN, INF, -INF])
@pytest.mark.parametrize("which", ["W", "b", "X"])
def test_non_finite_model(func, bad, which):
    args = {"W": W, "b": B, "X": X}
    args[which] = _with(args[which], (0,) * args[which].ndim, bad)
    with pytest.raises(ValueError, match=f"{which} contains NaN or infinity"):
        MODEL_FUNCS[func](args["W"], args["b"], args["X"])


def test_model_without_samples_classes_or_features():
    with pytest.raises(ValueError, match="no samples"):
        loss_and_gradients(W, B, np.zeros((0, 2)), np.zeros(0, int))
    with pytest.raises(ValueError, match="no samples"):
        accuracy(W, B, np.zeros((0, 2)), np.zeros(0, int))
    with pytest.raises(ValueError, match="no data points"):
        SGD(W, B, rng=0).step(np.zeros((0, 2)), np.zeros(0, int))
    with pytest.raises(ValueError, match="at least one feature and one class"):
        loss_and_gradients(np.zeros((2, 0)), np.zeros(0), X, YX)


def test_labels_for_the_model():
    with pytest.raises(ValueError, match="label 3 out of range"):
        loss_and_gradients(W, B, X, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="3 labels but there are 4 samples"):
        loss_and_gradients(W, B, X, [0, 1, 2])
    with pytest.raises(ValueError, match="non-integer"):
        loss_and_gradients(W, B, X, [0, 1, 2, 1.5])
    with pytest.raises(ValueError, match="bools"):
        loss_and_gradients(W, B, X, [True, False, True, False])


@pytest.mark.parametrize("name", ["hinge", "Softmax", "cross_entropy", "", None, 1])
def test_unknown_loss_name(name):
    with pytest.raises(ValueError, match="unknown loss"):
        loss_and_gradients(W, B, X, YX, loss=name)
    with pytest.raises(ValueError, match="unknown loss"):
        SGD(W, B, loss=name)
    opt = SGD(W, B)
    with pytest.raises(ValueError, match="unknown loss"):
        opt.loss = name
    assert opt.loss == "softmax"


@pytest.mark.parametrize("reg", [-0.1, NAN, INF, "0", True])
def test_bad_reg(reg):
    with pytest.raises(ValueError, match="reg"):
        loss_and_gradients(W, B, X, YX, reg=reg)
    with pytest.raises(ValueError, match="reg"):
        SGD(W, B, reg=reg)


def test_overflowing_scores_are_reported():
    # finite inputs whose scores overflow float64
    with pytest.raises(ValueError, match="overflow"):
        loss_and_gradients(np.full((2, 3), 1e200), B, np.full((4, 2), 1e200), YX)
    with pytest.raises(ValueError, match="overflow"):
        compute_scores(np.full((2, 3), 1e200), B, np.full((4, 2), 1e200))
    with pytest.raises(ValueError, match="overflows"):
        loss_and_gradients(np.full((2, 3), 1e200), B, X, YX, reg=1.0)


# -- SGD hyper-parameters --------------------------------------------------------------
@pytest.mark.parametrize("kwargs,message", [
    ({"lr": 0}, "learning rate must be > 0"),
    ({"lr": 0.0}, "learning rate must be > 0"),
    ({"lr": -0.1}, "learning rate"),
    ({"lr": NAN}, "learning rate"),
    ({"lr": INF}, "learning rate"),
    ({"lr": "0.1"}, "learning rate"),
    ({"momentum": 1.0}, r"momentum must be in \[0, 1\)"),
    ({"momentum": 1.5}, r"momentum must be in \[0, 1\)"),
    ({"momentum": -0.1}, "momentum"),
    ({"momentum": NAN}, "momentum"),
    ({"batch_size": 0}, "batch size"),
    ({"batch_size": -4}, "batch size"),
    ({"batch_size": 2.5}, "batch size"),
    ({"batch_size": 4.0}, "batch size"),
    ({"batch_size": True}, "batch size"),
    ({"batch_size": "8"}, "batch size"),
    ({"rng": "seed"}, "rng"),
    ({"rng": 1.5}, "rng"),
    ({"rng": True}, "rng"),
])
def test_bad_sgd_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SGD(W, B, **kwargs)
    # the setters validate too, and leave the old value in place
    opt = SGD(W, B, lr=0.1, momentum=0.5, batch_size=8, rng=0)
    name, value = next(iter(kwargs.items()))
    if name != "rng":
        before = getattr(opt, name)
        with pytest.raises(ValueError, match=message):
            setattr(opt, name, value)
        assert getattr(opt, name) == before


def test_bad_sgd_parameters():
    with pytest.raises(ValueError, match="b has 2 entries but W has 3 classes"):
        SGD(W, np.zeros(2))
    with pytest.raises(ValueError, match="W contains NaN or infinity"):
        SGD(_with(W, (0, 0), NAN), B)
    with pytest.raises(ValueError, match="b contains NaN or infinity"):
        SGD(W, _with(B, 0, INF))
    opt = SGD(W, B)
    with pytest.raises(ValueError, match="W must be 2-D"):
        opt.set_parameters(np.zeros(3), B)
    with pytest.raises(ValueError, match="X has 3 features but W has 2 rows"):
        opt.step(np.ones((4, 3)), YX)
    with pytest.raises(ValueError, match="out of range"):
        opt.step(X, [0, 1, 2, 5])


def test_sgd_divergence_is_reported():
    opt = SGD(np.zeros((2, 3)), np.zeros(3), lr=1e308, rng=0)
    with pytest.raises(ValueError, match="overflow"):
        opt.step(np.full((4, 2), 1e10), YX)
    assert np.array_equal(opt.W, np.zeros((2, 3)))


def test_as_generator():
    assert isinstance(as_generator(None), np.random.Generator)
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    with pytest.raises(ValueError, match="rng must be"):
        as_generator(np.random.RandomState(0))


# -- datasets --------------------------------------------------------------------------
@pytest.mark.parametrize("gen", GENERATORS, ids=lambda g: g.__name__)
@pytest.mark.parametrize("classes", [1, 11, 0, -3, 2.5, True, "3"])
def test_bad_class_count(gen, classes):
    with pytest.raises(ValueError, match=r"classes must be an integer in \[2, 10\]"):
        gen(20, classes=classes, rng=0)


@pytest.mark.parametrize("gen", GENERATORS, ids=lambda g: g.__name__)
def test_bad_dataset_arguments(gen):
    with pytest.raises(ValueError, match="number of points"):
        gen(-1, rng=0)
    with pytest.raises(ValueError, match="number of points"):
        gen(10.5, rng=0)
    with pytest.raises(ValueError, match="number of points"):
        gen(10**9, rng=0)
    with pytest.raises(ValueError, match="noise"):
        gen(10, noise=-0.1, rng=0)
    with pytest.raises(ValueError, match="noise"):
        gen(10, noise=NAN, rng=0)
    with pytest.raises(ValueError, match="noise must be at most 10"):
        gen(10, noise=11, rng=0)
    with pytest.raises(ValueError, match="rng"):
        gen(10, rng="seed")


@pytest.mark.parametrize("name", ["moons", "Blobs", "", None])
def test_unknown_dataset_name(name):
    with pytest.raises(ValueError, match="unknown dataset"):
        make_dataset(name, 10, rng=0)


def test_make_dataset_checks_classes():
    with pytest.raises(ValueError, match="classes"):
        make_dataset("blobs", 10, classes=1, rng=0)
    with pytest.raises(ValueError, match="classes"):
        make_dataset("spiral", 10, classes=11, rng=0)


# -- features and regions ------------------------------------------------------------
@pytest.mark.parametrize("features,message", [
    (["x3"], "unknown feature 'x3'"),
    (["x1^2", "cos(x1)"], "unknown feature 'cos\\(x1\\)'"),
    (["x1"], "unknown feature 'x1'"),
    ("x1^2", "not one string"),
    (["x1^2", "x1^2"], "repeat"),
])
def test_bad_features(features, message):
    with pytest.raises(ValueError, match=message):
        expand_features(X, features)
    with pytest.raises(ValueError, match=message):
        feature_names(features)
    with pytest.raises(ValueError, match=message):
        region_probabilities(W, B, (-1, 1), (-1, 1), 4, features=features)


def test_bad_expand_features_input():
    with pytest.raises(ValueError, match="2 columns"):
        expand_features(np.ones((3, 3)), ["x1^2"])
    with pytest.raises(ValueError, match="X must be 2-D"):
        expand_features(np.ones(2), ["x1^2"])
    with pytest.raises(ValueError, match="X contains NaN or infinity"):
        expand_features(_with(X, (0, 0), NAN), ["x1^2"])


@pytest.mark.parametrize("func", [region_probabilities, region_image], ids=lambda f: f.__name__)
def test_bad_region_arguments(func):
    lim = (-1.0, 1.0)
    with pytest.raises(ValueError, match="xlim must be"):
        func(W, B, (1.0, -1.0), lim, 4)
    with pytest.raises(ValueError, match="ylim must be"):
        func(W, B, lim, (0.0, 0.0), 4)
    with pytest.raises(ValueError, match="xlim contains NaN"):
        func(W, B, (NAN, 1.0), lim, 4)
    with pytest.raises(ValueError, match="grid must be"):
        func(W, B, lim, lim, 0)
    with pytest.raises(ValueError, match="grid must be"):
        func(W, B, lim, lim, 4.5)
    with pytest.raises(ValueError, match="W has 2 rows but the features need 3"):
        func(W, B, lim, lim, 4, features=["x1^2"])
    with pytest.raises(ValueError, match="b has 2 entries but W has 3 classes"):
        func(W, np.zeros(2), lim, lim, 4)
    with pytest.raises(ValueError, match="W contains NaN"):
        func(_with(W, (0, 0), NAN), B, lim, lim, 4)
    with pytest.raises(ValueError, match="overflow"):
        func(np.full((2, 3), 1e308), B, (-1e10, 1e10), lim, 4)


def test_bad_region_image_options():
    lim = (-1.0, 1.0)
    with pytest.raises(ValueError, match="palette"):
        region_image(W, B, lim, lim, 4, palette=np.zeros((2, 3), np.uint8))
    with pytest.raises(ValueError, match="palette"):
        region_image(W, B, lim, lim, 4, palette=np.zeros((3, 4), np.uint8))
    with pytest.raises(ValueError, match="alpha"):
        region_image(W, B, lim, lim, 4, alpha=(0, 256))
    with pytest.raises(ValueError, match="alpha"):
        region_image(W, B, lim, lim, 4, alpha=(-1, 200))


@pytest.mark.parametrize("y", [1e20, -1e20, 2.0 ** 63, 1e300])
def test_huge_integral_float_labels_are_out_of_range(y):
    # integral floats beyond int64 must be reported as out of range (naming the
    # label), without a NumPy cast warning
    with pytest.raises(ValueError, match=r"out of range \[0, 3\)"):
        cross_entropy(S[0], y)
    with pytest.raises(ValueError, match=r"out of range \[0, 3\)"):
        cross_entropy(S, np.array([0.0, y]))
    with pytest.raises(ValueError, match=r"out of range \[0, 3\)"):
        loss_and_gradients(W, B, X, np.array([0.0, 1.0, 2.0, y]))
