"""TextLayer / PlotLabel and HeatMapItem: the light plot items that print bar values and
heat-map cells. Checked against what pyqtgraph's own items draw, on rendered pixels."""

import numpy as np
from numpy.testing import assert_array_equal
import pytest
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QFont

from explorer.views.widgets import HeatMapItem, TextLayer


@pytest.fixture
def plot(qtbot):
    w = pg.PlotWidget()
    w.setBackground("w")
    w.resize(500, 400)
    w.setRange(QRectF(0, 0, 10, 10), padding=0)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


def device_box_of_text_item(plot, item):
    """Where a pg.TextItem's box lands in the viewport, in pixels."""
    return plot.mapFromScene(item.sceneBoundingRect()).boundingRect()


def device_pos(plot, x, y):
    vb = plot.getPlotItem().vb
    return plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))


@pytest.mark.parametrize("anchor", [(0.5, 0.5), (0.5, 1.0), (0.5, 0.0), (0.0, 1.0), (1.0, 0.0)])
def test_a_label_sits_where_a_text_item_with_its_anchor_sits(plot, qtbot, anchor):
    font = QFont()
    font.setPointSize(14)
    font.setBold(True)
    reference = pg.TextItem("−0.113", anchor=anchor)
    reference.setFont(font)
    reference.setPos(4.0, 6.0)
    plot.addItem(reference, ignoreBounds=True)
    layer = TextLayer().add_to(plot)
    label = layer.add("−0.113", color="k", anchor=anchor)
    label.setFont(font)
    label.setPos(4.0, 6.0)
    qtbot.wait(20)
    expected = device_box_of_text_item(plot, reference)
    p = device_pos(plot, 4.0, 6.0)
    box = label.box(QPointF(p))
    # (a TextItem's document adds a little to the line height: within 3 pixels)
    assert abs(box.center().x() - expected.center().x()) <= 3
    assert abs(box.center().y() - expected.center().y()) <= 3
    assert abs(box.width() - expected.width()) <= 4 and abs(box.height() - expected.height()) <= 6


def dark_pixels(plot, rect=None):
    img = plot.grab().toImage()
    r = rect or QRectF(0, 0, img.width(), img.height())
    out = []
    for x in range(int(r.left()), int(r.right())):
        for y in range(int(r.top()), int(r.bottom())):
            c = img.pixelColor(x, y)
            if c.red() < 100 and c.green() < 100 and c.blue() > 150:
                out.append((x, y))
    return out


def test_labels_draw_their_text_in_their_colour_and_only_when_visible(plot, qtbot):
    layer = TextLayer().add_to(plot)
    label = layer.add("8.88", color=QColor(20, 20, 220), anchor=(0.5, 0.5))
    label.setPos(5.0, 5.0)
    qtbot.wait(20)
    p = device_pos(plot, 5.0, 5.0)
    box = label.box(QPointF(p))
    inside = dark_pixels(plot, box)
    assert len(inside) > 20  # the digits, in blue
    assert len(dark_pixels(plot)) == len(inside)  # nowhere else
    assert layer.texts() == ["8.88"]
    label.setText("8.88 → 1", QColor(20, 20, 220))
    assert label.toPlainText() == "8.88 → 1"
    label.hide()
    qtbot.wait(20)
    assert dark_pixels(plot) == [] and layer.texts() == [] and not label.isVisible()
    label.show()
    label.setPos(2.0, 2.0)
    qtbot.wait(20)
    moved = device_pos(plot, 2.0, 2.0)
    assert dark_pixels(plot, label.box(QPointF(moved)))
    layer.remove(label)
    qtbot.wait(20)
    assert dark_pixels(plot) == [] and layer.texts() == []


