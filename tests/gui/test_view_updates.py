"""When the views redraw (``perf.DeferredRefresh``): hidden panels do no work until shown,
secondary views redraw at ~10 Hz while training runs or a drag goes on and end up equal to
the scene, and the speed-ups of the plots (cached drawings, steady axes and labels)."""

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QGraphicsItem, QLabel, QVBoxLayout, QWidget

from explorer import perf
from explorer.perf import DeferredRefresh, interaction
from explorer.views import point_table as point_table_module
from explorer.views.curves import CurvesView, nice_bound, nice_ceiling
from explorer.views.dataset_plot import DatasetView
from explorer.views.notation import num
from explorer.views.point_table import PointTableView
from explorer.views.weights import WeightsView, gradient_text
from explorer.views.widgets import set_steady_text


def show_tab(window, qtbot, key):
    """Choose the dock tab of panel ``key`` (as a click on its tab would)."""
    dock = window.docks[key]
    dock.raise_()
    qtbot.waitUntil(lambda: not dock.visibleRegion().isEmpty(), timeout=2000)


def shown_gradients(view) -> np.ndarray:
    return np.array([[float(lab.text().replace("\u2212", "-")) for lab in row]
                     for row in view.grad_labels])


# -- hidden panels -------------------------------------------------------------------------
def test_panels_behind_a_tab_are_not_filled_in_at_start_up(window):
    # "Everything": derivation, point gradient, timeline ... are tabs behind others.
    for view in (window.derivation_view, window.point_gradient_view, window.loss_shape_view,
                 window.timeline_view):
        assert view.updates.refreshes == 0 and view.updates.pending
    assert window.point_gradient_view.point_map is None  # its plots are not even built
    assert window.loss_shape_view.plot is None
    # the panels on top are
    for view in (window.score_lab, window.jacobian_view):
        assert view.updates.refreshes >= 1 and not view.updates.pending
    assert not window.weights_view.updates.pending


def test_a_hidden_panel_does_no_work_until_shown_then_shows_the_scene(window, qtbot):
    s, view = window.scene, window.derivation_view
    show_tab(window, qtbot, "derivation")
    s.select(3)
    show_tab(window, qtbot, "jacobian")  # the derivation goes behind the Jacobian's tab
    done = view.updates.refreshes
    for k in range(5):
        s.set_weight(0, 0, 0.3 * k)
    s.select(7)
    assert view.updates.refreshes == done and view.updates.pending
    show_tab(window, qtbot, "derivation")
    assert not view.updates.pending and view.updates.refreshes == done + 1
    p = s.lab_probabilities()
    assert view.values["softmax"] == p[s.lab_label()]
    assert "point 8" in view.header.text()


def test_the_points_table_behind_a_tab_computes_no_scores(window, qtbot, monkeypatch):
    s = window.scene
    calls = []
    monkeypatch.setattr(window.point_table_view.model, "_load_weights",
                        lambda: calls.append(1))
    for k in range(3):
        s.set_weight(1, 1, 0.1 * k)
    assert calls == [] and window.point_table_view.updates.pending


def test_a_hidden_gradient_check_runs_no_live_checks(window, qtbot):
    view = window.gradient_check_view
    show_tab(window, qtbot, "gradient_check")
    qtbot.mouseClick(view.live_box, Qt.LeftButton)
    assert view.live_box.isChecked()
    show_tab(window, qtbot, "weights")
    window.scene.set_weight(0, 1, 1.5)
    qtbot.wait(3 * 200)
    assert view.stale  # no check ran behind the tab
    show_tab(window, qtbot, "gradient_check")
    qtbot.waitUntil(lambda: not view.stale, timeout=3000)
    np.testing.assert_array_equal(view.result.dW, window.scene.loss_terms().dW)


def test_an_exported_panel_picture_shows_the_scene(window, tmp_path):
    window.scene.set_weight(0, 0, 2.5)
    assert window.timeline_view.updates.pending or window.timeline_view.updates.refreshes == 0
    assert window.export_png(window.timeline_view, tmp_path / "t.png")
    assert not window.timeline_view.updates.pending


