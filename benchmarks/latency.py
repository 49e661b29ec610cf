"""Edit latency: from an edit to the end of the paint it causes, in the real main window.

Scenarios (each repeated; medians and 90th percentiles are printed):

    weight   Scene.set_weight(0, j, v): what the weights table calls on Enter, for the
             class j with the best score at the most points (the costliest class to
             edit: its points' exponentials are all formed again)
    score    Scene.set_score(0, v): what the score lab's field/slider calls
    drag     a real mouse drag of one data point on the dataset plot (QTest
             press, moves ~12 ms apart - pyqtgraph drops moves faster than
             100/s - release); the time of each move until its paint ends
    arrow    a real mouse drag of w_1's tip on the dataset plot (as for a point); over
             more than 2,000 points the marker sizes follow it at ~10 Hz

The clock starts just before the edit (or the mouse event) and stops when
Qt has painted every widget the edit made dirty, including the decision
regions (their 0 ms timer runs in between). Target: <= 16 ms (one frame at
60 Hz).

Every N starts from the same scene: the preset's points, the weights the
window opened with, nothing selected and the mouse off the plot.

Usage:
    python benchmarks/latency.py             # N = 300 and 10,000 (~30 s)
    python benchmarks/latency.py --quick     # a few seconds
    python benchmarks/latency.py --n 100000 --json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a few-second smoke run")
    p.add_argument("--json", action="store_true", help="print one JSON object per row")
    p.add_argument("--n", type=int, nargs="+", default=[300, 10_000], help="numbers of points")
    p.add_argument("--classes", type=int, default=5)
    p.add_argument("--repeat", type=int, default=25, help="edits per scenario")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.repeat = [300], 4
    return args


class PaintCounter:
    """Counts Qt's paint passes: each ``UpdateRequest`` a top-level window gets paints every
    widget of it that is due (a filter on the top-level windows only: one on every widget
    would add its own Python call to each event of each widget to the figures)."""

    def __init__(self, window):
        from PySide6.QtCore import QEvent, QObject
        from PySide6.QtWidgets import QApplication

        counter = self
        update_request = QEvent.UpdateRequest

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802
                if event.type() == update_request:
                    counter.count += 1
                return False

        self.count = 0
        self._filter = Filter()
        for w in {window, *QApplication.topLevelWidgets()}:
            w.installEventFilter(self._filter)


def settle(app, window, paints, max_rounds=20) -> tuple[float, float]:
    """Process events until a round paints nothing and no region update is pending;
    returns when the last paint round ended: (wall clock, GUI-thread CPU clock)."""
    view = window.dataset_view
    end = time.perf_counter(), time.thread_time()
    for _ in range(max_rounds):
        before = paints.count
        app.processEvents()
        now = time.perf_counter(), time.thread_time()
        if paints.count != before:
            end = now
        elif not view.region_timer.isActive():
            break
    return end


def measure(app, window, paints, edit, repeat) -> tuple[list[float], list[float]]:
    """Milliseconds from each edit to the end of its paint: (wall clock, GUI-thread CPU)."""
    wall, cpu = [], []
    for k in range(repeat + 2):
        settle(app, window, paints)
        time.sleep(0.012)  # pyqtgraph ignores mouse moves closer than 10 ms
        start = time.perf_counter(), time.thread_time()
        edit(k)
        end = settle(app, window, paints)
        if k >= 2:  # warm-up
            wall.append(1000 * (end[0] - start[0]))
            cpu.append(1000 * (end[1] - start[1]))
    return wall, cpu


def busiest_class(scene) -> int:
    """The class with the best score at the most points."""
    import numpy as np

    S = scene.Z @ scene.W + scene.b
    return int(np.bincount(S.argmax(axis=1), minlength=scene.n_classes).argmax())


def start_scene(app, window, paints, n, classes, W, b) -> None:
    """The same start for every N: the preset's n points, weights (W, b), nothing selected,
    no undo history, the mouse over the status bar (off the plot: no hover read-out)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    scene = window.scene
    scene.set_n_classes(classes)
    scene.load_preset("blobs", n=n, seed=0)
    scene.set_weights(W, b)
    scene.select(None)
    scene.undo_stack.clear()
    bar = window.statusBar()
    QTest.mouseMove(bar, QPoint(bar.width() // 2, bar.height() // 2))
    settle(app, window, paints)


def scenarios(app, window, repeat):
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    scene, view = window.scene, window.dataset_view
    vp = view.plot.viewport()
    j = busiest_class(scene)
    w0 = float(scene.W[0, j])
    s0 = float(scene.scores[0])
    yield "weight", lambda k: scene.set_weight(0, j, w0 + (0.05 if k % 2 else -0.05) * (1 + k % 3))
    scene.select(None)
    yield "score", lambda k: scene.set_score(0, s0 + 0.1 * (k % 7) - 0.3)

    def real_drag(name, start, moved):
        """Press at ``start`` (a viewport pixel), yield the moves, release."""
        QTest.mouseMove(vp, start)
        QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
        before = moved()

        def move(k):
            QTest.mouseMove(vp, start + QPoint(3 * (k + 1), (k % 5) - 2))
        yield name, move
        QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, start + QPoint(3 * (repeat + 2), 0))
        if moved() == before:
            print(f"# warning: the simulated {name} moved nothing", file=sys.stderr)

    # w_1's tip, put where no point is under it
    scene.set_class_vector(0, (-4.5, 4.5))
    yield from real_drag("arrow", view.data_to_view(-4.5, 4.5), lambda: float(scene.W[0, 0]))
    # a point near the middle of the plot
    i = scene.add_point(0.5, 0.5, label=0)
    yield from real_drag("drag", view.data_to_view(0.5, 0.5), lambda: float(scene.X[i, 0]))


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("SOFTMAX_EXPLORER_DATA_DIR", tempfile.mkdtemp(prefix="softmax-explorer-bench-"))
    import frame  # noqa: E402  (benchmarks/frame.py: the same window set-up)
    from explorer.app import make_application

    app = make_application([sys.argv[0]])
    window = frame.make_window(app)
    paints = PaintCounter(window)
    if not args.json:
        print("# edit latency: edit -> end of the paint it causes; ms (target <= 16)")
        print("# wall: the clock on the wall (on a shared machine, other processes add to it);")
        print("# cpu: the GUI thread's own CPU time over the same span (the app's work alone)")
        print(f"{'scenario':>9} | {'N':>9} | {'median':>7} | {'p90':>7} | {'max':>7} | "
              f"{'cpu med':>7} | {'cpu p90':>7}")
    scene = window.scene
    scene.set_n_classes(args.classes)
    W, b = scene.W.copy(), scene.b.copy()  # the weights the window opened with
    for n in args.n:
        start_scene(app, window, paints, n, args.classes, W, b)
        if window.dataset_view.hover_index is not None:
            print("# warning: a hover read-out is shown", file=sys.stderr)
        for name, edit in scenarios(app, window, args.repeat):
            ms, cpu = measure(app, window, paints, edit, args.repeat)
            ms.sort()
            cpu.sort()
            p90 = min(len(ms) - 1, int(0.9 * len(ms)))
            row = {"scenario": name, "n_points": n, "classes": args.classes,
                   "median_ms": statistics.median(ms), "p90_ms": ms[p90], "max_ms": ms[-1],
                   "cpu_median_ms": statistics.median(cpu), "cpu_p90_ms": cpu[p90],
                   "repeat": len(ms)}
            if args.json:
                print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}),
                      flush=True)
            else:
                print(f"{name:>9} | {n:>9,} | {row['median_ms']:7.2f} | {row['p90_ms']:7.2f} | "
                      f"{row['max_ms']:7.2f} | {row['cpu_median_ms']:7.2f} | {row['cpu_p90_ms']:7.2f}",
                      flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