def test_a_new_text_is_drawn_as_its_laid_out_text_is_and_only_kept_texts_are_laid_out(
        plot, qtbot, monkeypatch):
    """A label drawn with a new text (at its baseline, not laid out: a score edit gives
    every value a new text) gives the very pixels of the same text laid out once and drawn
    again (``QStaticText``, from its second paint unchanged on), in two fonts."""
    from explorer.views import widgets

    made = []

    class Counted(widgets.QStaticText):
        def __init__(self, *args):
            made.append(args)
            super().__init__(*args)

    monkeypatch.setattr(widgets, "QStaticText", Counted)
    layer = TextLayer().add_to(plot)
    bold = QFont()
    bold.setPointSize(15)
    bold.setBold(True)
    labels = []
    for k, font in enumerate((None, bold)):
        label = layer.add("", color=QColor(20, 20, 220), anchor=(0.5, 0.5))
        if font is not None:
            label.setFont(font)
        label.setPos(3.0 + 4 * k, 5.0)
        labels.append(label)
    qtbot.wait(20)
    for text in ("−0.113", "0.869", "+0.001 y"):
        made.clear()
        for label in labels:
            label.setText(text)
        new = plot.grab().toImage()  # (one paint, with the new texts)
        assert made == []  # new texts: none laid out
        assert plot.grab().toImage() == new  # drawn again: the very same pixels
        assert len(made) == len(labels)  # laid out once each, on their second paint
        assert plot.grab().toImage() == new and len(made) == len(labels)
    blue = [(x, y) for x in range(new.width()) for y in range(new.height())
            if new.pixelColor(x, y).blue() > 150 and new.pixelColor(x, y).red() < 100]
    assert len(blue) > 40  # (both texts are drawn)


def test_bars_of_several_colours_draw_as_pyqtgraph_draws_them_without_a_picture(plot, qtbot):
    """``Bars`` draws bars of several colours and pens straight away: the pixels of
    pyqtgraph's ``BarGraphItem`` (which records them into a QPicture and plays it back)."""
    from explorer.views.widgets import Bars

    kwargs = dict(x=[1, 3, 5, 7, 9], height=[2.0, -1.5, 6.0, 0.5, 4.0], width=1.2,
                  brushes=[pg.mkBrush(c) for c in ("r", "g", "b", "c", "m")],
                  pens=[pg.mkPen("k", width=w) for w in (1, 2, 1, 3, 1)])
    shots = []
    for cls in (pg.BarGraphItem, Bars):
        item = cls(**kwargs)
        plot.addItem(item)
        qtbot.wait(20)
        shots.append(plot.grab().toImage())
        if cls is Bars:
            assert item.picture is None  # (no recording)
            item.setOpts(height=[1.0, 1.0, 1.0, 1.0, 1.0])
            qtbot.wait(20)
            assert plot.grab().toImage() != shots[-1]  # (a change shows)
        plot.removeItem(item)
    assert shots[0] == shots[1]


def test_heat_map_cells_take_the_colour_map_between_the_levels(plot, qtbot):
    cmap = pg.ColorMap([0.0, 0.5, 1.0], [(0, 0, 255), (255, 255, 255), (255, 0, 0)])
    item = HeatMapItem(cmap)
    plot.addItem(item)
    values = np.array([[-2.0, 0.0], [2.0, np.nan], [5.0, -1.0]])  # 3 rows, 2 columns
    item.setImage(values, autoLevels=False, levels=(-2, 2), rect=(0, 0, 10, 9))
    qtbot.wait(20)
    assert item.levels == (-2.0, 2.0) and np.array_equal(item.image, values, equal_nan=True)
    img = plot.grab().toImage()

    def colour_at(i, j):  # the centre of cell (row i, column j)
        p = device_pos(plot, (j + 0.5) * 5.0, (i + 0.5) * 3.0)
        c = img.pixelColor(p.x(), p.y())
        return (c.red(), c.green(), c.blue())

    assert colour_at(0, 0) == (0, 0, 255)  # the low level
    assert colour_at(0, 1) == (255, 255, 255)  # the middle
    assert colour_at(1, 0) == (255, 0, 0)  # the high level
    assert colour_at(2, 0) == (255, 0, 0)  # above it: clipped
    r, g, b = colour_at(2, 1)  # -1: a quarter of the way, between blue and white
    assert b == 255 and 110 <= r <= 145 and r == g
    assert colour_at(1, 1) == (255, 255, 255)  # NaN: empty (the white background)


