"""The dataset plot, driven through its real widgets and real mouse and key events."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from explorer import engine, style
from explorer.state import PRESETS
from explorer.views.dataset_plot import DEFAULT_RANGE, DatasetView
from explorer.views.widgets import messages


@pytest.fixture
def view(qtbot, scene):
    v = DatasetView(scene)
    qtbot.addWidget(v)
    v.resize(900, 800)
    v.show()
    qtbot.waitExposed(v)
    wait_regions(qtbot, v)
    qtbot.wait(50)  # let the window settle (late resizes change the range)
    wait_regions(qtbot, v)
    return v


# ---------------------------------------------------------------- helpers
def pixel(view, x, y) -> QPoint:
    """The viewport pixel showing data position (x, y), mapped independently of the view."""
    scene_pos = view.plot.plotItem.vb.mapViewToScene(QPointF(float(x), float(y)))
    return view.plot.mapFromScene(scene_pos)


def pixel_size(view):
    (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()
    vp = view.plot.viewport()
    return (x1 - x0) / vp.width(), (y1 - y0) / vp.height()


def data_at(view, pos: QPoint):
    p = view.plot.plotItem.vb.mapSceneToView(view.plot.mapToScene(pos))
    return np.array([p.x(), p.y()])


def scatter_points(view, j):
    x, y = view.scatters[j].getData()
    return np.column_stack([x, y])


def isolated_point(view, clearance_px=20):
    """Index of a visible point with no other point within ``clearance_px`` screen pixels."""
    X = view.scene.X
    px, py = pixel_size(view)
    for i in range(X.shape[0]):
        d = np.hypot((X[:, 0] - X[i, 0]) / px, (X[:, 1] - X[i, 1]) / py)
        d[i] = np.inf
        if d.min() > clearance_px and np.all(np.abs(X[i]) < 5):
            return i
    raise AssertionError("no isolated point")


def wait_regions(qtbot, view):
    """Wait until the region image covers the current view range."""
    def covers():
        (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()
        item = view.region_item
        r = item.mapRectToParent(item.boundingRect())
        return (item.image is not None and not view.region_timer.isActive()
                and np.allclose([r.left(), r.right(), r.top(), r.bottom()], [x0, x1, y0, y1]))
    qtbot.waitUntil(covers, timeout=2000)


def drag(qtbot, widget, start: QPoint, end: QPoint, steps=8):
    """A real mouse drag: press, move in steps (slower than pyqtgraph's rate limit), release."""
    qtbot.mouseMove(widget, start)
    qtbot.mousePress(widget, Qt.LeftButton, pos=start)
    qtbot.wait(20)
    for k in range(1, steps + 1):
        p = start + (end - start) * (k / steps)
        qtbot.mouseMove(widget, p)
        qtbot.wait(20)
    qtbot.mouseRelease(widget, Qt.LeftButton, pos=end)
    qtbot.wait(20)


# ------------------------------------------------------------------ points
def test_click_on_empty_space_adds_a_point_of_the_active_class(view, qtbot, scene):
    scene.set_active_class(1)
    target = np.array([4.3, -4.1])
    assert view.pick_point(*target) is None
    n = scene.n_points
    pos = pixel(view, *target)
    qtbot.mouseClick(view.plot.viewport(), Qt.LeftButton, pos=pos)
    assert scene.n_points == n + 1
    px, py = pixel_size(view)
    assert abs(scene.X[-1, 0] - target[0]) <= px and abs(scene.X[-1, 1] - target[1]) <= py
    assert scene.y[-1] == 1
    assert scene.selected is None
    assert np.any(np.all(scatter_points(view, 1) == scene.X[-1], axis=1))
    assert len(scatter_points(view, 1)) == np.count_nonzero(scene.y == 1)


def test_click_selects_and_delete_key_removes(view, qtbot, scene):
    i = isolated_point(view)
    old = scene.X[i].copy()
    label = int(scene.y[i])
    n_class = np.count_nonzero(scene.y == label)
    qtbot.mouseClick(view.plot.viewport(), Qt.LeftButton, pos=pixel(view, *old))
    assert scene.selected == i
    assert view.selection_item.getData()[0][0] == old[0]
    n = scene.n_points
    qtbot.keyClick(view.plot, Qt.Key_Delete)
    assert scene.n_points == n - 1
    assert not np.any(np.all(scene.X == old, axis=1))
    assert len(scatter_points(view, label)) == n_class - 1
    assert not np.any(np.all(scatter_points(view, label) == old, axis=1))
    assert scene.selected is None
    assert len(view.selection_item.getData()[0]) == 0


def test_escape_unselects_and_right_click_removes(view, qtbot, scene):
    i = isolated_point(view)
    old = scene.X[i].copy()
    scene.select(i)
    view.plot.setFocus()
    qtbot.keyClick(view.plot, Qt.Key_Escape)
    assert scene.selected is None
    n = scene.n_points
    qtbot.mouseClick(view.plot.viewport(), Qt.RightButton, pos=pixel(view, *old))
    assert scene.n_points == n - 1
    assert not np.any(np.all(scene.X == old, axis=1))
    # A right click on empty space changes nothing.
    qtbot.mouseClick(view.plot.viewport(), Qt.RightButton, pos=pixel(view, 4.3, -4.1))
    assert scene.n_points == n - 1


def test_dragging_a_point_moves_it_as_one_undo_entry(view, qtbot, scene):
    i = isolated_point(view)
    X0 = scene.X.copy()
    count = scene.undo_stack.count()
    start = pixel(view, *X0[i])
    end = start + QPoint(90, -60)
    drag(qtbot, view.plot.viewport(), start, end)
    expected = X0[i] + (data_at(view, end) - data_at(view, start))
    np.testing.assert_allclose(scene.X[i], expected, atol=1e-9)
    np.testing.assert_array_equal(np.delete(scene.X, i, 0), np.delete(X0, i, 0))
    assert scene.selected == i
    label = int(scene.y[i])
    np.testing.assert_array_equal(scatter_points(view, label), scene.X[scene.y == label])
    assert scene.undo_stack.count() == count + 1
    scene.undo()
    np.testing.assert_array_equal(scene.X, X0)
    for j in range(scene.n_classes):
        np.testing.assert_array_equal(scatter_points(view, j), X0[scene.y == j])


def test_dragging_among_ten_thousand_points_moves_only_that_point(view, qtbot, scene):
    scene.load_preset("blobs", n=10_000, seed=1)
    i = scene.add_point(5.0, -5.0, label=1)
    X0 = scene.X.copy()
    start = pixel(view, 5.0, -5.0)
    drag(qtbot, view.plot.viewport(), start, start + QPoint(-120, 40), steps=6)
    assert scene.X[i, 0] < 4.0
    np.testing.assert_array_equal(np.delete(scene.X, i, 0), np.delete(X0, i, 0))
    for j in range(3):
        np.testing.assert_array_equal(scatter_points(view, j), scene.X[scene.y == j])


def test_dragging_an_arrow_tip_sets_the_class_vector(view, qtbot, scene):
    W = np.array([[3.0, -3.0, 0.0], [0.0, 0.0, -3.0]])
    scene.set_weights(W, np.zeros(3))
    count = scene.undo_stack.count()
    start = pixel(view, -3.0, 0.0)
    end = pixel(view, -2.0, 3.5)
    drag(qtbot, view.plot.viewport(), start, end)
    expected = np.array([-3.0, 0.0]) + (data_at(view, end) - data_at(view, start))
    np.testing.assert_allclose(scene.W[:2, 1], expected, atol=1e-9)
    px, py = pixel_size(view)
    assert abs(scene.W[0, 1] - -2.0) <= 2 * px and abs(scene.W[1, 1] - 3.5) <= 2 * py
    np.testing.assert_array_equal(scene.W[:, [0, 2]], W[:, [0, 2]])
    assert scene.undo_stack.count() == count + 1
    assert view.arrows[1].vector == tuple(scene.W[:2, 1])
    scene.undo()
    np.testing.assert_array_equal(scene.W, W)
    assert view.arrows[1].vector == (-3.0, 0.0)


# ------------------------------------------------------------------ regions
@pytest.mark.parametrize("features", [(), ("x1^2", "x2^2")])
def test_region_colour_under_points_is_the_argmax_class(view, qtbot, scene, features):
    scene.set_features(features)
    if features:
        W = scene.W.copy()
        W[2:] = [[-0.3, 0.2, 0.1], [0.1, -0.2, 0.25]]
        scene.set_weights(W, scene.b)
    wait_regions(qtbot, view)
    img = view.region_item.image
    G = view.grid
    assert img.shape == (G, G, 4)
    (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()
    dx, dy = (x1 - x0) / G, (y1 - y0) / G

    def argmax_at(x, y):
        z = [x, y] + [engine.FEATURES[f](x, y) for f in scene.features]
        return int(np.argmax(np.array(z) @ scene.W + scene.b))

    checked = 0
    for x, y in scene.X:
        c, r = int((x - x0) // dx), int((y - y0) // dy)
        if not (1 <= c < G - 1 and 1 <= r < G - 1):
            continue
        xc, yc = x0 + (c + 0.5) * dx, y0 + (r + 0.5) * dy
        k = argmax_at(xc, yc)
        if any(argmax_at(xc + a * dx, yc + b * dy) != k for a in (-1, 1) for b in (-1, 1)):
            continue  # next to a boundary: the engine paints it as a line
        assert tuple(img[r, c, :3]) == tuple(engine.DEFAULT_PALETTE[k])
        assert img[r, c, 3] > 0
        checked += 1
    assert checked > 50


def test_regions_follow_the_view_and_weights_but_not_points(view, qtbot, scene):
    count = view.region_updates
    image = view.region_item.image
    scene.move_point(0, 1.0, 1.0)
    scene.add_point(2.0, 2.0)
    qtbot.wait(30)
    assert view.region_updates == count
    assert view.region_item.image is image
    scene.set_class_vector(0, (2.0, -1.0))
    qtbot.waitUntil(lambda: view.region_updates == count + 1, timeout=2000)
    assert view.region_item.image is not image
    view.plot.plotItem.vb.setRange(xRange=(0, 3), yRange=(-1, 2), padding=0)
    wait_regions(qtbot, view)
    qtbot.keyClick(view.plot, Qt.Key_Home)
    wait_regions(qtbot, view)
    (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()
    assert (x0, x1) == pytest.approx(DEFAULT_RANGE) or (y0, y1) == pytest.approx(DEFAULT_RANGE)
    assert x0 <= DEFAULT_RANGE[0] + 1e-9 and x1 >= DEFAULT_RANGE[1] - 1e-9
    assert y0 <= DEFAULT_RANGE[0] + 1e-9 and y1 >= DEFAULT_RANGE[1] - 1e-9


# ------------------------------------------------------------------ toolbar
def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    edit.clear()
    qtbot.keyClicks(edit, text)


@pytest.mark.parametrize("name", PRESETS)
def test_generate_each_preset_through_the_widgets(view, qtbot, scene, name):
    view.preset_combo.setCurrentIndex(view.preset_combo.findData(name))
    type_into(qtbot, view.n_edit, "237")
    type_into(qtbot, view.noise_edit, "0.3" if name != "xor" else "default")
    type_into(qtbot, view.seed_edit, "7")
    with qtbot.waitSignal(scene.dataset_changed):
        qtbot.mouseClick(view.generate_button, Qt.LeftButton)
    noise = None if name == "xor" else 0.3
    X, y = engine.make_dataset(name, 237, classes=3, noise=noise, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(scene.X, X)
    np.testing.assert_array_equal(scene.y, y)
    for j in range(3):
        np.testing.assert_array_equal(scatter_points(view, j), X[y == j])


def test_clear_empties_the_plot(view, qtbot, scene):
    qtbot.mouseClick(view.clear_button, Qt.LeftButton)
    assert scene.n_points == 0
    assert all(len(item.getData()[0]) == 0 for item in view.scatters)


# NumberEdit shows its error in a tooltip bubble, which the offscreen platform cannot raise.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
@pytest.mark.parametrize("text", ["abc", "0", "1e9", "2.5", ""])
def test_bad_number_of_points_changes_nothing(view, qtbot, scene, text):
    X, count = scene.X, scene.undo_stack.count()
    type_into(qtbot, view.n_edit, text)
    with qtbot.waitSignal(messages.message) as blocker:
        qtbot.mouseClick(view.generate_button, Qt.LeftButton)
    assert "number of points" in blocker.args[0]
    assert view.n_edit.error()
    assert scene.X is X
    assert scene.undo_stack.count() == count


def test_preset_widgets_follow_the_scene(view, scene):
    scene.load_preset("spiral", n=321, noise=0.25, seed=4)
    assert view.preset_combo.currentData() == "spiral"
    assert view.n_edit.text() == "321"
    assert view.noise_edit.value() == 0.25
    assert view.seed_edit.text() == "4"


# ------------------------------------------------------------------ classes
def test_more_classes_rebuild_the_class_items(view, qtbot, scene):
    scene.set_n_classes(5)
    assert len(view.scatters) == 5
    assert len(view.arrows) == 5
    assert len(view.class_buttons) == 5
    for j in range(5):
        np.testing.assert_array_equal(scatter_points(view, j), scene.X[scene.y == j])
        assert view.scatters[j].opts["symbol"] == style.class_symbol(j)
        assert view.scatters[j].opts["brush"].color() == style.class_color(j)
        assert view.arrows[j].vector == tuple(scene.W[:2, j])
    qtbot.keyClick(view.plot, Qt.Key_5)
    assert scene.active_class == 4
    assert view.class_buttons[4].isChecked()
    qtbot.mouseClick(view.class_buttons[2], Qt.LeftButton)
    assert scene.active_class == 2
    with qtbot.waitSignal(messages.message):
        qtbot.keyClick(view.plot, Qt.Key_9)
    assert scene.active_class == 2
    scene.set_n_classes(2)
    assert len(view.scatters) == len(view.arrows) == len(view.class_buttons) == 2
    assert view.class_buttons[scene.active_class].isChecked()
    wait_regions(qtbot, view)


def test_overflowing_regions_are_reported_not_raised(view, qtbot, scene):
    view.plot.plotItem.vb.setRange(xRange=(-1e5, 1e5), yRange=(-1e5, 1e5), padding=0)
    wait_regions(qtbot, view)
    scene.set_reg(0.0)
    scene.set_features(("x1^2",))
    W = np.zeros((3, 3))
    W[2] = [1e300, 0.0, -1e300]  # fine at the points (x1^2 < 40), overflows at x1^2 = 1e10
    with qtbot.waitSignal(messages.message) as blocker:
        scene.set_weights(W, np.zeros(3))
    assert "overflow" in blocker.args[0]
    assert not view.region_item.isVisible()
    scene.set_weights(np.eye(3, 3), np.zeros(3))
    qtbot.waitUntil(view.region_item.isVisible, timeout=2000)
    wait_regions(qtbot, view)
