"""A GUI monkey: thousands of seeded random real UI events on the main window.

Clicks and drags on the dataset plot and the score lab's charts, clicks on
buttons, key presses (digits, letters, Space, S, R, Delete, Escape, arrows,
Ctrl+Z, Ctrl+Shift+Z), typing random text ("nan", "1e400", "-", "", "abc",
huge numbers, ...) into number fields and spin boxes followed by Return,
random menu actions and window resizes. No exception may escape and the
scene and its views must stay consistent (checked every ``CHECK_EVERY`` events).

Reproduce a failure with the seed it prints::

    MONKEY_SEED=1234 QT_QPA_PLATFORM=offscreen python -m pytest tests/gui/test_monkey.py -s

``MONKEY_EVENTS`` changes the number of events (default 2000). A seed always gives the
same events; while Play runs, how many training ticks fall between them follows the
clock, so a failure after a long training stretch may need a few tries to reproduce.
Modal dialogs would block the run: file, message and input dialogs are
patched to answer at once, and a watchdog closes any modal dialog or popup
that still appears (and reports it).
"""

from __future__ import annotations

import math
import os
import random
import time
import traceback

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QDialog, QFileDialog, QInputDialog,
    QLineEdit, QMessageBox, QSlider, QWidget,
)

from explorer import engine

SEED = int(os.environ.get("MONKEY_SEED", "20240607"))
DEFAULT_EVENTS = 2000
N_EVENTS = max(1, int(os.environ.get("MONKEY_EVENTS", DEFAULT_EVENTS)))
CHECK_EVERY = 50
PAINT_EVERY = 8  # the full event loop (timers, paints) runs after every 8th event
MAX_POINTS = 2000  # beyond this the monkey clears the points (keeps the run fast)
SLOW_EVENT_SECONDS = 10.0  # an event that takes longer is reported as a hang

TEXTS = ["nan", "NaN", "inf", "-inf", "1e400", "-1e400", "-", "", "abc", "1e308", "-1e308",
         "1.7976931348623157e308", "1e-320", "0", "-0", "3.5", "-2", "10", "0.5", "7", "2",
         "1000000", "99999999999999999999999", "1" * 400, "0x10", "1,5", " 7 ", "full", "2e2",
         "\u22123", "1e", ".", "+", "١", "😀", "3 4", "0.0001", "1e-4", "11", "1000", "5"]
KEYS = ([Qt.Key_0 + k for k in range(10)]
        + [Qt.Key_A, Qt.Key_B, Qt.Key_C, Qt.Key_X, Qt.Key_Z, Qt.Key_S, Qt.Key_R, Qt.Key_S, Qt.Key_R]
        + [Qt.Key_Space, Qt.Key_Space, Qt.Key_Delete, Qt.Key_Backspace, Qt.Key_Escape, Qt.Key_Home,
           Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down, Qt.Key_Tab, Qt.Key_Return,
           Qt.Key_PageUp, Qt.Key_PageDown])
MODIFIED_KEYS = [(Qt.Key_Z, Qt.ControlModifier), (Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier),
                 (Qt.Key_Y, Qt.ControlModifier), (Qt.Key_Equal, Qt.ControlModifier),
                 (Qt.Key_Minus, Qt.ControlModifier), (Qt.Key_A, Qt.ControlModifier)]
# Actions the monkey never triggers: leaving the app.
DENY = ("quit", "close window", "exit")