def test_heat_map_cells_follow_new_matrices_with_their_colours_kept(plot, qtbot):
    """A new matrix of the same shape redraws its cells in the colours of the map (each
    colour's QColor made once and kept: a colour map has 257 levels), also after other
    matrices, a moved rect and a new shape."""
    cmap = pg.ColorMap([0.0, 1.0], [(0, 0, 255), (255, 0, 0)])
    item = HeatMapItem(cmap)
    plot.addItem(item)
    rng = np.random.default_rng(8)
    first = rng.uniform(-1, 1, (4, 4))
    shots = {}
    for name, values, rect in (("first", first, (0, 0, 8, 8)),
                               ("second", rng.uniform(-1, 1, (4, 4)), (0, 0, 8, 8)),
                               ("first again", first, (0, 0, 8, 8)),
                               ("moved", first, (1, 1, 8, 8)),
                               ("first again", first, (0, 0, 8, 8)),
                               ("shape", rng.uniform(-1, 1, (2, 3)), (0, 0, 8, 8))):
        item.setImage(values, levels=(-1, 1), rect=rect)
        qtbot.wait(20)
        shot = plot.grab().toImage()
        if name in shots:
            assert shot == shots[name]
        shots[name] = shot
        p = device_pos(plot, rect[0] + 1.0, rect[1] + 1.0)  # the centre of cell (0, 0)
        c = shot.pixelColor(p.x(), p.y())
        t = (values[0, 0] + 1) / 2
        assert abs(c.red() - 255 * t) <= 2 and abs(c.blue() - 255 * (1 - t)) <= 2
    assert shots["first"] != shots["second"] and shots["first"] != shots["moved"]
    assert len(item._qcolors) <= 16 + 16 + 6


def test_heat_map_of_rgba_cells_and_bad_shapes(plot, qtbot):
    item = HeatMapItem()
    plot.addItem(item)
    cells = np.zeros((1, 2, 4), np.uint8)
    cells[0, 0] = (10, 200, 30, 255)
    cells[0, 1] = (200, 10, 30, 255)
    item.setImage(cells, levels=(0, 255), rect=QRectF(0, 0, 10, 10))
    qtbot.wait(20)
    img = plot.grab().toImage()
    for j, expected in enumerate([(10, 200, 30), (200, 10, 30)]):
        p = device_pos(plot, 2.5 + 5 * j, 5.0)
        c = img.pixelColor(p.x(), p.y())
        assert (c.red(), c.green(), c.blue()) == expected
    with pytest.raises(ValueError, match="2-D"):
        item.setImage(np.zeros(3))
    assert item.image.shape == (1, 2, 4)  # unchanged


def drawn_and_pyqtgraphs(plot, qtbot, item):
    """The plot grabbed with ``item`` drawn by its own paint, then by pyqtgraph's (which
    a scatter item takes when a composition mode is set)."""
    from PySide6.QtGui import QPainter

    images = []
    for mode in (None, QPainter.CompositionMode_SourceOver):
        item.opts["compositionMode"] = mode
        item.invalidate()
        qtbot.wait(20)
        images.append(plot.grab().toImage())
    item.opts["compositionMode"] = None
    return images


@pytest.mark.parametrize("n", [400, 12])
def test_markers_draw_exactly_as_pyqtgraph_draws_them(plot, qtbot, n):
    """The dataset's scatter items map points with one scale and offset; pyqtgraph's own
    paint (taken when a composition mode is set) must give the same pixels, with per-point
    sizes, hidden points and points outside the view (a class of a few points too)."""
    from explorer.views.dataset_plot import _PassiveScatter

    rng = np.random.default_rng(3)
    item = _PassiveScatter(pxMode=True, symbol="t", size=13, pen=pg.mkPen("k", width=1.3),
                           brush=pg.mkBrush(0, 120, 200), antialias=True)
    plot.addItem(item)
    item.setData(x=rng.uniform(-2, 12, n), y=rng.uniform(-2, 12, n))
    item.set_sizes(rng.integers(13, 27, n))
    item.data["visible"][::7] = False
    lean, reference = drawn_and_pyqtgraphs(plot, qtbot, item)
    assert lean == reference
    item.data["visible"][:] = True
    item.invalidate()
    qtbot.wait(20)
    assert plot.grab().toImage() != lean  # (the comparison sees hidden points)


