"""The dataset plot, driven through its real widgets and real mouse and key events."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

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


def rgb_of(words) -> np.ndarray:
    """The (G, G, 3) channels of an opaque image of 0xFFRRGGBB words."""
    assert words.dtype == np.uint32 and words.ndim == 2 and ((words >> 24) == 255).all()
    return np.stack([(words >> 16) & 255, (words >> 8) & 255, words & 255],
                    axis=-1).astype(np.uint8)


def shown_rgb(view) -> np.ndarray:
    """The region image as the item shows it (blended over the plot's background by the
    engine): its channels."""
    return rgb_of(view.region_item.image)


def over(colour, backdrop, alphas=range(1, 256)) -> set:
    """``colour`` (r, g, b) at each of ``alphas`` over ``backdrop``, as 8-bit source-over
    blends it: each channel c a / 255 + bg (255 - a) / 255, each term rounded (one either
    way: raster painters' division by 255 is not always the nearest)."""
    def near(v):
        return {math.floor(v / 255), math.ceil(v / 255)}
    colours = set()
    for a in alphas:
        channels = [{p + q for p in near(int(c) * a) for q in near(int(g) * (255 - a))}
                    for c, g in zip(colour, backdrop)]
        colours |= {(r, g, b) for r in channels[0] for g in channels[1] for b in channels[2]}
    return colours


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
    ring = view.selection_item  # rings at its origin, the item at the point
    assert (ring.pos().x(), ring.pos().y()) == (old[0], old[1])
    assert set(ring.getData()[0]) == {0.0} and ring.isVisible()
    n = scene.n_points
    qtbot.keyClick(view.plot, Qt.Key_Delete)
    assert scene.n_points == n - 1
    assert not np.any(np.all(scene.X == old, axis=1))
    assert len(scatter_points(view, label)) == n_class - 1
    assert not np.any(np.all(scatter_points(view, label) == old, axis=1))
    assert scene.selected is None
    assert len(view.selection_item.getData()[0]) == 0
    assert not view.selection_item.isVisible()  # (an empty scatter still costs a paint)


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


def test_a_dragged_point_is_lifted_out_of_its_class_drawing_until_released(view, qtbot, scene):
    """While dragged, the point is drawn by ``lifted_item`` (moved, not redrawn) and hidden in
    its class's scatter, whose drawing is then not redone on each move; on release it is back
    in the scatter at its new place and size, and nothing else is hidden."""
    scene.load_preset("blobs", n=2_000, seed=1)
    i = scene.add_point(4.5, -4.5, label=1)
    view.size_by_loss_check.setChecked(True)
    qtbot.wait(20)
    k = int(np.count_nonzero(scene.y[:i] == 1))
    item = view.scatters[1]
    paints = []  # each redraw of the class's cached drawing starts with invalidate()
    original = item.invalidate

    def counting():
        paints.append(1)
        return original()

    item.invalidate = counting
    try:
        vp = view.plot.viewport()
        start = pixel(view, 4.5, -4.5)
        qtbot.mouseMove(vp, start)
        qtbot.mousePress(vp, Qt.LeftButton, pos=start)
        qtbot.wait(20)
        for step in range(1, 6):
            qtbot.mouseMove(vp, start + QPoint(-25 * step, 10 * step))
            qtbot.wait(25)
            if step == 1:
                paints.clear()  # (lifting it redraws the class once)
            assert not item.data["visible"][k] and view.lifted_item.isVisible()
            lifted = view.lifted_item.pos()
            assert (lifted.x(), lifted.y()) == tuple(scene.X[i])
            assert view.lifted_item.data["size"][0] == view.marker_size(i)
        assert scene.X[i, 0] < 4.0
        assert paints == []  # moves redrew no marker of class 2
        qtbot.mouseRelease(vp, Qt.LeftButton, pos=start + QPoint(-125, 50))
        qtbot.wait(30)
        assert paints  # dropped: drawn again with the point (so the count above counts)
    finally:
        del item.invalidate
    assert not view.lifted_item.isVisible() and item.data["visible"].all()
    assert tuple(item.data[["x", "y"]][k]) == tuple(scene.X[i])
    assert item.data["size"][k] == view.marker_size(i)
    for j in range(scene.n_classes):
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


def test_regions_during_an_arrow_drag_form_one_class_and_show_what_region_image_does(
        view, qtbot, scene):
    """While w_2's tip is dragged the region image forms only class 2's scores again (the
    other classes' share is kept from the second move on), and what the plot shows is
    ``engine.region_image`` of the W reached: the same colours and boundaries, the alpha
    within one level; undo too (class 2's weights alone change back); then new weights
    of every class: the whole image."""
    W = np.array([[3.0, -3.0, 0.0], [0.0, 0.0, -3.0]])
    scene.set_weights(W, np.zeros(3))
    wait_regions(qtbot, view)
    drag(qtbot, view.plot.viewport(), pixel(view, -3.0, 0.0), pixel(view, -1.0, 2.5), steps=6)
    wait_regions(qtbot, view)
    assert view.region_images.kept_class == 1
    (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()

    def shown_is_region_image():
        # (over the background: one alpha level apart moves a channel by one at most)
        want = engine.region_image(scene.W, scene.b, (x0, x1), (y0, y1), view.grid,
                                   palette=style.palette_array(), alpha=view.region_alpha,
                                   boundary_rgba=view._boundary_rgba(),
                                   backdrop=view.region_item.backdrop_rgb)
        got = shown_rgb(view).astype(int)
        want = rgb_of(want).astype(int)
        assert np.abs(got - want).max() <= 1
        assert len(np.unique(want.reshape(-1, 3), axis=0)) >= 3  # regions and lines

    shown_is_region_image()
    scene.undo()
    wait_regions(qtbot, view)
    np.testing.assert_array_equal(scene.W, W)
    assert view.region_images.kept_class == 1
    shown_is_region_image()
    scene.set_weights(W[:, ::-1].copy(), np.zeros(3))
    wait_regions(qtbot, view)
    assert view.region_images.kept_class is None
    shown_is_region_image()


def test_an_arrow_drag_over_a_large_dataset_spreads_its_metrics_then_settles(
        view, qtbot, scene, spread, passes):
    """Over a dataset too large to evaluate within a frame, the moves of an arrow drag do not
    evaluate every point (the metrics follow as while training); on release they become
    exact for the final W over the next frames."""
    from explorer import engine

    scene.load_preset("blobs", 3000, None, 0)
    scene.set_weights(np.array([[3.0, -3.0, 0.0], [0.0, 0.0, -3.0]]), np.zeros(3))
    view.size_by_loss_check.setChecked(False)  # (as it is off above 20,000 points: sizes
    # need every point's loss)
    spread(scene, 500)
    rows = passes
    rows.clear()
    drag(qtbot, view.plot.viewport(), pixel(view, -3.0, 0.0), pixel(view, -2.0, 3.5))
    assert rows and max(rows) <= 1000  # never every point at once
    qtbot.waitUntil(lambda: not scene.settling)
    assert max(rows) <= 1000
    d = scene.data
    assert abs(d.W[1, 1] - 3.5) < 0.2
    m = scene.metrics()
    exact = engine.core.evaluate(d.W, d.b, scene.Z, d.y, reg=d.reg, loss=d.loss)
    assert m.W is d.W and m.terms.total == exact.terms.total and m.accuracy == exact.accuracy


def head_direction_cosines(view, scene):
    """For each class arrow: the cosine between its vector on screen and the way from its tip
    to the middle of its head's drawing (-1: the head sits on the shaft, pointing outwards)."""
    out = []
    for j, arrow in enumerate(view.arrows):
        w = scene.W[:2, j]
        tip, origin = pixel(view, *w), pixel(view, 0.0, 0.0)
        v = np.array([tip.x() - origin.x(), tip.y() - origin.y()], dtype=float)
        head = arrow.head  # (drawn in pixels: ItemIgnoresTransformations)
        c = head.deviceTransform(view.plot.viewportTransform()).map(head.boundingRect().center())
        d = np.array([c.x() - tip.x(), c.y() - tip.y()], dtype=float)
        out.append(float(v @ d / (np.linalg.norm(v) * np.linalg.norm(d))))
    return out


def test_arrow_heads_point_along_their_vectors_and_are_blitted_between_changes(view, qtbot, scene):
    """Heads at odd angles are drawn turned (not turned items, which Qt draws again in every
    paint): after a change only the changed arrow's head is drawn again."""
    for j, w in enumerate([(2.1, 1.3), (-1.7, 2.9), (0.4, -3.3)]):
        scene.set_class_vector(j, w)
    wait_regions(qtbot, view)
    cosines = head_direction_cosines(view, scene)
    assert all(c < -0.97 for c in cosines), cosines
    drawn = []
    for arrow in view.arrows:
        base = type(arrow.head)
        arrow.head.__class__ = type("CountingHead", (base,), {
            "paint": lambda self, p, *a, _base=base: (drawn.append(self), _base.paint(self, p, *a))[1]})
    view.plot.viewport().repaint()
    drawn.clear()
    view.plot.viewport().repaint()
    assert drawn == []  # nothing changed: every head blitted from its cache
    scene.set_class_vector(1, (-2.2, 2.5))
    wait_regions(qtbot, view)
    view.plot.viewport().repaint()
    assert drawn and set(drawn) == {view.arrows[1].head}
    # A new style (here: the emphasis of a hovered class) keeps each head's direction.
    for arrow in view.arrows:
        arrow.set_emphasis(True)
    view.plot.viewport().repaint()
    cosines = head_direction_cosines(view, scene)
    assert all(c < -0.97 for c in cosines), cosines


@pytest.mark.parametrize("n_points, throttled", [(300, False), (3_000, True)])
def test_marker_sizes_follow_an_arrow_drag_at_10_hz_over_many_points(view, qtbot, scene,
                                                                     n_points, throttled):
    """Over many points, an arrow drag redraws at most one class's markers per move (their
    sizes by loss follow at ~10 Hz) and every size is exact when the drag ends; over a
    classroom dataset every move shows every size."""
    from explorer.views.dataset_plot import loss_marker_sizes

    scene.load_preset("blobs", n=n_points, seed=2)
    view.size_by_loss_check.setChecked(True)
    scene.set_weights(np.array([[3.0, -3.0, 0.0], [0.0, 0.0, -3.0]]), np.zeros(3))
    qtbot.wait(50)

    def exact():
        return loss_marker_sizes(scene.point_losses(), view.marker_base_size())

    def shown_per_class():
        return [item.data["size"].copy() for item in view.scatters]

    vp = view.plot.viewport()
    start = pixel(view, -3.0, 0.0)
    qtbot.mouseMove(vp, start)
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    qtbot.wait(20)
    most_changed = 0
    stale = 0
    for step in range(1, 7):
        before = shown_per_class()
        qtbot.mouseMove(vp, start + QPoint(12 * step, -15 * step))
        qtbot.wait(15)
        after = shown_per_class()
        changed = sum(not np.array_equal(a, b) for a, b in zip(before, after))
        most_changed = max(most_changed, changed)
        sizes = exact()
        stale += int(any(not np.array_equal(after[j], sizes[scene.y == j]) for j in range(3)))
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=start + QPoint(72, -90))
    qtbot.wait(30)
    assert scene.W[0, 1] > -3.0  # it moved
    sizes = exact()
    for j in range(3):  # exact once the drag ends
        np.testing.assert_array_equal(view.scatters[j].data["size"], sizes[scene.y == j])
    if throttled:
        assert most_changed <= 1 and stale > 0
    else:
        assert stale == 0


def test_marker_diameter_is_full_for_a_classroom_dataset_and_shrinks_over_thousands():
    from explorer.views.dataset_plot import DENSE_POINTS, marker_diameter

    for full in (13.0, 15.73, 26.0):
        assert marker_diameter(0, full) == marker_diameter(DENSE_POINTS, full) == full
        ns = [DENSE_POINTS + 1, 1_500, 2_000, 5_000, 10_000, 16_000, 50_000, 10**6]
        d = [marker_diameter(n, full) for n in ns]
        assert all(a >= b for a, b in zip(d, d[1:]))  # never grows with more points
        assert all(v == round(v) for v in d)  # whole pixels (the atlas keeps one per size)
        assert d[-1] == d[-3] == round(full / 2)  # half size from 16,000 points on
    # by hand: 13 * (1000 / 2000) ** 0.25 = 10.93, 13 * (1000 / 10000) ** 0.25 = 7.31
    assert marker_diameter(2_000, 13.0) == 11.0
    assert marker_diameter(10_000, 13.0) == 7.0


def painted_width(qtbot, view, i) -> int:
    """How many pixels wide point i is painted: the columns of its row that change when
    the point moves away (nothing else on the plot depends on where it is)."""
    vp = view.plot.viewport()
    x, y = (float(v) for v in view.scene.X[i])
    centre = pixel(view, x, y)
    before = vp.grab().toImage()
    view.scene.move_point(i, -x, -y)
    qtbot.wait(30)
    after = vp.grab().toImage()
    view.scene.move_point(i, x, y)
    qtbot.wait(30)
    ratio = before.devicePixelRatio()
    row = int(centre.y() * ratio)
    changed = [c for c in range(int((centre.x() - 40) * ratio), int((centre.x() + 40) * ratio))
               if before.pixel(c, row) != after.pixel(c, row)]
    assert changed, "the point painted nothing"
    return round((changed[-1] - changed[0] + 1) / ratio)


def test_markers_shrink_over_thousands_of_points_and_grow_back(view, qtbot, scene):
    """Over 1,000 points the markers get smaller (a dense cloud keeps its shape and the arrows
    on it show); back at a classroom size they are full size again: in the state (every
    scatter, sizes by loss) and in what the plot paints."""
    from explorer.views.dataset_plot import POINT_SIZE, loss_marker_sizes, marker_diameter

    full = style.scaled(POINT_SIZE)
    view.size_by_loss_check.setChecked(False)  # one size: the painted width is the diameter
    widths = {}
    for n in (300, 10_000, 300):
        scene.load_preset("blobs", n=n, seed=0)
        # corners no blob reaches: the point's own, and where it moves to (and back)
        assert view.pick_point(-5.0, 5.0, radius=40) is None
        assert view.pick_point(5.0, -5.0, radius=40) is None
        i = scene.add_point(-5.0, 5.0, label=0)
        qtbot.wait(30)
        base = marker_diameter(scene.n_points, full)
        assert view.marker_base_size() == base
        assert all(item.opts["size"] == base for item in view.scatters)
        assert view.marker_size(i) == base
        widths.setdefault(n, []).append(painted_width(qtbot, view, i))
        if n == 10_000:
            assert base == marker_diameter(10_001, full) < 0.6 * full
            view.size_by_loss_check.setChecked(True)
            qtbot.wait(30)
            sizes = loss_marker_sizes(scene.point_losses(), base)
            for k, item in enumerate(view.scatters):
                np.testing.assert_array_equal(item.data["size"], sizes[scene.y == k])
            assert sizes.max() <= 2 * base
            view.size_by_loss_check.setChecked(False)
        else:
            assert base == full
    small, (big, big_again) = widths[10_000][0], widths[300]
    assert abs(big - full) <= 2 and abs(small - marker_diameter(10_001, full)) <= 2
    assert big_again == big and small < big - 3


# ------------------------------------------------------------------ regions
@pytest.mark.parametrize("features", [(), ("x1^2", "x2^2")])
def test_region_colour_under_points_is_the_argmax_class(view, qtbot, scene, features):
    scene.set_features(features)
    if features:
        W = scene.W.copy()
        W[2:] = [[-0.3, 0.2, 0.1], [0.1, -0.2, 0.25]]
        scene.set_weights(W, scene.b)
    wait_regions(qtbot, view)
    img = shown_rgb(view)
    G = view.grid
    assert img.shape == (G, G, 3)
    bg = view.region_item.backdrop_rgb
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
        # the class's colour, at some alpha > 0, over the background
        assert tuple(int(v) for v in img[r, c]) in over(engine.DEFAULT_PALETTE[k], bg)
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


# ------------------------------------------------------- intuition tools
@pytest.fixture
def appearance():
    """The global appearance (conftest restores the default look after each test)."""
    return style.appearance


def softmax_by_hand(s):
    e = np.exp(s - np.max(s))
    return e / e.sum()


def expected_pulls(scene, i):
    """-lr * outer(x_i, p - onehot(y_i))[:2]: the SGD step point i alone takes, (2, C)."""
    x = scene.X[i]
    s = x @ scene.W[:2] + scene.b
    onehot = np.eye(scene.n_classes)[scene.y[i]]
    if scene.loss == "softmax":
        g = softmax_by_hand(s) - onehot
    else:  # hinge subgradient: +1 for each violated margin, minus their count for y
        m = s - s[scene.y[i]] + 1.0
        m[scene.y[i]] = 0.0
        g = (m > 0).astype(float)
        g[scene.y[i]] = -g.sum()
    return -scene.lr * np.outer(x, g)


def check_pulls(view, scene, i, magnification=1):
    expected = expected_pulls(scene, i)
    np.testing.assert_allclose(view.pull_steps, expected, rtol=1e-12, atol=1e-15)
    px, py = pixel_size(view)
    for j, pull in enumerate(view.pull_arrows):
        tip = scene.W[:2, j]
        delta = magnification * expected[:, j]
        assert pull.start == pytest.approx(tuple(tip))
        assert pull.delta == pytest.approx(tuple(delta), rel=1e-12, abs=1e-15)
        long_enough = np.hypot(delta[0] / px, delta[1] / py) >= 3
        assert pull.shown == ("arrow" if long_enough else "dot")
        if long_enough:
            assert pull.head.isVisible() and pull.shaft.isVisible() and not pull.dot.isVisible()
            head = pull.head.pos()
            assert (head.x(), head.y()) == pytest.approx(tuple(tip + delta))
            xs, ys = pull.shaft.getData()
            assert (xs[0], ys[0]) == pytest.approx(tuple(tip))
        else:
            assert pull.dot.isVisible() and not pull.head.isVisible()
            assert tuple(np.column_stack(pull.dot.getData())[0]) == pytest.approx(tuple(tip))


def test_pull_arrows_are_the_selected_points_own_sgd_step(view, qtbot, scene):
    scene.set_lr(1.0)  # long enough to draw as arrows
    i = isolated_point(view)
    assert all(p.shown is None for p in view.pull_arrows)
    qtbot.mouseClick(view.plot.viewport(), Qt.LeftButton, pos=pixel(view, *scene.X[i]))
    assert scene.selected == i
    check_pulls(view, scene, i)
    assert all(p.shown == "arrow" for p in view.pull_arrows)

    # They follow the point as it is dragged (live, during the drag) ...
    start = pixel(view, *scene.X[i])
    drag(qtbot, view.plot.viewport(), start, start + QPoint(70, 50))
    assert scene.selected == i
    check_pulls(view, scene, i)
    # ... W, the learning rate and the loss
    scene.set_class_vector(1, (2.0, -1.5))
    check_pulls(view, scene, i)
    scene.set_lr(0.3)
    check_pulls(view, scene, i)
    scene.set_loss("svm")
    check_pulls(view, scene, i)

    # "×10" draws them ten times longer
    qtbot.mouseClick(view.pull_zoom_check, Qt.LeftButton)
    assert view.pull_zoom_check.isChecked()
    check_pulls(view, scene, i, magnification=10)

    # Unselect hides them
    assert view.unselect_button.isEnabled() and str(i + 1) in view.unselect_button.text()
    qtbot.mouseClick(view.unselect_button, Qt.LeftButton)
    assert scene.selected is None
    assert view.pull_steps is None
    assert all(p.shown is None and not p.head.isVisible() and not p.dot.isVisible()
               for p in view.pull_arrows)
    assert len(view.selection_item.getData()[0]) == 0
    assert not view.unselect_button.isEnabled()


def test_a_tiny_pull_is_a_dot_at_the_arrow_tip(view, qtbot, scene):
    scene.set_lr(1e-4)
    i = isolated_point(view)
    scene.select(i)
    check_pulls(view, scene, i)
    assert all(p.shown == "dot" for p in view.pull_arrows)
    view.pull_zoom_check.setChecked(True)
    check_pulls(view, scene, i, magnification=10)
    # A dot follows its arrow's tip (moved in place, not rebuilt): data and drawn extent.
    scene.set_class_vector(0, (1.5, -2.0))
    check_pulls(view, scene, i, magnification=10)
    dot = view.pull_arrows[0].dot
    centre = dot.mapRectToParent(dot.boundingRect()).center()
    assert (centre.x(), centre.y()) == pytest.approx((1.5, -2.0), abs=1e-6)


def test_markers_grow_with_their_loss(view, qtbot, scene):
    assert view.size_by_loss_check.isChecked()
    # L_i = -ln p_{y_i}, by hand
    S = scene.X @ scene.W + scene.b
    L = np.array([-np.log(softmax_by_hand(s)[y]) for s, y in zip(S, scene.y)])
    base = view.scatters[0].opts["size"]
    assert base == 13
    shown_sizes, shown_losses, shown_widths = [], [], []
    for j, item in enumerate(view.scatters):
        members = scene.y == j
        sizes = item.data["size"]
        assert len(sizes) == np.count_nonzero(members)
        shown_sizes.append(sizes)
        shown_losses.append(L[members])
        shown_widths.append(item.data["sourceRect"]["w"])
    sizes, losses = np.concatenate(shown_sizes), np.concatenate(shown_losses)
    widths = np.concatenate(shown_widths)
    assert losses.max() > 2 and losses.min() < 0.5  # the scene mixes good and bad points
    order = np.argsort(losses, kind="stable")
    assert np.all(np.diff(sizes[order]) >= 0)  # bigger loss, never a smaller marker
    assert sizes[order[-1]] > sizes[order[0]]
    np.testing.assert_allclose(sizes, np.rint(base * (1 + np.minimum(losses, 5) / 5)))
    # what is drawn: the pre-rendered symbol grows with the size
    assert np.all(np.diff(widths[order]) >= 0) and widths[order[-1]] > widths[order[0]]

    # a training step shrinks markers as their loss falls; unticking restores one size
    scene.set_lr(1.0)
    _, dW, db = engine.loss_and_gradients(scene.W, scene.b, scene.Z, scene.y)
    scene.set_weights(scene.W - dW, scene.b - db)
    losses_now = scene.point_losses()
    for j, item in enumerate(view.scatters):
        np.testing.assert_allclose(
            item.data["size"], np.rint(base * (1 + np.minimum(losses_now[scene.y == j], 5) / 5)))
    qtbot.mouseClick(view.size_by_loss_check, Qt.LeftButton)
    assert not view.size_by_loss_check.isChecked()
    for item in view.scatters:
        assert np.all(item.data["size"] == -1)
        assert len(set(item.data["sourceRect"]["w"].tolist())) == 1


def test_many_points_keep_one_marker_size(view, qtbot, scene):
    from explorer.views.dataset_plot import SIZE_BY_LOSS_MAX_POINTS
    scene.load_preset("blobs", n=SIZE_BY_LOSS_MAX_POINTS + 1, seed=2)
    assert not view.size_by_loss_check.isEnabled()
    assert view.point_sizes is None
    assert all(np.all(item.data["size"] == -1) for item in view.scatters)
    scene.load_preset("blobs", n=300, seed=2)
    assert view.size_by_loss_check.isEnabled() and view.point_sizes is not None


def test_hovering_a_point_shows_its_values(view, qtbot, scene):
    i = isolated_point(view)
    fmt = style.format_number
    vp = view.plot.viewport()
    qtbot.mouseMove(vp, pixel(view, *scene.X[i]) + QPoint(2, 1))
    qtbot.waitUntil(view.hover_label.isVisible, timeout=2000)
    assert view.hover_index == i
    text = view.hover_label.toPlainText()
    s = scene.X[i] @ scene.W + scene.b
    p = softmax_by_hand(s)
    L = -np.log(p[scene.y[i]])
    assert f"point {i + 1}" in text and f"class {scene.y[i] + 1}" in text
    assert f"x₁ = {fmt(scene.X[i, 0])}" in text and f"x₂ = {fmt(scene.X[i, 1])}" in text
    for j in range(scene.n_classes):
        assert fmt(s[j]) in text and fmt(p[j], 3) in text
    assert fmt(L) in text
    # The read-out follows training while the mouse rests on the point.
    scene.set_class_vector(0, (1.0, 1.0))
    s = scene.X[i] @ scene.W + scene.b
    assert fmt(s[0]) in view.hover_label.toPlainText()
    # Nothing over empty space.
    qtbot.mouseMove(vp, pixel(view, 4.3, -4.1))
    qtbot.waitUntil(lambda: not view.hover_label.isVisible(), timeout=2000)
    assert view.hover_index is None


def label_box_pixels(view, label, inset):
    """What the viewport shows of ``label``'s box: its four edges' middles (each with the
    pixels either side across the edge) and its four corners ``inset`` pixels inside."""
    text = label.textItem
    rect = view.plot.mapFromScene(text.mapRectToScene(text.boundingRect())).boundingRect()
    shot = view.plot.viewport().grab().toImage()

    def rgb(x, y):
        c = QColor(shot.pixel(x, y))
        return np.array([c.red(), c.green(), c.blue()])
    left, right, top, bottom = rect.left(), rect.right() + 1, rect.top(), rect.bottom() + 1
    cx, cy = rect.center().x(), rect.center().y()
    edges = [[rgb(x + d, cy) for d in (-1, 0, 1)] for x in (left, right)]
    edges += [[rgb(cx, y + d) for d in (-1, 0, 1)] for y in (top, bottom)]
    corners = [rgb(x, y) for x in (left + inset, right - inset) for y in (top + inset, bottom - inset)]
    return edges, corners


def test_arrow_and_hover_labels_show_their_boxes_from_the_first_paint(view, qtbot, scene):
    """Each arrow's label sits in a box of its class's colour filled with the background
    (over markers and regions alike), and so does the hover read-out the first time it shows
    (both drawings are cached: the arrows' boxes once went off the cache's pixmap at the
    first paint and stayed off)."""
    wait_regions(qtbot, view)
    qtbot.wait(30)
    for arrow in view.arrows:
        colour = style.class_color(arrow.j)
        border = np.array([colour.red(), colour.green(), colour.blue()])
        edges, corners = label_box_pixels(view, arrow.label, inset=4)
        for edge in edges:  # the border, 3 pixels wide, at every edge
            assert min(np.abs(px - border).max() for px in edge) <= 12, (arrow.j, edge)
        for px in corners:  # inside: the white fill at 215 of 255 over whatever is below
            assert px.min() >= 214, (arrow.j, px)
    i = isolated_point(view)
    qtbot.mouseMove(view.plot.viewport(), pixel(view, *scene.X[i]) + QPoint(2, 1))
    qtbot.waitUntil(view.hover_label.isVisible, timeout=2000)
    qtbot.wait(30)
    edges, corners = label_box_pixels(view, view.hover_label, inset=3)
    for edge in edges:  # a dark border (the foreground, 1.5 pixels wide)
        assert min(px.max() for px in edge) <= 110, edge
    for px in corners:
        assert px.min() >= 220, px


def test_hover_picking_is_throttled(view, qtbot, scene, monkeypatch):
    calls = []
    original = view._update_hover
    monkeypatch.setattr(view, "_update_hover", lambda: (calls.append(1), original()))
    view.hover_timer.timeout.disconnect()
    view.hover_timer.timeout.connect(view._update_hover)
    vp = view.plot.viewport()
    i = isolated_point(view)
    target = pixel(view, *scene.X[i])
    for k in range(30, 0, -1):  # a quick sweep onto the point, faster than the timer
        qtbot.mouseMove(vp, target + QPoint(k, 0))
    assert view.hover_timer.interval() <= 17
    qtbot.wait(40)  # (pyqtgraph itself also drops moves closer than its rate limit)
    qtbot.mouseMove(vp, target)
    qtbot.waitUntil(view.hover_label.isVisible, timeout=2000)
    assert view.hover_index == i
    assert len(calls) <= 3


def test_svm_margins_are_dashed_lines_at_a_gap_of_one(view, qtbot, scene):
    assert not view.margin_item.isVisible() and view.margin_mask is None
    scene.set_loss("svm")
    wait_regions(qtbot, view)
    assert view.margin_item.isVisible() and view.margin_label.isVisible()
    (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()
    G = view.grid
    # independent: top score minus runner-up at every pixel centre, crossings of 1, dashes
    xs = x0 + (np.arange(G) + 0.5) * (x1 - x0) / G
    ys = y0 + (np.arange(G) + 0.5) * (y1 - y0) / G
    S = np.sort(np.einsum("rcd,dj->rcj", np.stack(np.meshgrid(xs, ys), axis=-1), scene.W)
                + scene.b, axis=-1)
    above = (S[..., -1] - S[..., -2]) >= 1.0
    from explorer.views.dataset_plot import MARGIN_DASH
    on = (np.arange(G) // MARGIN_DASH) % 2 == 0
    expected = np.zeros((G, G), dtype=bool)
    expected[:, :-1] |= (above[:, :-1] != above[:, 1:]) & on[:, None]
    expected[:-1, :] |= (above[:-1, :] != above[1:, :]) & on[None, :]
    assert expected.sum() > 100
    np.testing.assert_array_equal(view.margin_mask, expected)
    img = view.margin_item.image
    np.testing.assert_array_equal(img[..., 3] > 0, expected)
    r = view.margin_item.mapRectToParent(view.margin_item.boundingRect())
    assert np.allclose([r.left(), r.right(), r.top(), r.bottom()], [x0, x1, y0, y1])
    # back to softmax: no margins
    scene.set_loss("softmax")
    wait_regions(qtbot, view)
    assert not view.margin_item.isVisible() and not view.margin_label.isVisible()


def test_highlights_emphasise_the_ring_and_arrows(view, qtbot, scene):
    i = isolated_point(view)
    scene.select(i)
    rings = len(view.selection_item.getData()[0])
    scene.set_highlight(("x", 0))
    assert view.ring_emphasised
    assert len(view.selection_item.getData()[0]) > rings
    assert max(view.selection_item.data["size"]) > view.marker_size(i) + 22
    width = view.arrows[1].shaft.opts["shadowPen"].widthF()
    scene.set_highlight(("W", 1, 1))
    assert not view.ring_emphasised and len(view.selection_item.getData()[0]) == rings
    assert view.emphasised_arrow == 1
    assert [a.emphasised for a in view.arrows] == [False, True, False]
    assert view.arrows[1].shaft.opts["shadowPen"].widthF() > width
    scene.set_highlight(("point_dW", 0, 2))
    assert view.emphasised_arrow == 2 and view.pull_arrows[2].emphasised
    assert [a.emphasised for a in view.arrows] == [False, False, True]
    scene.set_features(("x1^2",))
    scene.set_highlight(("W", 2, 0))  # a feature row has no arrow
    assert view.emphasised_arrow is None and not any(a.emphasised for a in view.arrows)
    scene.set_highlight(None)
    assert not view.ring_emphasised and view.emphasised_arrow is None
    assert view.arrows[1].shaft.opts["shadowPen"].widthF() == width


def test_appearance_scale_theme_and_palette_apply(view, qtbot, scene, appearance):
    view.size_by_loss_check.setChecked(False)
    view.plot.plotItem.vb.setRange(xRange=(-1, 3), yRange=(-2, 2), padding=0)
    wait_regions(qtbot, view)
    (cx0, cx1), (cy0, cy1) = view.plot.plotItem.vb.viewRange()
    centre = ((cx0 + cx1) / 2, (cy0 + cy1) / 2)
    data = [scatter_points(view, j) for j in range(3)]
    width = view.scatters[0].data["sourceRect"]["w"][0]
    pen = view.arrows[0].shaft.opts["pen"].widthF()

    appearance.set_scale(1.5)
    assert view.scatters[0].opts["size"] == pytest.approx(13 * 1.5)
    assert view.scatters[0].data["sourceRect"]["w"][0] > width
    assert view.arrows[0].shaft.opts["pen"].widthF() == pytest.approx(1.5 * pen)
    assert view.arrows[0].label.textItem.font().pointSize() == style.point_size(style.TITLE_POINT_SIZE)
    assert view.plot.plotItem.getAxis("bottom").style["tickFont"].pointSize() == \
        style.point_size(style.PLOT_POINT_SIZE)

    appearance.set_theme("dark")
    assert view.plot.backgroundBrush().color() == style.background()
    assert style.background().lightness() < 60
    assert view.plot.plotItem.getAxis("bottom").pen().color() == style.foreground()

    appearance.set_palette("high-contrast")
    wait_regions(qtbot, view)
    pal = style.PALETTES["high-contrast"]
    for j in range(3):
        assert view.scatters[j].opts["brush"].color() == QColor(*(int(v) for v in pal[j]))
        assert view.arrows[j].head.opts["brush"].color() == QColor(*(int(v) for v in pal[j]))
    # the region colours are the new palette's (over the background, at the regions' alphas)
    bg = view.region_item.backdrop_rgb
    colours = {tuple(int(v) for v in c) for c in shown_rgb(view)[::25, ::25].reshape(-1, 3)}
    alphas = range(view.region_alpha[0], view.region_alpha[1] + 1)
    assert colours & set().union(*(over(pal[j], bg, alphas) for j in range(3)))
    assert not colours & set().union(*(over(engine.DEFAULT_PALETTE[j], bg, alphas)
                                       for j in range(3)))

    # nothing lost: the points, and the place the view looks at
    for j in range(3):
        np.testing.assert_array_equal(scatter_points(view, j), data[j])
    (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx(centre, abs=0.05)
    assert x0 <= -1 + 0.05 and x1 >= 3 - 0.05 and y0 <= -2 + 0.05 and y1 >= 2 - 0.05


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_regions_are_painted_as_their_colour_over_the_background(view, qtbot, scene, appearance,
                                                                  theme):
    """What reaches the screen under a region pixel is its colour blended over the plot
    background (by the engine, over the backdrop the item names: the background), in both
    themes."""
    appearance.set_theme(theme)
    wait_regions(qtbot, view)
    assert view.region_item.backdrop_rgb == view.plot.backgroundBrush().color().getRgb()[:3]
    img = shown_rgb(view)
    G = view.grid
    (x0, x1), (y0, y1) = view.plot.plotItem.vb.viewRange()
    shot = view.plot.viewport().grab().toImage()
    ratio = shot.devicePixelRatio()
    bg = np.array(view.plot.backgroundBrush().color().getRgb()[:3], dtype=float)
    checked = 0
    for fx, fy in [(0.13, 0.21), (0.5, 0.87), (0.81, 0.33), (0.27, 0.64), (0.66, 0.52)]:
        r, c = int(fy * G), int(fx * G)
        # only pixels whose whole neighbourhood has one colour (no boundary, no marker)
        block = img[max(r - 3, 0):r + 4, max(c - 3, 0):c + 4].reshape(-1, 3)
        if (block != img[r, c]).any():
            continue
        x = x0 + (c + 0.5) * (x1 - x0) / G
        y = y0 + (r + 0.5) * (y1 - y0) / G
        if np.hypot(*(scene.X - [x, y]).T).min() < 0.6:
            continue
        p = pixel(view, x, y)
        shown = QColor(shot.pixel(int(p.x() * ratio), int(p.y() * ratio)))
        assert np.abs(np.array(shown.getRgb()[:3]) - img[r, c]).max() <= 2, (theme, r, c)
        assert tuple(int(v) for v in img[r, c]) != tuple(int(v) for v in bg)  # (a region)
        checked += 1
    assert checked >= 2


@given(losses=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                                 st.floats(0, 8)), min_size=1, max_size=40),
       base=st.sampled_from([1.0, 6.0, 7.0, 13.0, 20.0]))
@settings(max_examples=150, deadline=None)
def test_marker_sizes_by_loss_follow_the_formula(losses, base):
    """size = base * (1 + min(L, 5) / 5) in whole pixels, at least 1; a NaN or infinite loss
    counts as the cap, a negative one (not a loss, -inf included) as 0; the losses are
    left as they were."""
    from explorer.views.dataset_plot import LOSS_CAP, LOSS_SPAN, loss_marker_sizes

    L = np.array(losses, dtype=np.float64)
    before = L.copy()
    sizes = loss_marker_sizes(L, base)
    assert_array_equal(L, before)
    assert sizes.dtype == np.float64 and sizes.shape == L.shape
    for loss, size in zip(losses, sizes):
        capped = LOSS_CAP if math.isnan(loss) or loss > LOSS_CAP else max(loss, 0.0)
        assert size == max(1.0, float(np.rint(base * (1.0 + capped / LOSS_SPAN))))
    assert loss_marker_sizes([0.0, 5.0, 1e300, float("nan")], 10.0).tolist() == [10, 20, 20, 20]