class Monkey:
    def __init__(self, window, qtbot, rng: random.Random, folder):
        self.w = window
        self.qtbot = qtbot
        self.rng = rng
        self.folder = folder
        self.log: list[str] = []
        self.watchdog_closed: list[str] = []
        self.saved_files: list[str] = []
        self.timings: dict[str, tuple[int, float]] = {}
        self.busy = False  # an event is being sent (no event loop of ours is running)
        self.current = ""
        self.slowest: list[tuple[float, str]] = []

    # -- helpers -------------------------------------------------------------------
    def visible(self, cls) -> list[QWidget]:
        return [c for c in self.w.findChildren(cls) if c.isVisible() and c.isEnabled()
                and c.window() is self.w]

    def plot_pixel(self, x: float, y: float) -> QPoint:
        view = self.w.dataset_view
        p = view.view_box.mapViewToScene(QPointF(x, y))
        return view.plot.mapFromScene(p)

    def random_plot_pos(self) -> QPoint:
        vp = self.w.dataset_view.plot.viewport()
        s = self.w.scene
        r = self.rng.random()
        if r < 0.35 and s.n_points:  # on an existing point
            i = self.rng.randrange(s.n_points)
            pos = self.plot_pixel(*s.X[i])
        elif r < 0.5:  # on an arrow tip
            j = self.rng.randrange(s.n_classes)
            pos = self.plot_pixel(float(s.W[0, j]), float(s.W[1, j]))
        else:
            pos = QPoint(self.rng.randrange(max(1, vp.width())), self.rng.randrange(max(1, vp.height())))
        if not vp.rect().contains(pos):  # a point or arrow out of view: somewhere in view instead
            pos = QPoint(self.rng.randrange(max(1, vp.width())), self.rng.randrange(max(1, vp.height())))
        return pos + QPoint(self.rng.randint(-2, 2), self.rng.randint(-2, 2))

    # -- events ----------------------------------------------------------------------
    def click_plot(self) -> str:
        view = self.w.dataset_view
        if not view.plot.isVisible():
            return self.key()
        vp = view.plot.viewport()
        pos = self.random_plot_pos()
        button = self.rng.choice([Qt.LeftButton, Qt.LeftButton, Qt.LeftButton, Qt.RightButton])
        self.qtbot.mouseClick(vp, button, pos=pos)
        return f"click plot {button.name} at ({pos.x()}, {pos.y()})"

    def drag(self, vp: QWidget, start: QPoint, end: QPoint, steps: int) -> None:
        self.qtbot.mouseMove(vp, start)
        self.qtbot.mousePress(vp, Qt.LeftButton, pos=start)
        for k in range(1, steps + 1):
            self.qtbot.mouseMove(vp, start + (end - start) * (k / steps))
        self.qtbot.mouseRelease(vp, Qt.LeftButton, pos=end)

    def drag_plot(self) -> str:
        view = self.w.dataset_view
        if not view.plot.isVisible():
            return self.key()
        vp = view.plot.viewport()
        start = self.random_plot_pos()
        end = start + QPoint(self.rng.randint(-300, 300), self.rng.randint(-300, 300))
        if self.rng.random() < 0.05:  # far out of the viewport
            end = QPoint(self.rng.choice([-5000, 5000]), self.rng.choice([-5000, 5000]))
        self.drag(vp, start, end, self.rng.randint(2, 3))
        return f"drag plot ({start.x()}, {start.y()}) -> ({end.x()}, {end.y()})"

    def drag_bars(self) -> str:
        lab = self.w.score_lab
        name, plot = self.rng.choice([("scores", lab.score_plot), ("probabilities", lab.prob_plot),
                                      ("gradient", lab.grad_plot)])
        if not plot.isVisible():
            return self.key()
        vp = plot.viewport()
        start = QPoint(self.rng.randrange(max(1, vp.width())), self.rng.randrange(max(1, vp.height())))
        end = QPoint(start.x() + self.rng.randint(-10, 10), self.rng.randint(-200, vp.height() + 200))
        self.drag(vp, start, end, self.rng.randint(2, 3))
        return f"drag {name} bars ({start.x()}, {start.y()}) -> " \
               f"({end.x()}, {end.y()})"

    def wheel_plot(self) -> str:
        # Keys instead of a wheel (QTest has no wheel): Home resets the view.
        view = self.w.dataset_view
        if not view.plot.isVisible():
            return self.key()
        view.plot.setFocus()
        self.qtbot.keyClick(view.plot, Qt.Key_Home)
        return "Home on plot"

    def click_button(self) -> str:
        buttons = [b for b in self.visible(QAbstractButton)]
        if not buttons:
            return self.key()
        b = self.rng.choice(buttons)
        pos = QPoint(self.rng.randrange(max(1, b.width())), self.rng.randrange(max(1, b.height())))
        self.qtbot.mouseClick(b, Qt.LeftButton, pos=pos)
        return f"click button {b.text()!r} ({type(b).__name__}, {b.toolTip()[:40]!r})"

    def key(self) -> str:
        target = QApplication.focusWidget() or self.w
        if self.rng.random() < 0.5:
            self.w.dataset_view.plot.setFocus()
            target = self.w.dataset_view.plot
        if self.rng.random() < 0.15:
            key, mod = self.rng.choice(MODIFIED_KEYS)
        else:
            key, mod = self.rng.choice(KEYS), Qt.NoModifier
        self.qtbot.keyClick(target, key, mod)
        prefix = ("Ctrl+" if mod & Qt.ControlModifier else "") + ("Shift+" if mod & Qt.ShiftModifier else "")
        return f"key {prefix}{Qt.Key(key).name} to {type(target).__name__}"

    def type_text(self) -> str:
        fields = self.visible(QLineEdit) + self.visible(QAbstractSpinBox)
        fields = [f for f in fields if not (isinstance(f, QLineEdit) and f.isReadOnly())]
        if not fields:
            return self.key()
        f = self.rng.choice(fields)
        text = self.rng.choice(TEXTS)
        if self.rng.random() < 0.2:
            text = repr(self.rng.uniform(-1e3, 1e3))
        f.setFocus()
        f.selectAll()
        self.qtbot.keyClick(f, Qt.Key_Backspace)
        self.type_chars(f, text)
        end = self.rng.choices([Qt.Key_Return, Qt.Key_Enter, Qt.Key_Tab, Qt.Key_Escape, Qt.Key_Up,
                                Qt.Key_Down], [6, 1, 1, 1, 1, 1])[0]
        self.qtbot.keyClick(f, end)
        name = getattr(f, "name", "") or f.objectName() or f.toolTip()[:30]
        return f"type {text[:40]!r} + {Qt.Key(end).name} into {type(f).__name__} {name!r}"

    def type_chars(self, widget: QWidget, text: str) -> None:
        """Type ``text`` with key events (QTest only knows ASCII keys)."""
        for ch in text:
            if 32 <= ord(ch) < 127:
                self.qtbot.keyClick(widget, ch)
            else:
                for kind in (QEvent.KeyPress, QEvent.KeyRelease):
                    QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.NoModifier, ch))

    def combo_or_slider(self) -> str:
        widgets = self.visible(QComboBox) + self.visible(QSlider)
        if not widgets:
            return self.key()
        w = self.rng.choice(widgets)
        w.setFocus()
        key = self.rng.choice([Qt.Key_Up, Qt.Key_Down, Qt.Key_PageUp, Qt.Key_PageDown, Qt.Key_Home,
                               Qt.Key_End])
        self.qtbot.keyClick(w, key)
        return f"key {Qt.Key(key).name} on {type(w).__name__} {w.toolTip()[:40]!r}"

    def action(self) -> str:
        actions = [(title, a) for title, a in self.w.menu_actions()
                   if a.isEnabled() and not any(d in a.text().lower() for d in DENY)]
        title, a = self.rng.choice(actions)
        text = f"action {title} > {a.text()!r}"
        a.trigger()  # may delete the action (e.g. Open recent rebuilds its menu)
        return text

    def resize(self) -> str:
        w, h = self.rng.randint(500, 1100), self.rng.randint(380, 800)
        self.w.resize(w, h)
        return f"resize {w}x{h}"

    def wait(self) -> str:
        ms = self.rng.choice([1, 5, 20])
        self.qtbot.wait(ms)
        return f"wait {ms} ms"

    EVENTS = [(click_plot, 16), (drag_plot, 6), (drag_bars, 4), (click_button, 10), (key, 20),
              (type_text, 16), (combo_or_slider, 6), (action, 6), (resize, 2), (wait, 2),
              (wheel_plot, 1)]

    def tidy(self) -> str:
        """Too many points make every later event slow: clear them, like a teacher would."""
        button = self.w.dataset_view.clear_button
        if button.isVisible() and button.isEnabled():
            self.qtbot.mouseClick(button, Qt.LeftButton)
            return "click button 'Clear' (tidy up)"
        self.w.scene.clear_points()
        return "scene.clear_points() (tidy up)"

    def one(self) -> str:
        funcs, weights = zip(*self.EVENTS)
        func = self.rng.choices(funcs, weights)[0]
        if self.w.scene.n_points > MAX_POINTS:
            func = Monkey.tidy
        t0 = time.perf_counter()
        self.busy, self.current = func is not Monkey.wait, func.__name__
        try:
            text = func(self)
        finally:
            self.busy, self.current = False, ""
        took = time.perf_counter() - t0
        n, total = self.timings.get(func.__name__, (0, 0.0))
        self.timings[func.__name__] = (n + 1, total + took)
        self.slowest.append((took, text))
        self.slowest = sorted(self.slowest, reverse=True)[:8]
        return text

    # -- modal dialogs -------------------------------------------------------------------
    def file_name(self, *args, **kwargs):
        """QFileDialog.get*FileName: cancel, a new file, or a file saved earlier."""
        r = self.rng.random()
        if r < 0.3:
            return "", ""
        caption = " ".join(str(a) for a in args[1:2]).lower()
        if "open" in caption or "import" in caption:
            candidates = self.saved_files + [str(self.folder / "missing.json"),
                                             str(self.folder / "garbage.json")]
            return self.rng.choice(candidates), ""
        ext = next((e for e in (".csv", ".png", ".gif", ".json") if e[1:] in caption), "")
        name = str(self.folder / f"monkey{self.rng.randrange(3)}{ext}")
        self.saved_files.append(name)
        return name, ""

    def clean_up_windows(self) -> None:
        """Close non-modal dialogs the monkey opened and bring the main window back."""
        for top in QApplication.topLevelWidgets():
            if top is not self.w and top.isVisible() and isinstance(top, QDialog):
                top.close()
        if QApplication.activeWindow() is not self.w:
            self.w.activateWindow()

    def watchdog(self) -> None:
        """Closes modal dialogs (reported: they would stop a lecture) and popup menus
        (not reported: e.g. the menu bar's overflow button runs a menu's exec())."""
        modal, popup = QApplication.activeModalWidget(), QApplication.activePopupWidget()
        if modal is not None:
            self.watchdog_closed.append(
                f"modal {type(modal).__name__} {modal.windowTitle()!r} "
                f"({'blocking, ' if self.busy else ''}during/after: "
                f"{self.current or (self.log[-1] if self.log else '-')})")
            if isinstance(modal, QDialog):
                modal.reject()
            modal.close()
        if popup is not None:
            popup.close()