def test_the_markers_sprite_rects_are_read_through_one_view_per_data_array(
        plot, qtbot, monkeypatch):
    """Each paint reads the points' sprite rects through a view made once per data array
    (~40 us to make, at every paint of every class): new sizes (changed in place) show
    through it, new points make a new one; the pixels are pyqtgraph's all along."""
    from explorer.views import dataset_plot

    made = []
    source_rects = dataset_plot._source_rects
    monkeypatch.setattr(dataset_plot, "_source_rects",
                        lambda sr: made.append(len(sr)) or source_rects(sr))
    rng = np.random.default_rng(8)
    item = dataset_plot._PassiveScatter(pxMode=True, symbol="o", size=13,
                                        pen=pg.mkPen("k", width=1.3),
                                        brush=pg.mkBrush(0, 120, 200), antialias=True)
    plot.addItem(item)

    def drawn():
        return drawn_and_pyqtgraphs(plot, qtbot, item)

    item.setData(x=rng.uniform(0, 10, 300), y=rng.uniform(0, 10, 300))
    item.set_sizes(rng.integers(13, 27, 300))
    first, reference = drawn()
    assert first == reference
    assert made == [300]
    item.set_sizes(rng.integers(13, 27, 300))  # (in place)
    second, reference = drawn()
    assert second == reference and second != first
    assert made == [300]
    item.setData(x=rng.uniform(0, 10, 200), y=rng.uniform(0, 10, 200))
    third, reference = drawn()
    assert third == reference
    assert made == [300, 200]


def test_the_markers_fragments_are_filled_again_only_when_more_than_sizes_changed(
        plot, qtbot, monkeypatch):
    """A class's paint keeps its fragments (each point's place and sprite) from one paint
    to the next: new sizes refresh their sprite rects only (three classes drawn again
    at each weight edit); moved, hidden or new points and a new view fill them again.
    After each change the pixels are pyqtgraph's own."""
    from explorer.views.dataset_plot import _PassiveScatter

    fills = []
    fill = _PassiveScatter._fill_fragments
    monkeypatch.setattr(_PassiveScatter, "_fill_fragments",
                        lambda self, *a: fills.append(1) or fill(self, *a))
    rng = np.random.default_rng(9)
    item = _PassiveScatter(pxMode=True, symbol="o", size=13, pen=pg.mkPen("k", width=1.3),
                           brush=pg.mkBrush(0, 120, 200), antialias=True)
    plot.addItem(item)
    item.setData(x=rng.uniform(0, 10, 300), y=rng.uniform(0, 10, 300))
    sizes = rng.integers(13, 27, 300).astype(float)
    item.set_sizes(sizes)

    def painted():
        """The plot as drawn now, and how many times the fragments were filled for it."""
        before = len(fills)
        item.update()
        qtbot.wait(10)
        image = plot.grab().toImage()
        return image, len(fills) - before

    def check(expect_fill):
        image, filled = painted()
        assert bool(filled) == expect_fill
        lean, reference = drawn_and_pyqtgraphs(plot, qtbot, item)
        assert image == lean == reference
        painted()  # (the fragments filled for the lean paint again)

    painted()
    check(expect_fill=False)  # nothing changed
    sizes[:4] += 3
    item.set_sizes(sizes)  # a few new sizes: their sprite rects only
    check(expect_fill=False)
    item.move_spots(7, 2.5, 2.5)
    check(expect_fill=True)
    item.data["visible"][11] = False  # (as the dataset view hides a dragged point)
    item.invalidate()
    check(expect_fill=True)
    item.data["visible"][11] = True
    item.invalidate()
    plot.setRange(QRectF(-1, -1, 12, 12), padding=0)  # a new view
    check(expect_fill=True)
    item.setData(x=rng.uniform(0, 10, 50), y=rng.uniform(0, 10, 50))
    check(expect_fill=True)


