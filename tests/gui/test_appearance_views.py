"""Scale, theme and palette changes reach the score lab, Jacobian, weights and curves views.

Each change is re-applied to the existing items (fonts, pens, colours); nothing is rebuilt.
"""

import numpy as np
import pytest
from PySide6.QtGui import QColor

from explorer import style
from explorer.views.curves import CurvesView
from explorer.views.jacobian import JacobianView
from explorer.views.score_lab import ScoreLab
from explorer.views.weights import WeightsView


@pytest.fixture
def views(qtbot, scene):
    lab, jac, weights, curves = ScoreLab(scene), JacobianView(scene), WeightsView(scene), CurvesView(scene)
    for v, size in ((lab, (440, 760)), (jac, (440, 300)), (weights, (440, 360)), (curves, (440, 360))):
        qtbot.addWidget(v)
        v.resize(*size)
        v.show()
    qtbot.waitExposed(curves)
    return lab, jac, weights, curves


def tick_size(plot_item, name="left"):
    return plot_item.getAxis(name).style["tickFont"].pointSize()


def font_sizes(lab, jac, weights, curves):
    return {
        "lab loss": lab.loss_label.font().pointSize(),
        "lab title": lab.prob_panel.title.font().pointSize(),
        "lab ticks": tick_size(lab.prob_plot.getPlotItem()),
        "lab value": lab.prob_texts[0].font().pointSize(),
        "lab edit": lab.score_edits[0].font().pointSize(),
        "jac ticks": tick_size(jac.plot.getPlotItem(), "bottom"),
        "jac cell": jac.texts[0][0].font().pointSize(),
        "weights header": weights.header_labels[0].font().pointSize(),
        "weights grad": weights.grad_labels[0][0].font().pointSize(),
        "weights edit": weights.value_edits[0][0].font().pointSize(),
        "curves ticks": tick_size(curves.loss_plot),
    }


def lightness(color: QColor) -> int:
    return color.lightness()


def test_larger_scale_enlarges_fonts_and_lines_in_place(views, scene):
    lab, jac, weights, curves = views
    items = (lab.prob_bars, list(lab.prob_texts), jac.image, [list(r) for r in jac.texts],
             [list(r) for r in weights.value_edits], curves.total_curve)
    before = font_sizes(*views)
    line = curves.total_curve.opts["pen"].widthF()
    true_outline = lab.grad_bars.opts["pens"][0].widthF()
    glow = lab.glows["prob"].opts["pen"].widthF()
    axis_width = lab.prob_plot.getPlotItem().getAxis("left").minimumWidth()
    style.appearance.set_scale(1.5)
    after = font_sizes(*views)
    for key in before:
        if key == "lab loss":  # fitted to one line of the dock's width: larger, up to that
            assert after[key] > before[key]
        else:
            assert after[key] >= round(1.4 * before[key]), (key, before[key], after[key])
    assert curves.total_curve.opts["pen"].widthF() == pytest.approx(1.5 * line)
    assert lab.grad_bars.opts["pens"][0].widthF() == pytest.approx(1.5 * true_outline)
    assert lab.glows["prob"].opts["pen"].widthF() == pytest.approx(1.5 * glow)
    new_width = lab.prob_plot.getPlotItem().getAxis("left").minimumWidth()
    assert new_width == pytest.approx(1.5 * axis_width, abs=1)
    assert (lab.prob_bars, list(lab.prob_texts), jac.image, [list(r) for r in jac.texts],
            [list(r) for r in weights.value_edits], curves.total_curve) == items
    np.testing.assert_array_equal(lab.prob_bars.opts["height"], scene.lab_probabilities())
    style.appearance.set_scale(1.0)
    assert font_sizes(*views) == before


def test_dark_theme_gives_dark_plots_and_light_text(views):
    lab, jac, weights, curves = views
    style.appearance.set_theme("dark")
    backgrounds = [lab.prob_plot.backgroundBrush().color(), lab.svm_plot.backgroundBrush().color(),
                   jac.plot.backgroundBrush().color(), curves.graphics.backgroundBrush().color()]
    assert all(lightness(c) < 60 for c in backgrounds)
    fg = style.foreground().name()
    assert fg == "#f0f0f0"
    assert f"color: {fg}" in lab.prob_panel.title.styleSheet()
    assert "background: #1e1e1e" in lab.prob_panel.styleSheet()
    assert lab.prob_plot.getPlotItem().getAxis("left").textPen().color().name() == fg
    assert lightness(lab.prob_texts[2].color) > 200  # the small p_3 prints above its bar
    assert lightness(lab.true_mark.color) > 200
    small = [t for row in jac.texts for t in row if t.toPlainText().strip("0.\u2212") == ""]
    assert small and all(lightness(t.color) > 200 for t in small)
    assert lightness(jac.colormap.map(0.5, mode="qcolor")) < 60  # zero blends into the background
    assert curves.loss_plot.getAxis("left").textPen().color().name() == fg
    assert lightness(curves.total_curve.opts["pen"].color()) > 200
    assert all(lightness(label.opts["color"] if isinstance(label.opts["color"], QColor)
                         else QColor(label.opts["color"])) > 200 for _, label in curves.legend.items)
    assert lightness(QColor(weights.row_grad_labels[0].styleSheet().split(":")[1].strip(" ;"))) > 120
    style.appearance.set_theme("light")
    assert lab.prob_plot.backgroundBrush().color().name() == "#ffffff"
    assert lab.prob_texts[2].color.name() == "#000000"
    assert jac.colormap.map(0.5, mode="qcolor").name() == "#ffffff"


def test_high_contrast_palette_recolours_the_classes(views, scene):
    lab, jac, weights, curves = views
    scene.set_loss("svm")
    style.appearance.set_palette("high-contrast")
    new = [QColor(*map(int, rgb)).name() for rgb in style.PALETTES["high-contrast"][:3]]
    assert [b.color().name() for b in lab.score_bars.opts["brushes"]] == new
    assert [b.color().name() for b in lab.prob_bars.opts["brushes"]] == new
    assert [b.color().name() for b in lab.grad_bars.opts["brushes"]] == new
    assert lab.svm_bars.opts["brushes"][1].color().name() == new[1]
    assert lab.swatches[0].pixmap().toImage().pixelColor(11, 11).name() == new[0]
    for j, head in enumerate(weights.header_labels):
        assert new[j] in head.styleSheet()
    style.appearance.set_palette("okabe-ito")
    old = [style.class_color(j).name() for j in range(3)]
    assert [b.color().name() for b in lab.prob_bars.opts["brushes"]] == old


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_loss_readout_reads_in_both_themes(window, qtbot, theme):
    """The score lab's loss line (drawn by the readout itself) is dark on light and light on
    dark in the window: its text colour follows the theme's palette."""
    style.appearance.set_theme(theme)
    qtbot.wait(10)
    image = window.score_lab.loss_label.grab().toImage()
    levels = [QColor(image.pixel(x, y)).lightness()
              for x in range(0, image.width(), 2) for y in range(image.height())]
    background = QColor(image.pixel(1, 1)).lightness()
    text = min(levels) if background > 128 else max(levels)
    assert abs(text - background) > 150, (theme, background, text)
    assert (background > 128) == (theme == "light")