def scene_invariants(s) -> None:
    N, C, F = s.n_points, s.n_classes, len(s.features)
    assert engine.MIN_CLASSES <= C <= engine.MAX_CLASSES
    assert s.X.shape == (N, 2) and s.y.shape == (N,)
    assert s.W.shape == (2 + F, C) and s.b.shape == (C,) and s.scores.shape == (C,)
    assert N == 0 or (s.y.min() >= 0 and s.y.max() < C)
    assert 0 <= s.true_class < C and 0 <= s.active_class < C
    assert s.selected is None or 0 <= s.selected < N
    for name in ("X", "W", "b", "scores"):
        assert np.all(np.isfinite(getattr(s, name))), name
    p = s.lab_probabilities()
    if not s.naive:
        assert np.all(np.isfinite(p)) and abs(float(p.sum()) - 1) < 1e-9
    t = s.loss_terms()
    if N:
        assert math.isfinite(t.total) and np.all(np.isfinite(t.dW)) and np.all(np.isfinite(t.db))


def caught_up(view):
    """A hidden panel, and a readout while training runs, redraw later (``perf.DeferredRefresh``):
    bring ``view`` up to date as showing it or pausing would, then check what it shows."""
    updates = view.updates
    if updates.pending:
        assert updates.hidden() or updates.throttled(), f"{type(view).__name__} left out of date"
        updates.run()
    return view