def test_sizes_of_a_few_markers_are_looked_up_once_per_size(plot, qtbot, monkeypatch):
    """Per-point sizes take one atlas look-up per distinct size however few the points (a
    class of 60 points at 300 points and 5 classes went through pyqtgraph's loop over the
    points: ~0.1 ms a class at every weight edit), with the sprites pyqtgraph gives (the
    pixels: the test above); a few new sizes set their sprites without a pass over all."""
    from explorer.views.dataset_plot import _PassiveScatter

    rng = np.random.default_rng(5)
    style = dict(pxMode=True, symbol="o", size=13, pen=pg.mkPen("k", width=1.3),
                 brush=pg.mkBrush(0, 120, 200))
    x, y, sizes = rng.uniform(0, 10, 20), rng.uniform(0, 10, 20), rng.integers(13, 27, 20)
    reference = pg.ScatterPlotItem(x=x, y=y, **{**style, "size": sizes.astype(float)})
    plot.addItem(reference)
    item = _PassiveScatter(**style)
    plot.addItem(item)
    item.setData(x=x, y=y)
    general = []
    loop = pg.ScatterPlotItem.updateSpots
    monkeypatch.setattr(pg.ScatterPlotItem, "updateSpots",
                        lambda self, *a, **k: general.append(self) or loop(self, *a, **k))
    item.set_sizes(sizes)
    scans = []
    own = _PassiveScatter.updateSpots
    monkeypatch.setattr(_PassiveScatter, "updateSpots",
                        lambda self, *a, **k: scans.append(self) or own(self, *a, **k))
    item.set_sizes(np.where(np.arange(20) < 5, sizes + 1, sizes))  # a few change
    assert item.data["sourceRect"]["w"][0] == reference.data["sourceRect"]["w"][0] + 1
    item.set_sizes(sizes)
    assert scans == []  # (a few new sizes: their sprites set straight away, no pass over all)
    assert item not in general
    assert np.array_equal(item.data["size"], sizes)
    for name in ("w", "h"):  # (the same sprites; where each lies in its atlas may differ)
        assert np.array_equal(item.data["sourceRect"][name], reference.data["sourceRect"][name])


def test_marker_sizes_keep_the_data_bounds_and_the_bounding_rect_follows(plot, qtbot, monkeypatch):
    """New per-point sizes leave the points' data bounds as they were (no pass over the
    points), while the bounding rect grows with the largest marker (and is kept when a
    few sizes change within it); moving or replacing points measures them again."""
    from explorer.views.dataset_plot import _PassiveScatter

    rng = np.random.default_rng(4)
    item = _PassiveScatter(pxMode=True, symbol="o", size=13, pen=pg.mkPen("k"),
                           brush=pg.mkBrush(0, 120, 200))
    plot.addItem(item)
    item.setData(x=rng.uniform(0, 10, 300), y=rng.uniform(0, 10, 300))
    qtbot.wait(20)

    def fresh():  # pyqtgraph's bounding rect, measured from the points now
        item.bounds = [None, None]
        return pg.ScatterPlotItem.boundingRect(item)

    small = item.boundingRect()
    assert small == fresh()
    measured = []
    nanmin = np.nanmin
    monkeypatch.setattr(np, "nanmin", lambda *a, **k: measured.append(1) or nanmin(*a, **k))
    item.set_sizes(np.full(300, 40.0))
    big = item.boundingRect()
    assert measured == []
    assert big.width() > small.width() + 10 * item.pixelVectors()[0].length()
    assert big == fresh()
    # A few new sizes that no wider sprite comes with: the rect is kept, not measured again
    # (nor announced to Qt as a geometry change); a wider one grows it
    asked, announced = [], []
    rect = pg.ScatterPlotItem.boundingRect
    monkeypatch.setattr(pg.ScatterPlotItem, "boundingRect",
                        lambda self: asked.append(1) or rect(self))
    announce = _PassiveScatter.prepareGeometryChange
    monkeypatch.setattr(_PassiveScatter, "prepareGeometryChange",
                        lambda self: announced.append(1) or announce(self))
    item.set_sizes(np.where(np.arange(300) < 5, 13.0, 40.0))
    assert item.boundingRect() == big and asked == [] and announced == []
    assert item.data["size"][0] == 13.0
    item.set_sizes(np.where(np.arange(300) < 5, 90.0, 40.0))
    assert announced and item.boundingRect() == fresh()
    assert item.boundingRect().width() > big.width() + 20 * item.pixelVectors()[0].length()
    monkeypatch.setattr(pg.ScatterPlotItem, "boundingRect", rect)
    item.move_spots(0, 30.0, -5.0)
    assert item.boundingRect() == fresh() and item.boundingRect().right() > 30.0
    item.setData(x=[1.0, 2.0], y=[1.0, 2.0])
    assert item.boundingRect() == fresh() and item.boundingRect().right() < 5.0