# -- throttled while training ------------------------------------------------------------------
def test_secondary_views_redraw_less_while_training_and_equal_the_scene_after(window, qtbot):
    s, trainer = window.scene, window.trainer
    wv, cv, tp = window.weights_view, window.curves_view, window.training_panel
    trainer.play()
    try:
        before = wv.updates.refreshes, cv.updates.refreshes, tp.readout_updates.refreshes
        for _ in range(10):
            trainer.tick()  # ten frames at once: far less than one throttle interval
        assert wv.updates.refreshes == before[0] and wv.updates.pending
        assert cv.updates.refreshes == before[1] and cv.updates.pending
        assert tp.readout_updates.refreshes == before[2]
        # ... and it is then drawn from its timer, while training goes on
        qtbot.waitUntil(lambda: wv.updates.refreshes > before[0], timeout=2000)
    finally:
        trainer.pause()
    # paused: every throttled view shows exactly the scene
    for row_edits, row in zip(wv.value_edits, s.W):
        assert [e.value() for e in row_edits] == list(row)
    np.testing.assert_allclose(shown_gradients(wv), s.metrics().terms.dW, rtol=5e-3, atol=1e-12)
    x, _ = cv.total_curve.getOriginalDataset()
    np.testing.assert_array_equal(x, s.history.column("step"))
    assert tp.step_label.text() == f"step {s.step}"
    assert tp.loss_label.text() == f"loss {s.loss_terms().total:.4f}"
    assert f"step {s.step}" in window.summary_label.text()


def test_an_edit_while_training_shows_at_once(window, qtbot):
    s, wv, trainer = window.scene, window.weights_view, window.trainer
    trainer.play()
    try:
        trainer.tick()
        s.set_weight(0, 0, 1.25)  # a user edit: immediate, even though training runs
        assert wv.value_edits[0][0].value() == 1.25
        assert not wv.updates.pending
    finally:
        trainer.pause()


def test_the_hover_read_out_follows_training_at_10_hz_edits_at_once(window, qtbot):
    """The mouse resting on a point while Play runs: its read-out (rich text laid out
    anew, ~2 - 4 ms) is redrawn at ~10 Hz, not every frame; an edit shows at once; and
    paused, it shows the point's values of the paused W exactly."""
    s, ds, trainer = window.scene, window.dataset_view, window.trainer
    fmt = window.dataset_view.hover_text.__globals__["style"].format_number
    vp = ds.plot.viewport()
    (x0, x1), (y0, y1) = ds.view_box.viewRange()
    px, py = (x1 - x0) / vp.width(), (y1 - y0) / vp.height()
    X = s.X
    for i in range(X.shape[0]):  # a point in view with no other within 20 pixels
        d = np.hypot((X[:, 0] - X[i, 0]) / px, (X[:, 1] - X[i, 1]) / py)
        d[i] = np.inf
        if d.min() > 20 and x0 < X[i, 0] < x1 and y0 < X[i, 1] < y1 and \
                ds.pick_arrow(*X[i]) is None:
            break
    qtbot.mouseMove(vp, ds.data_to_view(float(X[i, 0]), float(X[i, 1])))
    qtbot.waitUntil(lambda: ds.hover_index == i, timeout=2000)
    shown = []
    original = ds._show_hover
    ds._show_hover = lambda j: (shown.append(j), original(j))
    trainer.play()
    try:
        for _ in range(10):
            trainer.tick()  # ten frames at once: far less than one throttle interval
        assert shown == [] and ds.hover_updates.pending
        qtbot.waitUntil(lambda: len(shown) >= 1, timeout=2000)  # then from its timer
        s.set_class_vector(0, (1.5, -0.5))  # a user edit: at once, though training runs
        assert len(shown) >= 2 and shown[-1] == i
        assert fmt(float(s.X[i] @ s.W[:, 0] + s.b[0])) in ds.hover_label.toPlainText()
        for _ in range(5):
            trainer.tick()
    finally:
        trainer.pause()
        ds._show_hover = original
    assert not ds.hover_updates.pending and ds.hover_index == i
    scores = s.X[i] @ s.W + s.b
    text = ds.hover_label.toPlainText()
    assert all(fmt(float(v)) in text for v in scores)