def view_invariants(w) -> None:
    s = w.scene
    ds = w.dataset_view
    assert len(ds.scatters) == s.n_classes
    for j, scatter in enumerate(ds.scatters):
        xs, ys = scatter.getData()
        np.testing.assert_array_equal(np.column_stack([xs, ys]).reshape(-1, 2), s.X[s.y == j],
                                      err_msg=f"dataset view, class {j}")
    lab = caught_up(w.score_lab)
    heights = np.asarray(lab.prob_bars.opts["height"], dtype=float)
    if not s.naive:
        np.testing.assert_array_equal(heights, engine.softmax(s.lab_scores(), s.temperature),
                                      err_msg="score lab probabilities")
        for t in lab.prob_texts + lab.grad_texts:
            text = t.toPlainText().lower()
            assert "nan" not in text and "inf" not in text, text
    wv = caught_up(w.weights_view)
    assert len(wv.value_edits) == s.W.shape[0]
    for i, row in enumerate(wv.value_edits):
        for j, edit in enumerate(row):
            if edit.hasFocus() and edit.isModified():
                continue  # the user is typing there: the view keeps the text
            assert edit.value() == s.W[i, j], f"weights view W[{i}, {j}]"
    for j, edit in enumerate(wv.bias_edits):
        if not (edit.hasFocus() and edit.isModified()):
            assert edit.value() == s.b[j], f"weights view b[{j}]"