def test_bars_keep_their_bounding_rect_only_while_it_holds(plot, qtbot):
    from explorer.views.widgets import Bars

    bars = Bars(x=[1, 2, 3], height=[1.0, 2.0, -1.0], width=0.6, pen=pg.mkPen("k", width=3))
    plot.addItem(bars)
    qtbot.wait(20)

    def fresh():  # what pyqtgraph computes now
        return pg.BarGraphItem.boundingRect(bars)

    assert bars.boundingRect() == fresh()
    bars.setOpts(height=[4.0, 2.0, -3.0])
    assert bars.boundingRect() == fresh() and bars.boundingRect().top() < -2.9
    before = bars.boundingRect()
    plot.setRange(QRectF(0, -10, 20, 40), padding=0)  # zoom out: the pen's padding grows in data
    qtbot.wait(20)
    assert bars.boundingRect() == fresh() and bars.boundingRect() != before


@pytest.mark.parametrize("backdrop", [None, "#ffffff", "#1e1e1e"])
def test_rgba_image_shows_each_pixel_blended_over_what_lies_under_it(plot, qtbot, backdrop):
    """An RgbaImageItem over the plot's background looks the same whether it blends at each
    paint (no backdrop) or was blended once over a backdrop of that colour and drawn opaque."""
    from PySide6.QtGui import QImage

    from explorer.views.widgets import RgbaImageItem

    background = backdrop or "#ffffff"
    plot.setBackground(background)
    rng = np.random.default_rng(3)
    image = rng.integers(0, 256, size=(4, 5, 4), dtype=np.uint8)
    image[0, 0, 3], image[1, 1, 3] = 0, 255  # transparent and opaque cells
    item = RgbaImageItem()
    item.setImage(image)
    item.set_backdrop(None if backdrop is None else QColor(backdrop))
    item.setRect(QRectF(0, 0, 10, 10))
    plot.addItem(item)
    expected_format = QImage.Format_ARGB32_Premultiplied if backdrop is None else QImage.Format_RGB32
    assert item._qimage.format() == expected_format
    qtbot.wait(50)
    shot = plot.grab().toImage()
    ratio = shot.devicePixelRatio()
    bg = np.array(QColor(background).getRgb()[:3], dtype=float)
    for r in range(4):
        for c in range(5):
            p = device_pos(plot, (c + 0.5) * 2, (r + 0.5) * 2.5)  # row 0 at the bottom
            shown = np.array(QColor(shot.pixel(int(p.x() * ratio), int(p.y() * ratio))).getRgb()[:3])
            a = image[r, c, 3] / 255
            assert np.abs(shown - (image[r, c, :3] * a + bg * (1 - a))).max() <= 2, (r, c)
    # A new backdrop blends the same image again; none goes back to blending at each paint.
    item.set_backdrop(QColor("#000000"))
    assert item._qimage.format() == QImage.Format_RGB32
    assert QColor(item._qimage.pixel(0, 0)).getRgb()[:3] == (0, 0, 0)  # transparent over black
    item.set_backdrop(None)
    assert item._qimage.format() == QImage.Format_ARGB32_Premultiplied


@pytest.mark.parametrize("backdrop", [(255, 255, 255), (30, 30, 30), (12, 200, 77)])
def test_an_image_the_engine_blended_shows_what_qt_blends(qtbot, backdrop):
    """Region images blended over the backdrop by the engine (``backdrop=``: opaque words)
    are shown as they are, and equal Qt's own blend of the RGBA image over that backdrop
    pixel for pixel: every colour of a palette (and random ones) at every alpha, and a
    whole region image with its boundaries."""
    from PySide6.QtGui import QImage

    from explorer import engine
    from explorer.engine import regions
    from explorer.views.widgets import RgbaImageItem

    def shown(image):
        """The item's image to draw, as words, given an RGBA image (Qt blends it over the
        backdrop) or the engine's blended words."""
        item = RgbaImageItem()
        item.set_backdrop(QColor(*backdrop))
        item.setImage(image)
        q = item._qimage
        assert q.format() == QImage.Format_RGB32
        return np.array([[q.pixel(c, r) & 0xFFFFFFFF for c in range(q.width())]
                         for r in range(q.height())], dtype=np.uint32)

    qt_blend = shown

    rng = np.random.default_rng(11)
    colours = np.vstack([engine.DEFAULT_PALETTE,
                         rng.integers(0, 256, size=(6, 3)).astype(np.uint8)])
    rgba = np.zeros((colours.shape[0], 256, 4), dtype=np.uint8)
    rgba[..., :3] = colours[:, None, :]
    rgba[..., 3] = np.arange(256)[None, :]
    table = regions._over_backdrop(colours, backdrop)  # (alpha, colour)
    assert_array_equal(qt_blend(rgba), table.T)
    assert_array_equal(shown(np.ascontiguousarray(table.T)), table.T)

    W = np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0]])
    b = np.array([0.1, -0.2, 0.0])
    args = (W, b, (-3, 3), (-2, 4), 60)
    assert_array_equal(shown(engine.region_image(*args, backdrop=backdrop)),
                       qt_blend(engine.region_image(*args)))