def test_throttled_refreshes_take_turns(window, qtbot):
    """Two throttled views never redraw within STAGGER_MS of each other."""
    times = []
    original = DeferredRefresh.run

    def run(self):
        import time
        if self.throttled():
            times.append(time.perf_counter())
        original(self)
    DeferredRefresh.run = run
    try:
        window.trainer.play()
        qtbot.wait(600)
    finally:
        window.trainer.pause()
        DeferredRefresh.run = original
    gaps = np.diff(sorted(times))
    assert len(times) >= 4
    assert np.all(gaps >= 0.9 * perf.STAGGER_MS / 1000)


# -- throttled during a drag ------------------------------------------------------------------
def test_other_views_follow_a_drag_at_10_hz_and_catch_up_when_it_ends(window, qtbot):
    s, ds, wv = window.scene, window.dataset_view, window.weights_view
    vp = ds.plot.viewport()
    i = s.add_point(0.5, 0.5, label=0)
    start = ds.data_to_view(0.5, 0.5)
    qtbot.mouseMove(vp, start)
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    try:
        for k in range(1, 4):
            qtbot.mouseMove(vp, start + QPoint(6 * k, 0))
            qtbot.wait(12)  # (pyqtgraph drops faster moves)
        assert s.X[i, 0] > 0.5 and interaction.active
        assert not ds.regions_refresh.throttled()  # the dragged plot itself keeps up
        assert wv.updates.throttled()
    finally:
        qtbot.mouseRelease(vp, Qt.LeftButton, pos=start + QPoint(24, 0))
    assert not interaction.active
    assert not wv.updates.pending
    np.testing.assert_allclose(shown_gradients(wv), s.loss_terms().dW, rtol=5e-3, atol=1e-12)


def test_an_interaction_whose_owner_is_gone_no_longer_counts(qtbot):
    w = QWidget()
    qtbot.addWidget(w)
    w.show()
    interaction.begin(w)
    assert interaction.active
    w.hide()
    assert not interaction.active
    interaction.end(w)


# -- what the views show -----------------------------------------------------------------------
def test_weights_gradients_are_the_latest_full_batch_evaluation(qtbot, scene, monkeypatch):
    view = WeightsView(scene)
    qtbot.addWidget(view)
    np.testing.assert_allclose(shown_gradients(view), scene.metrics().terms.dW, rtol=5e-3,
                               atol=1e-12)
    # a large dataset training: the evaluation describes an older step
    m = scene.metrics()
    older = dataclasses.replace(m, step=m.step, terms=m.terms._replace(dW=m.terms.dW + 1.0))
    monkeypatch.setattr(scene, "metrics", lambda: older)
    monkeypatch.setattr(type(scene), "step", property(lambda self: older.step + 3))
    scene.metrics_changed.emit()
    np.testing.assert_allclose(shown_gradients(view), older.terms.dW, rtol=5e-3, atol=1e-12)
    assert gradient_text(older.terms.db[0]) == view.bias_grad_labels[0].text()
    assert f"step {older.step}" in view.caption.text()


def test_class_markers_and_static_items_are_cached_drawings(qtbot, scene):
    view = DatasetView(scene)
    qtbot.addWidget(view)
    cached = QGraphicsItem.DeviceCoordinateCache
    assert all(item.cacheMode() == cached for item in view.scatters)
    assert all(a.label.cacheMode() == cached for a in view.arrows)
    assert all(line.cacheMode() == cached for line in view.zero_lines)