@pytest.fixture
def patched_dialogs(monkeypatch):
    """Static dialogs answer at once (cancel / discard / small values)."""
    holder = {}

    def file_name(*args, **kwargs):
        return holder["monkey"].file_name(*args, **kwargs)

    for name in ("getOpenFileName", "getSaveFileName"):
        monkeypatch.setattr(QFileDialog, name, staticmethod(file_name))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: ""))
    for name, answer in (("question", QMessageBox.Discard), ("warning", QMessageBox.Ok),
                         ("critical", QMessageBox.Ok), ("information", QMessageBox.Ok)):
        monkeypatch.setattr(QMessageBox, name, staticmethod(lambda *a, _r=answer, **k: _r))
    monkeypatch.setattr(QMessageBox, "about", staticmethod(lambda *a, **k: None))
    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (2, True)))
    monkeypatch.setattr(QInputDialog, "getDouble", staticmethod(lambda *a, **k: (1.0, False)))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("", False)))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda *a, **k: ("", False)))
    return holder


@pytest.fixture
def deterministic_new_scene(monkeypatch):
    """File > New makes Scene(seed=None); give it a seed so a run is reproducible."""
    from explorer import main_window

    real = main_window.Scene
    counter = iter(range(10**6))

    def seeded(*args, seed=0, **kwargs):
        return real(*args, seed=next(counter) if seed is None else seed, **kwargs)

    monkeypatch.setattr(main_window, "Scene", seeded)