def test_a_light_plot_lays_out_and_maps_as_a_plot_widget(qtbot):
    """LightPlotWidget: the same view rectangle, axes and data-to-pixel mapping as a
    pg.PlotWidget of the same size, with PlotItem's methods the charts use, and no menu."""
    from explorer import style
    from explorer.views.widgets import LightPlotWidget

    plots = {"light": LightPlotWidget(), "pyqtgraph": pg.PlotWidget(enableMenu=False)}
    for w in plots.values():
        w.resize(420, 320)
        qtbot.addWidget(w)
        item = w.getPlotItem()
        style.style_plot(item, left="p<sub>j</sub>", bottom="class")
        w.setXRange(0.5, 3.5, padding=0)
        w.setYRange(-1.0, 1.0, padding=0)
        w.show()
        qtbot.waitExposed(w)
    qtbot.wait(50)
    pixels = {}
    for name, w in plots.items():
        vb = w.getPlotItem().getViewBox()
        pixels[name] = [w.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
                        for x, y in [(0.5, -1.0), (3.5, 1.0), (2.0, 0.25)]]
        assert w.getPlotItem().getAxis("left").labelText == "p<sub>j</sub>"
    for a, b in zip(pixels["light"], pixels["pyqtgraph"]):
        assert abs(a.x() - b.x()) <= 2 and abs(a.y() - b.y()) <= 2, (a, b)

    light = plots["light"]
    item = light.getPlotItem()
    assert not hasattr(item, "ctrlMenu") and not hasattr(item, "ctrl")
    line = pg.InfiniteLine(pos=0.5, angle=0)
    light.addItem(line, ignoreBounds=True)
    assert line in item.items and line.getViewBox() is item.vb
    light.removeItem(line)
    assert line not in item.items and line.scene() is None
    item.showGrid(y=True, alpha=0.5)
    assert item.getAxis("left").grid == 127
    item.hideAxis("bottom")
    assert not item.getAxis("bottom").isVisible()
    with pytest.raises(ValueError, match="no 'top' axis"):
        item.getAxis("top")
    assert item.viewRange()[1] == pytest.approx([-1.0, 1.0])


def test_a_light_plot_on_an_opaque_background_leaves_out_its_viewports_own_fill(qtbot):
    """Qt fills a view's viewport with its palette before each paint, and the view fills it
    again with its background: with an opaque background the first fill is left out (the
    same pixels); with a transparent one the viewport fills itself as before."""
    from PySide6.QtCore import Qt

    from explorer.views.widgets import LightPlotWidget

    plots = []
    for own_fill in (False, True):
        w = LightPlotWidget()
        w.setBackground("#f4f0e8")
        w.addItem(pg.PlotCurveItem(x=[0.0, 1.0, 2.0], y=[0.0, 2.0, 1.0], pen=pg.mkPen("k", width=2)))
        w.resize(300, 200)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        if own_fill:  # (as Qt's QGraphicsView sets its viewport up)
            w.viewport().setAutoFillBackground(True)
            w.viewport().setAttribute(Qt.WA_OpaquePaintEvent, False)
        plots.append(w)
    lean, filled = plots
    assert not lean.viewport().autoFillBackground()
    assert lean.viewport().testAttribute(Qt.WA_OpaquePaintEvent)
    assert lean.grab().toImage() == filled.grab().toImage()
    lean.setBackground(None)  # transparent: what lies behind shows through
    assert lean.viewport().autoFillBackground()
    assert not lean.viewport().testAttribute(Qt.WA_OpaquePaintEvent)