def test_every_plot_axis_and_its_label_are_cached_drawings(window):
    """Shown axes, and their labels (a text document laid out again at each repaint
    otherwise), are blitted from a cached drawing in every plot of the window."""
    import pyqtgraph as pg

    cached = QGraphicsItem.DeviceCoordinateCache
    axes = [item for view in window.findChildren(pg.GraphicsView)
            for item in view.scene().items() if isinstance(item, pg.AxisItem) and item.isVisible()]
    assert len(axes) >= 6
    assert all(axis.cacheMode() == cached and axis.label.cacheMode() == cached for axis in axes)


def test_hover_read_out_computes_only_its_point(qtbot, scene, monkeypatch):
    view = DatasetView(scene)
    qtbot.addWidget(view)

    def refuse(*_args):
        raise AssertionError("a full pass over the points")
    monkeypatch.setattr(type(scene), "point_scores", refuse)
    monkeypatch.setattr(type(scene), "point_losses", refuse)
    text = view.hover_text(5)
    assert "point 6" in text


def test_curve_axes_grow_in_nice_steps(qtbot, scene, trainer):
    view = CurvesView(scene)
    qtbot.addWidget(view)
    view.resize(440, 360)
    view.show()
    qtbot.waitExposed(view)
    ranges = []
    for _ in range(25):
        trainer.tick()
        x0, x1 = view.loss_vb.viewRange()[0]
        if not ranges or ranges[-1] != (x0, x1):
            ranges.append((x0, x1))
    # steps 1..25: the range changed 3 times, at the bounds 10, 15, 20 and 30 (2 % padding)
    assert [round((x1 - x0) / 1.04, 3) for x0, x1 in ranges] == [10, 15, 20, 30]
    lo, hi = view.loss_vb.viewRange()[1]
    assert lo < 0 < hi and hi >= float(np.max(scene.history.column("total_loss")))
    assert [nice_bound(v) for v in (0, 7, 10, 11, 151, 999, 1001)] == [10, 10, 10, 15, 200, 1000, 1500]
    assert nice_ceiling(0.26) == pytest.approx(0.3) and nice_ceiling(-1) == 1.0


def label_in_a_box(qtbot) -> QLabel:
    """A label in a laid-out, shown widget (``label.parentWidget().layout()`` takes more)."""
    box = QWidget()
    QVBoxLayout(box)
    label = QLabel()
    box.layout().addWidget(label)
    qtbot.addWidget(box)
    box.show()
    return label


def test_steady_text_lays_nothing_out(qtbot):
    label = label_in_a_box(qtbot)
    set_steady_text(label, "loss 0.1234", "loss 0.0000")
    size = label.size()
    set_steady_text(label, "loss 0.9")
    assert label.text() == "loss 0.9" and label.minimumSize() == label.maximumSize()
    set_steady_text(label, "loss 123456.1234 (much longer)")
    assert label.maximumWidth() > size.width()  # grows when a text needs more room
    assert label.autoFillBackground()


def steady_room(label) -> int:
    """The width a text has in a steady label (its fixed width less margins and slack)."""
    m = label.contentsMargins()
    return label.maximumWidth() - (m.left() + m.right() + 2 * label.margin() + 4)