# Offscreen, a popup menu (e.g. a dock's tab menu) cannot grab the keyboard: harmless.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
def test_monkey(qtbot, tmp_path, patched_dialogs, deterministic_new_scene, monkeypatch):
    from explorer.main_window import MainWindow

    print(f"\nmonkey seed {SEED} ({N_EVENTS} events); reproduce with MONKEY_SEED={SEED}")
    # pyqtgraph drops mouse moves faster than its rate limit; the monkey is faster than a hand.
    rate_limit = pg.getConfigOption("mouseRateLimit")
    pg.setConfigOption("mouseRateLimit", -1)
    window = MainWindow()
    window.ask_before_closing = False
    qtbot.addWidget(window)
    window.resize(900, 640)
    window.show()
    qtbot.waitExposed(window)
    (tmp_path / "garbage.json").write_bytes(b"\x00\xffnot a scene{")

    monkey = Monkey(window, qtbot, random.Random(SEED), tmp_path)
    patched_dialogs["monkey"] = monkey
    watchdog = QTimer()
    watchdog.setInterval(100)
    watchdog.timeout.connect(monkey.watchdog)
    watchdog.start()

    def failure(k: int, what: str) -> str:
        recent = "\n".join(f"  {i}: {e}" for i, e in
                           enumerate(monkey.log[-40:], start=max(0, len(monkey.log) - 40)))
        return (f"monkey seed {SEED}: {what} at event {k}\n"
                f"reproduce with MONKEY_SEED={SEED} MONKEY_EVENTS={k + 1}\nlast events:\n{recent}")

    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        with qtbot.capture_exceptions() as exceptions:
            for k in range(N_EVENTS):
                t0 = time.perf_counter()
                # What the event loop does before the next user input: deferred deletions
                # and layouts (painting waits for the full processEvents below).
                QApplication.sendPostedEvents(None, QEvent.DeferredDelete)
                QApplication.sendPostedEvents(None, QEvent.LayoutRequest)
                try:
                    monkey.log.append(monkey.one())
                except Exception:  # an exception raised straight out of an event
                    pytest.fail(failure(k, "exception\n" + traceback.format_exc()), pytrace=False)
                t1 = time.perf_counter()
                if k % PAINT_EVERY == PAINT_EVERY - 1:
                    QApplication.processEvents()  # (paints coalesce over a few events)
                n, total = monkey.timings.get("(event loop)", (0, 0.0))
                monkey.timings["(event loop)"] = (n + 1, total + time.perf_counter() - t1)
                if exceptions:
                    text = "".join("".join(traceback.format_exception(*e)) for e in exceptions)
                    pytest.fail(failure(k, "exception in a slot\n" + text), pytrace=False)
                took = time.perf_counter() - t0
                assert took < SLOW_EVENT_SECONDS, failure(k, f"an event took {took:.1f} s")
                if k % CHECK_EVERY == CHECK_EVERY - 1 or k == N_EVENTS - 1:
                    try:
                        scene_invariants(window.scene)
                        view_invariants(window)
                    except AssertionError as exc:
                        pytest.fail(failure(k, f"invariant broken: {exc}"), pytrace=False)
                if k % 20 == 19:
                    monkey.clean_up_windows()
            # Training must end paused, through the real UI.
            if window.trainer.running:
                window.play_action.trigger()
            QApplication.processEvents()
            if exceptions:
                text = "".join("".join(traceback.format_exception(*e)) for e in exceptions)
                pytest.fail(failure(N_EVENTS, "exception in a slot\n" + text), pytrace=False)
    finally:
        watchdog.stop()
        window.trainer.pause()
        pg.setConfigOption("mouseRateLimit", rate_limit)
    assert not window.trainer.running
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    print(f"monkey: {N_EVENTS} events in {elapsed:.1f} s ({cpu:.1f} s CPU); scene: {window.scene.n_points} points, "
          f"{window.scene.n_classes} classes, step {window.scene.step}")
    for name, (n, total) in sorted(monkey.timings.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:16s} {n:5d} events {total:6.1f} s")
    print("  slowest:", *(f"{t:.2f} s {e}" for t, e in monkey.slowest), sep="\n    ")
    assert not monkey.watchdog_closed, (
        f"monkey seed {SEED}: modal dialogs blocked the window:\n" +
        "\n".join(monkey.watchdog_closed))

