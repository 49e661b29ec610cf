import numpy as np

from explorer import engine


def test_window_opens_alive_with_three_classes(window):
    s = window.scene
    assert s.n_classes == 3
    assert s.n_points > 0
    assert np.any(s.W != 0)
    assert "accuracy" in window.summary_label.text()


def test_step_action_matches_one_engine_update(window, qtbot):
    s = window.scene
    W0, b0 = s.W.copy(), s.b.copy()
    total, dW, db = engine.loss_and_gradients(W0, b0, s.Z, s.y, reg=s.reg, loss=s.loss)
    window.step_action.trigger()
    np.testing.assert_array_equal(s.W, W0 - s.lr * dW)
    np.testing.assert_array_equal(s.b, b0 - s.lr * db)
    assert s.step == 1


def test_the_application_gives_large_arrays_ordinary_pages(qapp):
    """make_application turns off NumPy's request for transparent huge pages (a fresh
    array of 10**6 points then fills in ~11 ms instead of ~25 where the kernel compacts
    memory for them)."""
    from explorer.app import make_application

    switch = np._core.multiarray._set_madvise_hugepage
    switch(True)
    make_application()
    previous = switch(False)
    assert previous is False
