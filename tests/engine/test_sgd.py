"""The SGD optimiser: updates by hand, minibatch epochs, reproducibility, training."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from explorer.engine import SGD, accuracy, loss_and_gradients, make_linear


def _problem(seed=0, n=30, D=2, C=3):
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=2.0, size=(n, D))
    y = rng.integers(0, C, size=n)
    W = rng.normal(scale=0.5, size=(D, C))
    b = rng.normal(scale=0.5, size=C)
    return W, b, X, y


# -- one step by hand --------------------------------------------------------
@pytest.mark.parametrize("loss_name", ["softmax", "svm"])
@pytest.mark.parametrize("reg", [0.0, 0.05])
def test_full_batch_step_is_w_minus_lr_grad(loss_name, reg):
    W, b, X, y = _problem()
    lr = 0.3
    expected_loss, dW, db = loss_and_gradients(W, b, X, y, reg=reg, loss=loss_name)
    opt = SGD(W, b, lr=lr, reg=reg, loss=loss_name, rng=0)
    returned = opt.step(X, y)
    # the returned loss is the full-batch loss at the parameters before the update
    assert returned == pytest.approx(expected_loss, rel=1e-15)
    assert_allclose(opt.W, W - lr * dW, rtol=1e-15, atol=1e-15)
    assert_allclose(opt.b, b - lr * db, rtol=1e-15, atol=1e-15)
    assert opt.steps == 1


def test_momentum_follows_v_equals_mu_v_minus_lr_g_for_two_steps():
    W0, b0, X, y = _problem(1)
    lr, mu, reg = 0.2, 0.9, 0.01
    opt = SGD(W0, b0, lr=lr, momentum=mu, reg=reg, rng=0)

    _, gW0, gb0 = loss_and_gradients(W0, b0, X, y, reg=reg)
    vW1, vb1 = -lr * gW0, -lr * gb0  # v starts at 0
    W1, b1 = W0 + vW1, b0 + vb1
    opt.step(X, y)
    assert_allclose(opt.W, W1, rtol=1e-14, atol=1e-15)
    assert_allclose(opt.b, b1, rtol=1e-14, atol=1e-15)

    _, gW1, gb1 = loss_and_gradients(W1, b1, X, y, reg=reg)
    vW2, vb2 = mu * vW1 - lr * gW1, mu * vb1 - lr * gb1
    W2, b2 = W1 + vW2, b1 + vb2
    loss1 = opt.step(X, y)
    assert loss1 == pytest.approx(loss_and_gradients(W1, b1, X, y, reg=reg)[0], rel=1e-14)
    assert_allclose(opt.W, W2, rtol=1e-14, atol=1e-15)
    assert_allclose(opt.b, b2, rtol=1e-14, atol=1e-15)
    # momentum made a difference: plain GD from W1 lands elsewhere
    assert not np.allclose(opt.W, W1 - lr * gW1, rtol=1e-6, atol=1e-9)


def test_reset_momentum_makes_the_next_step_plain():
    W0, b0, X, y = _problem(2)
    opt = SGD(W0, b0, lr=0.1, momentum=0.8, rng=0)
    opt.step(X, y)
    opt.reset_momentum()
    W1, b1 = opt.W.copy(), opt.b.copy()
    _, gW, gb = loss_and_gradients(W1, b1, X, y)
    opt.step(X, y)
    assert_allclose(opt.W, W1 - 0.1 * gW, rtol=1e-15, atol=1e-15)
    assert_allclose(opt.b, b1 - 0.1 * gb, rtol=1e-15, atol=1e-15)


def test_batch_size_at_least_n_is_full_batch():
    W, b, X, y = _problem(3, n=10)
    full = SGD(W, b, lr=0.5, rng=0)
    big = SGD(W, b, lr=0.5, batch_size=10, rng=1)
    bigger = SGD(W, b, lr=0.5, batch_size=1000, rng=2)
    for _ in range(3):
        l_full, l_big, l_bigger = full.step(X, y), big.step(X, y), bigger.step(X, y)
        assert l_full == l_big == l_bigger
    assert_array_equal(full.W, big.W)
    assert_array_equal(full.W, bigger.W)


# -- minibatches ---------------------------------------------------------------
@pytest.mark.parametrize("n,B", [(30, 7), (30, 10), (5, 1), (17, 16)])
def test_minibatches_cover_every_index_once_per_epoch(n, B):
    opt = SGD(np.zeros((2, 3)), np.zeros(3), batch_size=B, rng=123)
    batches_per_epoch = -(-n // B)
    epochs = []
    for epoch in range(3):
        batches = [opt.next_batch(n) for _ in range(batches_per_epoch)]
        sizes = [len(idx) for idx in batches]
        assert sizes == [B] * (n // B) + ([n % B] if n % B else [])
        seen = np.concatenate(batches)
        assert_array_equal(np.sort(seen), np.arange(n))  # each index exactly once
        assert opt.epochs == epoch + 1
        epochs.append(seen)
    # a fresh permutation per epoch (overwhelmingly likely for n >= 5 and 3 epochs)
    assert not all(np.array_equal(epochs[0], e) for e in epochs[1:])


def test_full_batch_next_batch_is_none_and_counts_epochs():
    opt = SGD(np.zeros((2, 3)), np.zeros(3), rng=0)
    assert opt.next_batch(10) is None
    assert opt.next_batch(10) is None
    assert opt.epochs == 2


def test_minibatch_step_uses_the_batch_it_draws():
    W, b, X, y = _problem(4, n=23)
    lr, B = 0.25, 6
    opt = SGD(W, b, lr=lr, batch_size=B, rng=99)
    twin = SGD(W, b, lr=lr, batch_size=B, rng=99)  # same seed: same batches
    Wc, bc = W.copy(), b.copy()
    for _ in range(9):  # crosses epoch boundaries (4 batches per epoch)
        idx = twin.next_batch(len(y))
        assert idx is not None and 1 <= len(idx) <= B
        loss, dW, db = loss_and_gradients(Wc, bc, X[idx], y[idx])
        returned = opt.step(X, y)
        assert returned == pytest.approx(loss, rel=1e-15)
        Wc, bc = Wc - lr * dW, bc - lr * db
        assert_allclose(opt.W, Wc, rtol=1e-13, atol=1e-15)
        assert_allclose(opt.b, bc, rtol=1e-13, atol=1e-15)


def _trajectory(seed, steps=25, **kwargs):
    W, b, X, y = _problem(5, n=40)
    opt = SGD(W, b, lr=0.1, momentum=0.5, batch_size=8, rng=seed, **kwargs)
    losses = [opt.step(X, y) for _ in range(steps)]
    return opt.W.copy(), opt.b.copy(), losses


def test_same_seed_gives_identical_trajectories():
    W1, b1, l1 = _trajectory(2024)
    W2, b2, l2 = _trajectory(2024)
    assert np.array_equal(W1, W2) and np.array_equal(b1, b2)
    assert l1 == l2
    # a Generator in the same state is the same as its seed
    W3, b3, l3 = _trajectory(np.random.default_rng(2024))
    assert np.array_equal(W1, W3) and l1 == l3


def test_different_seeds_give_different_trajectories():
    W1, _, l1 = _trajectory(1)
    W2, _, l2 = _trajectory(2)
    assert not np.array_equal(W1, W2)
    assert l1 != l2


def test_sgd_does_not_touch_global_random_state():
    state = np.random.get_state()
    _trajectory(7)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_sgd_copies_parameters_and_never_mutates_old_arrays():
    W, b, X, y = _problem(6)
    W_in, b_in = W.copy(), b.copy()
    opt = SGD(W, b, lr=0.5, momentum=0.9, rng=0)
    old_W, old_b = opt.W, opt.b
    old_W_copy, old_b_copy = old_W.copy(), old_b.copy()
    for _ in range(3):
        opt.step(X, y)
    assert_array_equal(W, W_in)
    assert_array_equal(b, b_in)
    assert_array_equal(old_W, old_W_copy)
    assert_array_equal(old_b, old_b_copy)
    assert opt.W is not old_W


def test_failed_step_changes_nothing():
    W, b, X, y = _problem(7)
    opt = SGD(W, b, lr=0.1, rng=0)
    opt.step(X, y)
    W1, b1, steps = opt.W.copy(), opt.b.copy(), opt.steps
    bad_y = y.copy()
    bad_y[0] = 3  # out of range for 3 classes
    with pytest.raises(ValueError, match="out of range"):
        opt.step(X, bad_y)
    assert_array_equal(opt.W, W1)
    assert_array_equal(opt.b, b1)
    assert opt.steps == steps


# -- training --------------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [None, 16])
@pytest.mark.parametrize("loss_name", ["softmax", "svm"])
def test_sgd_learns_a_separable_set(batch_size, loss_name):
    X, y = make_linear(150, classes=4, noise=0.0, rng=31)
    C = 4
    opt = SGD(np.zeros((2, C)), np.zeros(C), lr=0.1, momentum=0.9, batch_size=batch_size,
              loss=loss_name, rng=5)
    first_loss = loss_and_gradients(opt.W, opt.b, X, y, loss=loss_name)[0]
    assert accuracy(opt.W, opt.b, X, y) < 1.0
    for _ in range(3000):
        opt.step(X, y)
        if accuracy(opt.W, opt.b, X, y) == 1.0:
            break
    assert accuracy(opt.W, opt.b, X, y) == 1.0
    final_loss = loss_and_gradients(opt.W, opt.b, X, y, loss=loss_name)[0]
    assert final_loss < 0.5 * first_loss


def test_full_batch_gd_loss_decreases_monotonically_with_a_small_lr():
    X, y = make_linear(90, classes=3, noise=0.0, rng=8)
    opt = SGD(np.zeros((2, 3)), np.zeros(3), lr=0.05, rng=0)
    losses = [opt.step(X, y) for _ in range(200)]
    # the loss of an L-smooth convex function never rises under GD with lr < 2/L;
    # the softmax Jacobian has norm <= 1/2, so L <= (max|x|^2 + 1) / 2 < 21 for
    # points in [-4.5, 4.5]^2, and lr = 0.05 < 2/21 is safely small
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))
    assert losses[-1] < 0.2 * losses[0]


# -- what a full-batch step evaluated on the way --------------------------------
def _by_hand(W, b, X, y, reg, loss_name):
    """Mean loss + penalty and first-argmax accuracy, row by row in plain Python floats."""
    import math

    total, correct = 0.0, 0
    for x, label in zip(X.tolist(), y.tolist()):
        s = [sum(xi * W[i][j] for i, xi in enumerate(x)) + b[j] for j in range(len(b))]
        if loss_name == "softmax":
            m = max(s)
            total += m + math.log(sum(math.exp(v - m) for v in s)) - s[label]
        else:
            total += sum(max(0.0, v - s[label] + 1.0) for j, v in enumerate(s) if j != label)
        correct += s.index(max(s)) == label
    penalty = reg * sum(w * w for row in W for w in row)
    return total / len(y) + penalty, correct / len(y)


@pytest.mark.parametrize("loss_name", ["softmax", "svm"])
def test_a_full_batch_step_reports_the_loss_and_accuracy_it_started_from(loss_name):
    W, b, X, y = _problem(seed=3, n=40)
    opt = SGD(W, b, lr=0.2, reg=0.01, loss=loss_name, rng=0)
    W0, b0 = opt.W, opt.b
    opt.step(X, y)
    We, be, terms, acc = opt.last_evaluation
    assert We is W0 and be is b0  # the parameters before the update
    total, expected_acc = _by_hand(W.tolist(), b.tolist(), X, y, 0.01, loss_name)
    assert terms.total == pytest.approx(total, rel=1e-12)
    assert acc == expected_acc
    _, dW, db = loss_and_gradients(W, b, X, y, reg=0.01, loss=loss_name)
    assert_allclose(terms.dW, dW, rtol=1e-12)
    assert_allclose(terms.db, db, rtol=1e-12)


def test_tied_scores_count_the_first_class_in_the_reported_accuracy():
    W, b, X, y = _problem(seed=4, n=50)
    opt = SGD(np.zeros_like(W), np.zeros_like(b), lr=0.1, rng=0)
    opt.step(X, y)  # every score is 0: argmax is class 0 for every point
    assert opt.last_evaluation[3] == np.mean(y == 0)


def test_a_minibatch_step_reports_no_full_batch_evaluation():
    W, b, X, y = _problem(seed=5, n=40)
    opt = SGD(W, b, lr=0.1, batch_size=8, rng=0)
    opt.step(X, y)
    assert opt.last_evaluation is None
    opt.batch_size = None
    opt.step(X, y)
    assert opt.last_evaluation is not None


# -- large epochs: shuffled batch by batch ---------------------------------------
def test_a_large_epoch_shuffled_batch_by_batch_visits_every_sample_once(monkeypatch):
    from explorer.engine import optim

    monkeypatch.setattr(optim, "LAZY_SHUFFLE_MIN", 50)
    n, B = 203, 16
    opt = SGD(np.zeros((2, 3)), np.zeros(3), batch_size=B, rng=7)
    for _epoch in range(3):
        seen = np.concatenate([opt.next_batch(n) for _ in range(-(-n // B))])
        assert sorted(seen.tolist()) == list(range(n))  # each sample once per epoch
    again = SGD(np.zeros((2, 3)), np.zeros(3), batch_size=B, rng=7)
    other = SGD(np.zeros((2, 3)), np.zeros(3), batch_size=B, rng=8)
    a, b = again.next_batch(n), other.next_batch(n)
    opt2 = SGD(np.zeros((2, 3)), np.zeros(3), batch_size=B, rng=7)
    assert_array_equal(opt2.next_batch(n), a)  # the same seed, the same batches
    assert not np.array_equal(a, b)


def test_batch_by_batch_shuffling_is_uniform(monkeypatch):
    """Where sample 0 lands in its epoch, and which sample opens an epoch, over many seeds:
    every position equally likely (chi-square against uniform, far from the 1e-3 tail)."""
    from explorer.engine import optim

    monkeypatch.setattr(optim, "LAZY_SHUFFLE_MIN", 10)
    n, B, runs = 12, 5, 6000
    where = np.zeros(n)
    first = np.zeros(n)
    for seed in range(runs):
        opt = SGD(np.zeros((2, 2)), np.zeros(2), batch_size=B, rng=seed)
        order = np.concatenate([opt.next_batch(n) for _ in range(-(-n // B))])
        where[int(np.flatnonzero(order == 0)[0])] += 1
        first[order[0]] += 1
    expected = runs / n
    for counts in (where, first):
        chi2 = float(((counts - expected) ** 2 / expected).sum())
        assert chi2 < 31.3, counts  # chi-square, 11 degrees of freedom, p = 0.001
