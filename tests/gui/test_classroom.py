"""Classroom and persistence: presentation mode, scale, theme, layouts, shortcuts,
scene files through the window, autosave and restore, closing, preferences, export."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QImage, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from explorer import paths, style
from explorer.layouts import LAYOUTS
from explorer.main_window import MainWindow
from explorer.state import SceneData
from explorer.views.widgets import PanelScroll


def fields_of(scene):
    return {f.name: getattr(scene.data, f.name) for f in dataclasses.fields(SceneData)}


def assert_same(a, b):
    for k in a:
        if isinstance(a[k], np.ndarray):
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
        else:
            assert a[k] == b[k], k


def press(qtbot, window, sequence: str):
    """Type a key sequence such as "Ctrl+=" at the window, as a user would."""
    ks = QKeySequence(sequence)[0]
    qtbot.keyClick(window, ks.key(), ks.keyboardModifiers())


# -- presentation, scale, theme, layouts ------------------------------------------------
def test_f11_toggles_presentation_mode_and_escape_leaves(window, qtbot):
    window.dataset_view.plot.setFocus()
    qtbot.keyClick(window, Qt.Key_F11)
    qtbot.waitUntil(lambda: bool(window.windowState() & Qt.WindowFullScreen))
    assert window.presentation_action.isChecked()
    qtbot.keyClick(window, Qt.Key_Escape)
    qtbot.waitUntil(lambda: not window.windowState() & Qt.WindowFullScreen)
    assert not window.presentation_action.isChecked()


def test_ctrl_plus_minus_zero_scale_every_font(window, qtbot):
    base_app = QApplication.instance().font().pointSize()
    press(qtbot, window, "Ctrl+=")
    press(qtbot, window, "Ctrl+=")
    assert style.appearance.scale == pytest.approx(1.21, rel=1e-3)
    assert QApplication.instance().font().pointSize() > base_app
    assert style.font(style.BASE_POINT_SIZE).pointSize() == round(style.BASE_POINT_SIZE * 1.21)
    press(qtbot, window, "Ctrl+-")
    assert style.appearance.scale == pytest.approx(1.1, rel=1e-3)
    press(qtbot, window, "Ctrl+0")
    assert style.appearance.scale == 1.0
    assert QApplication.instance().font().pointSize() == base_app


def overlapping_widgets(panel) -> list:
    """Pairs of visible sibling widgets inside ``panel`` whose rectangles overlap (a
    squeezed layout draws one over the other: a wrapped text half under a plot)."""
    found = []
    for parent in [panel, *panel.findChildren(QWidget)]:
        if not parent.isVisible():
            continue
        kids = [c for c in parent.children()
                if isinstance(c, QWidget) and c.isVisible() and not c.isWindow()]
        for i, a in enumerate(kids):
            for b in kids[i + 1:]:
                if a.geometry().intersects(b.geometry()):
                    found.append((type(a).__name__, a.geometry(), type(b).__name__, b.geometry()))
    return found


def panels_in_view(window) -> list[str]:
    return [k for k, d in window.docks.items() if not d.visibleRegion().isEmpty()]


def check_panels_whole(window) -> None:
    """Every panel in view is at least the size it needs (scrolling if its dock is
    smaller) and nothing in it is drawn over anything else."""
    for key in panels_in_view(window):
        scroll, panel = window.docks[key].widget(), window.panels[key]
        need = scroll.need()
        assert panel.height() >= need.height() and panel.width() >= panel.minimumSizeHint().width(), (
            key, panel.size(), need, scroll.size(), scroll.viewport().size())
        assert overlapping_widgets(panel) == [], key
        for label in panel.findChildren(QLabel):  # every wrapped text shows all its lines
            if label.isVisible() and label.wordWrap() and label.text():
                assert label.height() >= label.heightForWidth(label.width()), (key, label.text())


def settle_docks(qtbot, window):
    """Let the columns be shared out again (a panel that came to need more room asks for
    it once events settle)."""
    qtbot.wait(30)
    qtbot.waitUntil(lambda: not window._resize_timer.isActive(), timeout=2000)
    qtbot.wait(30)


def show_each_tab(window, qtbot):
    """Choose each dock tab in turn (as clicks on the tabs would), yielding its key."""
    for key, dock in window.docks.items():
        if dock.isHidden():
            continue
        dock.raise_()
        qtbot.waitUntil(lambda: not dock.visibleRegion().isEmpty(), timeout=2000)
        settle_docks(qtbot, window)
        yield key


def scrolling(window, key) -> bool:
    scroll = window.docks[key].widget()
    return scroll.verticalScrollBar().isVisible() or scroll.horizontalScrollBar().isVisible()


def test_at_scale_one_every_panel_has_the_room_it_needs(window, qtbot):
    """The default window: with the default tabs no panel scrolls; whichever tab is
    chosen, also with a point selected (the score lab's banner takes room from the panels
    under it: the loss shape's readout was once drawn half under its plot), every panel
    in view is whole, and where a column cannot give every panel what it needs, only the
    bottom one scrolls."""
    settle_docks(qtbot, window)
    assert not any(scrolling(window, key) for key in panels_in_view(window))
    for _ in range(30):
        window.trainer.step()
    for selected in (None, int(window.scene.point_losses().argmax())):
        window.scene.select(selected)
        for _ in show_each_tab(window, qtbot):
            check_panels_whole(window)
            for side in ("left", "right"):
                above = LAYOUTS["Everything"][side][:-1]
                for key in panels_in_view(window):
                    if any(key in group for group in above):
                        assert not scrolling(window, key), (selected, key)
    assert window.size().toTuple() == (1560, 960)


@pytest.mark.parametrize("presses", [2, 4])
def test_zooming_in_keeps_the_window_its_size_and_every_panel_whole(window, qtbot, presses):
    """Ctrl+= makes everything larger; the window keeps its size (it used to grow past
    the screen, its status bar and tabs off the bottom, and the panels that ask least
    were squeezed to a strip): panels that no longer fit scroll, and scrolling shows all
    of them."""
    size = window.size()
    for _ in range(presses):
        press(qtbot, window, "Ctrl+=")
    qtbot.wait(50)
    assert style.appearance.scale == pytest.approx(1.1 ** presses, rel=1e-3)
    assert window.size() == size
    assert window.minimumSizeHint().width() <= size.width()
    assert window.minimumSizeHint().height() <= size.height()
    bar = window.statusBar()
    assert window.rect().contains(bar.geometry())
    scrolled = 0
    for key in show_each_tab(window, qtbot):
        check_panels_whole(window)
        scrolled += scrolling(window, key)
    assert scrolled > 0  # (at this scale the panels cannot all fit: some scroll)
    # The weights panel's last buttons come into view when scrolled to.
    window.docks["weights"].raise_()
    qtbot.waitUntil(lambda: not window.docks["weights"].visibleRegion().isEmpty(), timeout=2000)
    scroll, button = window.docks["weights"].widget(), window.weights_view.zero_button
    scroll.ensureWidgetVisible(button)
    corner = button.mapTo(scroll.viewport(), button.rect().bottomRight())
    assert scroll.viewport().rect().contains(corner)
    press(qtbot, window, "Ctrl+0")  # back at scale 1, the default tabs: nothing scrolls
    for key in ("score_lab", "jacobian", "training", "weights", "curves"):
        window.docks[key].raise_()
    settle_docks(qtbot, window)
    assert not any(scrolling(window, key) for key in panels_in_view(window))


@pytest.mark.parametrize("scale_presses", [0, 3])
def test_the_point_inspector_shows_every_text_whole(window, qtbot, scale_presses):
    """The lesson layout for one point, zoomed in or not: the derivation's heading (beside
    its class chooser) once lost its last line under the lines below it."""
    for _ in range(25):
        window.trainer.step()
    press(qtbot, window, "Ctrl+4")
    for _ in range(scale_presses):
        press(qtbot, window, "Ctrl+=")
    window.scene.select(int(window.scene.point_losses().argmax()))
    for _ in show_each_tab(window, qtbot):
        check_panels_whole(window)


def test_without_the_plot_the_panels_fill_the_window(window, qtbot):
    press(qtbot, window, "Ctrl+2")  # "Scores only"
    settle_docks(qtbot, window)
    left, right = window.docks["score_lab"], window.docks["jacobian"]
    gap = right.geometry().left() - left.geometry().right()
    assert 0 < gap <= 16  # (the separator between them, nothing more)
    assert right.geometry().right() >= window.width() - 2


def test_a_click_beside_a_panels_fields_leaves_the_keyboard_where_it_was(window, qtbot):
    """The scroll area around each panel never takes the keyboard: a click on a panel's
    bare background, and Tab, leave it with the fields (and Space with Play)."""
    field = window.score_lab.score_edits[0]
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=2000)
    panel = window.training_panel
    bare = next(QPoint(x, y) for y in range(2, panel.height(), 3) for x in range(2, panel.width(), 3)
                if panel.childAt(x, y) is None)
    qtbot.mouseClick(panel, Qt.LeftButton, pos=bare)
    assert field.hasFocus()
    for _ in range(40):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key_Tab)
        assert not isinstance(QApplication.focusWidget(), PanelScroll)


def test_dark_theme_and_high_contrast_palette(window, qtbot):
    press(qtbot, window, "Ctrl+D")
    assert style.appearance.theme == "dark"
    assert QApplication.instance().palette().window().color().lightness() < 80
    press(qtbot, window, "Ctrl+D")
    assert style.appearance.theme == "light"
    press(qtbot, window, "Ctrl+Shift+H")
    assert style.appearance.palette == "high-contrast"
    assert style.class_color(0).name() != "#e69f00"


@pytest.mark.parametrize("index,name", list(enumerate(LAYOUTS, start=1)))
def test_lesson_layouts_show_only_their_panels(window, qtbot, index, name):
    press(qtbot, window, f"Ctrl+{index}")
    spec = LAYOUTS[name]
    wanted = {k for groups in (spec["left"], spec["right"]) for g in groups for k in g
              if k in window.docks}
    shown = {k for k, d in window.docks.items() if not d.isHidden()}
    assert shown == wanted
    assert window.dataset_view.isVisibleTo(window) == spec["central"]
    assert window.layout_name == name
    assert window.view_options()["layout"] == name


def test_layout_is_saved_with_the_scene(window, tmp_path):
    window.apply_layout("Scores only")
    path = tmp_path / "lesson.json"
    assert window.save_scene_to(path)
    assert json.loads(path.read_text())["view"]["layout"] == "Scores only"
    window.apply_layout("Everything")
    assert window.open_scene(path)
    assert window.layout_name == "Scores only"
    assert not window.dataset_view.isVisibleTo(window)


# -- keyboard first -----------------------------------------------------------------------
def test_every_menu_action_has_a_shortcut_and_a_tooltip(window):
    missing = []
    for menu, action in window.menu_actions():
        if action.parent() is window.recent_menu or action in window.recent_menu.actions():
            continue  # recent files are listed by name
        if not action.shortcuts():
            missing.append(f"{menu} › {action.text()}")
        assert action.toolTip(), action.text()
    assert missing == []
    keys = [s.toString() for _, a in window.menu_actions() for s in a.shortcuts()]
    assert len(keys) == len(set(keys)), "two actions share a shortcut"


def test_help_lists_every_shortcut(window, qtbot):
    qtbot.keyClick(window, Qt.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog.isVisible() and not dialog.isModal()
    listed = {dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())}
    for _, action in window.menu_actions():
        for s in action.shortcuts():
            assert any(s.toString(QKeySequence.NativeText) in row for row in listed), s.toString()
    dialog.close()


# -- scenes through the window -----------------------------------------------------------
def test_save_and_open_round_trip_through_the_window(window, tmp_path):
    s = window.scene
    s.set_n_classes(4)
    s.set_features(["x1*x2"])
    s.add_point(0.5, 0.25, 3)
    before = fields_of(s)
    path = tmp_path / "a.json"
    assert window.save_scene_to(path)
    assert s.undo_stack.isClean() and window.windowTitle().startswith("a.json")
    s.load_preset("spiral", 50, None, 1)
    window.ask_before_closing = False
    assert window.open_scene(path)
    assert_same(before, fields_of(s))


def test_a_bad_file_shows_a_message_and_leaves_the_scene(window, tmp_path):
    before = fields_of(window.scene)
    path = tmp_path / "broken.json"
    path.write_text('{"format": "softmax-explorer-scene", "version": 1, "classes": 3')
    assert not window.open_scene(path)
    assert "broken.json" in window.last_error and "not valid JSON" in window.last_error
    assert_same(before, fields_of(window.scene))


def test_examples_menu_opens_each_sample_scene(window):
    actions = window.examples_menu.actions()
    assert {a.text() for a in actions} >= {"Three classes", "Xor no linear solution", "Spiral"}
    for action, path in zip(actions, sorted(paths.examples_dir().glob("*.json"))):
        action.trigger()
        doc = json.loads(path.read_text())
        assert window.scene.n_points == len(doc["points"]["labels"]) > 0
        np.testing.assert_array_equal(window.scene.W, doc["W"])
        assert window.file_path is None  # examples are opened as new, unsaved scenes


def test_closing_with_unsaved_changes_asks(window, qtbot, monkeypatch):
    window.ask_before_closing = True
    window.scene.set_score(0, 1.0)
    answers = iter([QMessageBox.Cancel, QMessageBox.Discard])
    monkeypatch.setattr(window, "_ask_save_changes", lambda: next(answers))
    window.close()
    assert window.isVisible()  # Cancel keeps the window open
    window.close()
    assert not window.isVisible()


# -- autosave ----------------------------------------------------------------------------
def test_autosave_follows_an_edit_and_restores_in_a_new_window(window, qtbot):
    path = paths.autosave_path()
    window.scene.set_weight(0, 1, 1.25)
    window.scene.add_point(2.0, -1.0, 2)
    qtbot.waitUntil(path.exists, timeout=2000)
    qtbot.waitUntil(lambda: not window.autosaver.pending, timeout=2000)
    saved = fields_of(window.scene)
    other = MainWindow()
    other.ask_before_closing = False
    qtbot.addWidget(other)
    assert other.restore_bar.isVisibleTo(other)
    qtbot.mouseClick(other.restore_bar.restore_button, Qt.LeftButton)
    assert_same(saved, fields_of(other.scene))
    assert not other.restore_bar.isVisibleTo(other)


def test_clean_close_removes_the_autosave(window, qtbot):
    window.scene.set_score(1, 0.5)
    qtbot.waitUntil(paths.autosave_path().exists, timeout=2000)
    window.close()
    assert not paths.autosave_path().exists()


def test_sigkill_loses_at_most_the_last_second(tmp_path):
    """A real app process, killed with SIGKILL right after an edit, has autosaved it."""
    script = textwrap.dedent("""
        import sys, time
        from explorer.app import make_application
        app = make_application()
        from explorer.main_window import MainWindow
        w = MainWindow()
        w.show()
        app.processEvents()
        w.scene.set_weight(1, 2, 4.75)
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:   # one second of normal event processing
            app.processEvents()
            time.sleep(0.01)
        print("edited", flush=True)
        while True:
            app.processEvents()
            time.sleep(0.01)
    """)
    env = dict(os.environ, SOFTMAX_EXPLORER_DATA_DIR=str(tmp_path), QT_QPA_PLATFORM="offscreen")
    with subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True) as proc:
        line = proc.stdout.readline()
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=10)
    assert line.strip() == "edited", err
    doc = json.loads((tmp_path / "autosave.json").read_text())
    assert doc["W"][1][2] == 4.75


# -- preferences -----------------------------------------------------------------------------
def test_preferences_persist_across_windows(window, qtbot, tmp_path):
    press(qtbot, window, "Ctrl+=")
    press(qtbot, window, "Ctrl+D")
    path = tmp_path / "r.json"
    window.save_scene_to(path)
    window.close()
    style.appearance.set_scale(1.0)
    style.appearance.set_theme("light")
    other = MainWindow()
    other.ask_before_closing = False
    qtbot.addWidget(other)
    assert style.appearance.scale == pytest.approx(1.1)
    assert style.appearance.theme == "dark"
    assert [a.toolTip() for a in other.recent_menu.actions()] == [str(path.resolve())]


# -- export --------------------------------------------------------------------------------
def test_png_export_of_the_window_and_of_a_panel(window, tmp_path):
    assert window.export_png(window, tmp_path / "w.png")
    img = QImage(str(tmp_path / "w.png"))
    assert img.width() == window.width() and img.height() == window.height()
    assert window.export_png(window.score_lab, tmp_path / "lab.png")
    assert QImage(str(tmp_path / "lab.png")).width() == window.score_lab.width()


def test_a_panel_exported_from_the_menu_is_whole_even_when_it_scrolls(window, qtbot, tmp_path,
                                                                     monkeypatch):
    """File > Export > "Score lab as PNG…" saves the whole panel, the part scrolled out of
    its dock too."""
    for _ in range(4):
        press(qtbot, window, "Ctrl+=")
    settle_docks(qtbot, window)
    scroll, panel = window.docks["score_lab"].widget(), window.score_lab
    assert scroll.verticalScrollBar().isVisible()  # (it scrolls at this scale)
    path = tmp_path / "lab.png"
    monkeypatch.setattr("explorer.main_window.QFileDialog.getSaveFileName",
                        lambda *a, **k: (str(path), "PNG images (*.png)"))
    action = next(a for a in window.findChildren(QAction) if a.text() == "Score lab as PNG…")
    action.trigger()
    img = QImage(str(path))
    assert (img.width(), img.height()) == (panel.width(), panel.height())
    assert img.height() > scroll.viewport().height()


def test_gif_of_a_training_run_has_the_expected_frames(window, tmp_path):
    from PIL import Image

    window.scene.set_steps_per_frame(3)
    path = tmp_path / "run.gif"
    n = window.export_gif(path, 12, show_progress=False)
    assert n == 12
    with Image.open(path) as gif:
        assert gif.n_frames == 12
    assert window.scene.step == 33  # 11 frames of 3 steps after the first picture
    texts = [window.scene.undo_stack.text(i) for i in range(window.scene.undo_stack.count())]
    assert texts[-1] == "Train 33 steps"


def test_csv_export_and_import_through_the_window(window, tmp_path):
    path = tmp_path / "p.csv"
    X, y = window.scene.X.copy(), window.scene.y.copy()
    assert window.export_csv(path)
    window.scene.clear_points()
    assert window.import_csv(path)
    np.testing.assert_array_equal(window.scene.X, X)
    np.testing.assert_array_equal(window.scene.y, y)
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2,0\n3,x,1\n")
    assert not window.import_csv(bad)
    assert "line 2" in window.last_error


def test_command_line_opens_a_scene_and_rejects_bad_ones(tmp_path, window):
    path = tmp_path / "ok.json"
    window.save_scene_to(path)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    r = subprocess.run([sys.executable, "-m", "explorer", str(bad)], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and str(bad) in r.stderr and "Traceback" not in r.stderr
    t0 = time.monotonic()
    with subprocess.Popen([sys.executable, "-m", "explorer", str(path), "--presentation"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        time.sleep(3)
        running = proc.poll() is None  # still running, with the scene open
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert running, err
    assert time.monotonic() - t0 < 30


def test_cancelling_a_gif_writes_nothing(tmp_path):
    from explorer import export

    image = QImage(40, 30, QImage.Format_RGB32)
    image.fill(0xFFFFFF)
    steps = iter(range(100))
    path = tmp_path / "cancelled.gif"
    n = export.record_gif(path, 20, lambda: f"step {next(steps)}", lambda: image,
                          progress=lambda k, total: k < 5)
    assert n == 0 and not path.exists()


def test_view_show_frame_rate_reads_out_the_plot_frame_rate(window, qtbot):
    press(qtbot, window, "Ctrl+Shift+F")
    assert window.fps_label.isVisible() and window.fps_meter.active
    window.trainer.play()
    qtbot.waitUntil(lambda: window.fps_meter.fps > 0, timeout=5000)
    window.trainer.pause()
    assert window.fps_label.text().endswith(("fps", "ms"))
    assert float(window.fps_label.text().split()[0]) > 0
    press(qtbot, window, "Ctrl+Shift+F")
    assert not window.fps_label.isVisible() and not window.fps_meter.active