def test_a_steady_label_measures_only_a_text_that_may_not_fit(qtbot, monkeypatch):
    """Once fitted, a steady label takes a text whose characters' advances add up to less
    than its room as fitting, without Qt shaping it (~25 against ~5 us a text; a weight
    edit gives ~15 labels new texts); a text that may not fit is measured and the label
    grows for it; a new font is measured anew."""
    from PySide6.QtGui import QFont

    from explorer.views import widgets

    measured = []
    text_width = widgets.text_width
    monkeypatch.setattr(widgets, "text_width",
                        lambda fm, text: measured.append(text) or text_width(fm, text))
    label = label_in_a_box(qtbot)
    widgets.fit_steady(label, "−0.5", "−0.000123")
    width = label.maximumWidth()
    measured.clear()
    for text in ("−0.0123", "0.25", "−1.5e-07", "+0.00012", "12.5"):
        widgets.fit_steady(label, text, "−0.000123")
    assert measured == [] and label.maximumWidth() == width
    widgets.fit_steady(label, "−0.123456789012", "−0.000123")  # longer than the sample
    assert "−0.123456789012" in measured
    assert steady_room(label) >= label.fontMetrics().horizontalAdvance("−0.123456789012")
    # A readout's texts are as long as its sample: measured once per digit pattern
    readout = QLabel()
    label.parentWidget().layout().addWidget(readout)
    widgets.fit_steady(readout, "loss 0.5", "loss 0.0000")
    measured.clear()
    for text in ("loss 0.4213", "loss 1.9876", "loss 12.5000", "loss 3.1416", "loss 10.0001"):
        widgets.fit_steady(readout, text, "loss 0.0000")
        assert steady_room(readout) >= readout.fontMetrics().horizontalAdvance(text)
    assert measured == ["loss 12.5000"]  # ("loss 0.0000"'s pattern measured with the sample)
    measured.clear()
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)  # (Qt's own QLabel: no refit of its own)
    widgets.fit_steady(label, "0.25", "−0.000123")
    assert measured, "a new font measures again"
    assert steady_room(label) >= label.fontMetrics().horizontalAdvance("−0.000123")
    assert label.minimumHeight() == label.maximumHeight() >= label.fontMetrics().height()


@given(texts=st.lists(st.text(alphabet="0123456789−-+.,:%eEWMmil ()stepacuryo—", min_size=1,
                              max_size=24), min_size=1, max_size=12),
       digits=st.lists(st.sampled_from("0123456789"), min_size=24, max_size=24))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_steady_text_fits_its_label(qtbot, texts, digits):
    """Whatever the texts (wide letters, narrow ones, long ones; other digits in a pattern
    seen before), each has the room Qt measures it needs once set: neither the sums of
    character advances nor the widths of digit patterns under-estimate."""
    other = iter(digits)
    texts = texts + ["".join(next(other) if c.isdigit() else c for c in texts[0])]
    label = QLabel()
    qtbot.addWidget(label)
    label.show()
    set_steady_text(label, "loss 0.0000", "loss 0.0000")
    for text in texts:
        set_steady_text(label, text, "loss 0.0000")
        assert label.text() == text
        assert steady_room(label) >= label.fontMetrics().horizontalAdvance(text), text
        assert label.minimumSize() == label.maximumSize()


