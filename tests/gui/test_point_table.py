"""The per-point table: contents, sorting by clicking headers, selection both ways, live updates."""

import numpy as np
import pytest
from PySide6.QtCore import QAbstractTableModel, QPoint, Qt
from PySide6.QtWidgets import QTableView

from explorer.views.notation import num
from explorer.views.point_table import PointTableView


@pytest.fixture
def view(qtbot, scene):
    v = PointTableView(scene)
    qtbot.addWidget(v)
    v.resize(700, 500)
    v.show()
    qtbot.waitExposed(v)
    return v


def cell(view, row, col):
    return view.model.data(view.model.index(row, col))


def click_header(view, qtbot, col):
    header = view.table.horizontalHeader()
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    if not 0 <= x < header.viewport().width():
        view.table.scrollTo(view.model.index(0, col))
        x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=QPoint(x, header.height() // 2))


def click_row(view, qtbot, row):
    index = view.model.index(row, 1)
    view.table.scrollTo(index)
    qtbot.mouseClick(view.table.viewport(), Qt.LeftButton, pos=view.table.visualRect(index).center())


def test_is_a_model_view_table_with_the_columns(view, scene):
    assert isinstance(view.table, QTableView) and isinstance(view.model, QAbstractTableModel)
    m = view.model
    assert m.rowCount() == scene.n_points
    assert m.columnCount() == 6 + scene.n_classes
    headers = [m.headerData(c, Qt.Horizontal) for c in range(m.columnCount())]
    assert headers == ["#", "x₁", "x₂", "label", "s₁", "s₂", "s₃", "Lᵢ", "pred."]
    S, L = scene.point_scores(), scene.point_losses()
    i = 7
    row = m.row_of(i)
    assert cell(view, row, 0) == str(i + 1)
    assert cell(view, row, 1) == num(scene.X[i, 0], 4)
    assert cell(view, row, 3) == str(int(scene.y[i]) + 1)
    assert [cell(view, row, 4 + j) for j in range(3)] == [num(v, 4) for v in S[i]]
    assert cell(view, row, m.loss_column) == num(L[i], 4)
    assert cell(view, row, m.predicted_column).startswith(str(int(S[i].argmax()) + 1))
    assert num(0.123456, 4) == "0.1235" and num(-12345.6, 4) == "−1.235e4"


def test_clicking_the_loss_header_sorts_by_loss(view, scene, qtbot):
    m = view.model
    click_header(view, qtbot, m.loss_column)
    assert m.sort_column == m.loss_column
    L = scene.point_losses()
    expected = np.argsort(L, kind="stable")
    if m.sort_order == Qt.DescendingOrder:
        expected = expected[::-1]
    assert np.array_equal(view.shown_points(), expected)
    shown = [float(cell(view, r, m.loss_column).replace("−", "-")) for r in range(m.rowCount())]
    assert shown == sorted(shown, reverse=m.sort_order == Qt.DescendingOrder)
    first_order = m.sort_order
    click_header(view, qtbot, m.loss_column)  # again: the other direction
    assert m.sort_order != first_order
    assert np.allclose(L[view.shown_points()], L[expected[::-1]])
    view.sort_by(m.loss_column, Qt.AscendingOrder)
    assert np.array_equal(view.shown_points(), np.argsort(L, kind="stable"))


def test_sorting_by_other_columns(view, scene):
    m = view.model
    view.sort_by(2, Qt.DescendingOrder)
    assert np.array_equal(scene.X[view.shown_points(), 1], np.sort(scene.X[:, 1])[::-1])
    view.sort_by(m.score_column(1), Qt.AscendingOrder)
    assert np.array_equal(view.shown_points(), np.argsort(scene.point_scores()[:, 1], kind="stable"))
    view.sort_by(0, Qt.AscendingOrder)
    assert np.array_equal(view.shown_points(), np.arange(scene.n_points))


def test_clicking_a_row_selects_the_point(view, scene, qtbot):
    view.sort_by(view.model.loss_column, Qt.DescendingOrder)
    click_row(view, qtbot, 0)
    worst = int(np.argmax(scene.point_losses()))
    assert scene.selected == worst
    click_row(view, qtbot, 5)
    assert scene.selected == view.model.point_at(5)


def test_selecting_a_point_selects_and_shows_its_row(view, scene, qtbot):
    scene.select(140)
    row = view.model.row_of(140)
    rows = view.table.selectionModel().selectedRows()
    assert [r.row() for r in rows] == [row]
    rect = view.table.visualRect(view.model.index(row, 0))
    assert view.table.viewport().rect().intersects(rect)  # scrolled into view
    scene.select(None)
    assert not view.table.selectionModel().hasSelection()


def test_training_updates_values_keeps_sorting_and_selection(view, scene, trainer):
    m = view.model
    view.sort_by(m.loss_column, Qt.AscendingOrder)
    scene.select(33)
    trainer.step()
    trainer.step()
    L = scene.point_losses()
    assert np.array_equal(view.shown_points(), np.argsort(L, kind="stable"))
    row = m.row_of(33)
    assert cell(view, row, m.loss_column) == num(L[33], 4)
    assert [r.row() for r in view.table.selectionModel().selectedRows()] == [row]
    assert scene.selected == 33


def test_dataset_and_class_changes_reset_the_model(view, scene):
    n = scene.n_points
    scene.add_point(0.5, 0.5, 1)
    assert view.model.rowCount() == n + 1
    assert cell(view, view.model.row_of(n), 3) == "2"
    scene.set_n_classes(4)
    assert view.model.columnCount() == 10
    assert view.model.rowCount() == scene.n_points
    scene.clear_points()
    assert view.model.rowCount() == 0
    assert "No points" in view.summary.text()


def test_many_points(view, scene, qtbot):
    scene.load_preset("blobs", n=20_000)
    m = view.model
    assert m.rowCount() == 20_000
    view.sort_by(m.loss_column, Qt.DescendingOrder)
    L = scene.point_losses()
    assert np.array_equal(view.shown_points(), np.argsort(L, kind="stable")[::-1])
    scene.select(12_345)
    assert [r.row() for r in view.table.selectionModel().selectedRows()] == [m.row_of(12_345)]
    click_row(view, qtbot, 3)
    assert scene.selected == m.point_at(3)


def test_appearance_changes_are_applied(view):
    from explorer import style

    before = view.table.font().pointSize()
    row = view.table.verticalHeader().defaultSectionSize()
    try:
        style.appearance.set_scale(1.5)
        assert view.table.font().pointSize() > before
        assert view.table.verticalHeader().defaultSectionSize() > row
    finally:
        style.appearance.set_scale(1.0)
    assert view.table.font().pointSize() == before