def test_a_selectable_steady_text_paints_once_per_new_text(qtbot):
    """A label whose text can be selected (the training readout) lays its text out when
    it is set: laid out in its paint, it asked for a second paint (a second round of
    painting after every edit and training frame)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from event_log import EventLog

    box = QWidget()
    layout = QVBoxLayout(box)
    label = QLabel()
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    layout.addWidget(label)
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    set_steady_text(label, "loss 0.1234", "loss 0.0000")

    paints = EventLog(QEvent.Paint).watch(label)
    for text in ("loss 0.5678", "loss 0.9"):
        for _ in range(5):
            QApplication.processEvents()
        paints.seen.clear()
        set_steady_text(label, text)
        for _ in range(5):
            QApplication.processEvents()
        assert len(paints.seen) == 1, text
    paints.stop()


def test_points_table_computes_only_the_rows_drawn_above_a_size(qtbot, scene, monkeypatch):
    monkeypatch.setattr(point_table_module, "LAZY_ROWS_ABOVE", 100)
    view = PointTableView(scene)
    qtbot.addWidget(view)
    m = view.model
    assert m.lazy  # 150 points, sorted by number
    S, L = scene.point_scores(), scene.point_losses()
    for i in (0, 77, 149):
        row = m.row_of(i)
        assert m.data(m.index(row, m.score_column(1))) == num(S[i, 1], 4)
        assert m.data(m.index(row, m.loss_column)) == num(L[i], 4)
    view.sort_by(m.loss_column, Qt.DescendingOrder)  # sorting needs every value
    assert not m.lazy
    assert np.array_equal(view.shown_points(), np.argsort(L, kind="stable")[::-1])


def test_a_stale_points_table_keeping_the_focus_selects_no_gone_point(window, qtbot):
    view = window.point_table_view
    show_tab(window, qtbot, "point_table")
    window.scene.select(5)
    assert [r.row() for r in view.table.selectionModel().selectedRows()] == [view.model.row_of(5)]
    show_tab(window, qtbot, "curves")  # the table goes behind another tab...
    window.scene.clear_points()  # ... and is not reloaded there
    assert view.updates.pending and view.model.rowCount() == 150
    qtbot.keyClick(view.table, Qt.Key_Down)  # it still has the keyboard focus
    assert window.scene.selected is None
    assert view.model.rowCount() == 0 and not view.updates.pending


def test_a_new_readout_text_lays_out_nothing_unless_its_height_changes(qtbot):
    """The score lab's loss readout: a new text of the same height repaints the readout
    alone (no layout request reaches its window); one that wraps onto two lines grows it."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QColor

    from event_log import EventLog

    from explorer.views.widgets import ReadoutLabel

    window = QWidget()
    layout = QVBoxLayout(window)
    readout = ReadoutLabel("L = −ln p<sub>y</sub> = −ln 0.1300 = 2.040")
    readout.setAutoFillBackground(True)
    layout.addWidget(readout)
    layout.addStretch(1)
    qtbot.addWidget(window)
    window.resize(420, 200)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(20)
    layouts = EventLog(QEvent.LayoutRequest).watch(window)
    requests = layouts.seen
    one_line = readout.height()
    readout.setText("L = −ln p<sub>y</sub> = −ln 0.2500 = 1.386")
    qtbot.wait(20)
    assert readout.text().endswith("1.386") and requests == []
    assert readout.height() == one_line
    # what it shows: dark text on its background, centred
    image = readout.grab().toImage()
    dark = [x for x in range(image.width()) for y in range(image.height())
            if QColor(image.pixel(x, y)).lightness() < 100]
    assert dark, "no text drawn"
    assert abs((min(dark) + max(dark)) / 2 - image.width() / 2) < 0.1 * image.width()

    readout.setText(" ".join(["a rather long readout that must wrap"] * 4))
    qtbot.waitUntil(lambda: readout.height() > 1.5 * one_line, timeout=2000)
    assert requests  # the layout was asked once: its height changed


def test_a_view_being_torn_down_ignores_its_events(qtbot):
    """Python may clear a DeferredRefresh's attributes (garbage collection at exit) while Qt
    still delivers events to its filter: nothing is raised."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QShowEvent
    from PySide6.QtWidgets import QApplication

    box = QWidget()
    qtbot.addWidget(box)
    updates = DeferredRefresh(box, lambda: None)
    updates.pending = True
    updates.__dict__.clear()  # as a collected cycle leaves it
    assert updates.eventFilter(box, QShowEvent()) is False
    QApplication.sendEvent(box, QEvent(QEvent.Show))  # through Qt: no error either


def test_the_loss_axis_prints_a_few_readable_labels(qtbot, scene, trainer):
    """Empty curves (range 0..1) and after training: 3 or 4 labels on the short loss axis,
    at round values, not pyqtgraph's 6 crammed ones."""
    from explorer.views.curves import tick_step

    assert [tick_step(t) for t in (1.0, 1.5, 3.0, 4.0, 8.0, 0.03)] == [0.5, 0.5, 1.0, 2.0, 5.0, 0.01]
    view = CurvesView(scene)
    qtbot.addWidget(view)
    view.resize(440, 300)
    view.show()
    qtbot.waitExposed(view)
    axis = view.loss_plot.getAxis("left")

    def labels():
        lo, hi = view.loss_vb.viewRange()[1]
        levels = axis.tickValues(lo, hi, axis.height())
        return [v for v in levels[0][1] if lo <= v <= hi]

    assert 2 <= len(labels()) <= 4, labels()
    for _ in range(30):
        trainer.step()
    view.updates.run()
    shown = labels()
    assert 2 <= len(shown) <= 4 and 0.0 in shown, shown


def test_one_edit_redraws_each_view_once_however_many_groups_it_changes(window, qtbot):
    """A weight edit changes the weights, the gradients and the metrics: the weights table,
    the training read-out and the summary follow several of those signals, and each redraws
    once, after the last signal (so it shows the whole edit)."""
    scene = window.scene
    views = {"weights": window.weights_view.updates,
             "readout": window.training_panel.readout_updates,
             "summary": window.summary_updates}
    before = {k: u.refreshes for k, u in views.items()}
    seen = {}
    original = window.weights_view._refresh

    def refresh():  # what the table shows when it redraws
        seen["W"] = float(scene.W[0, 0])
        original()

    window.weights_view.updates._refresh = refresh
    scene.set_weight(0, 0, float(scene.W[0, 0]) + 0.25)
    assert {k: u.refreshes - before[k] for k, u in views.items()} == \
        {"weights": 1, "readout": 1, "summary": 1}
    assert seen["W"] == float(scene.W[0, 0])
    assert not any(u.pending for u in views.values())


def test_coalesced_refreshes_all_run_when_one_raises(qtbot, monkeypatch):
    """A failing view is reported to the exception hook (as an error in a slot is) and
    neither stops the other views nor escapes into the edit being shown."""
    import sys

    reported = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: reported.append(info[1]))
    ran = []
    widgets = [QWidget() for _ in range(3)]
    for w in widgets:
        qtbot.addWidget(w)

    def boom():
        ran.append("boom")
        raise RuntimeError("refresh failed")

    refreshes = [DeferredRefresh(widgets[0], boom), DeferredRefresh(widgets[1], lambda: ran.append(1)),
                 DeferredRefresh(widgets[2], lambda: ran.append(2))]
    with DeferredRefresh.coalescing():
        for r in refreshes + refreshes:  # requested twice: run once each, at the end
            r.request()
        assert ran == []
    assert ran == ["boom", 1, 2]
    assert [str(e) for e in reported] == ["refresh failed"]
    assert not any(r.pending for r in refreshes)


def test_an_edit_whose_view_fails_is_still_applied_and_undoable(window, monkeypatch):
    import sys

    reported = []
    monkeypatch.setattr(sys, "excepthook", lambda *info: reported.append(info[1]))
    scene = window.scene

    def broken():
        raise RuntimeError("weights table failed")

    window.weights_view.updates._refresh = broken
    before = float(scene.W[0, 0])
    count = scene.undo_stack.count()
    scene.set_weight(0, 0, before + 0.5)
    assert float(scene.W[0, 0]) == before + 0.5
    assert scene.undo_stack.count() == count + 1
    assert [str(e) for e in reported] == ["weights table failed"]
    scene.undo()
    assert float(scene.W[0, 0]) == before


def test_no_axis_rewrites_its_label_on_a_range_change(window):
    """pyqtgraph's SI prefixes re-render an axis label's HTML on every range change; no axis
    of the app uses them (its tick labels print 1e+09 themselves)."""
    import pyqtgraph as pg

    # (pyqtgraph's PlotWidgets and the app's LightPlotWidgets)
    plots = [w.getPlotItem() for w in window.findChildren(pg.GraphicsView)
             if hasattr(w, "getPlotItem")]
    plots += [window.curves_view.loss_plot, window.curves_view.acc_plot]
    assert len(plots) >= 8
    for plot in plots:
        for name in plot.axes:
            axis = plot.getAxis(name)
            assert not axis.autoSIPrefix
            calls = []
            axis._updateLabel = lambda: calls.append(1)
            try:
                axis.setRange(*axis.range)
            finally:
                del axis._updateLabel
            assert calls == []
