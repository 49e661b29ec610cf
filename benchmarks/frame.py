"""Frame benchmark: the real main window, driven through the tick Play uses.

Each frame is what one tick of Play costs, phase by phase:

    engine   the SGD step(s) and the scene's derived values (full-batch loss,
             accuracy, per-point losses and scores): ``SGD.step``,
             ``Scene._derive``, ``Scene._advance_job`` (the full-batch evaluation
             spread over frames for large datasets) and the Scene getters that may
             compute lazily
    regions  ``DatasetView.update_regions`` (the decision-region image and setImage), in
             the tick or from the view's 0 ms timer right after it
    plots    everything else the tick triggers: the views' slots (scatter sizes,
             arrows, score lab, weights table, curves, status bar ...)
    paint    processing the paint the frame requested (Qt paints every dirty
             widget into the window's backing store; offscreen by default)

The frames are driven while the trainer counts as running (``Trainer.running``,
as during Play; its own timer is held back so that the benchmark alone
ticks), so views that redraw less often while training (``perf.DeferredRefresh``)
do so here too: their redraw lands in some frames only, which the median
hides and ``ms_frame_cpu_mean`` (the mean) and ``ms_p90`` show.

fps = 1000 / median(ms per frame): the frame rate the app could reach
(Play's timer then caps it at ~60). Every phase is measured in wall time and
in CPU time of the GUI thread; on a shared machine wall time also counts the
waits for a core, so ``fps_cpu`` (1000 / CPU ms per frame) is what an idle
machine of the same speed would reach. Each row also plays for real for a short
while (the Trainer's own QTimer) and reports ``live_fps``, the frames the
dataset plot actually painted per second (``explorer.perf.FrameRateMeter``),
and the input latency: a thread posts an event every ~20 ms and the time until
the GUI thread handles it is recorded (``input_p50_ms``, ``input_max_ms``). Then
it pauses: ``pause_max_ms`` is the longest the GUI thread kept input waiting from
Pause until the paused W's metrics are exact (for a large dataset they are
computed over the next frames: ``settle_ms``).

Usage:
    python benchmarks/frame.py                 # every row (~2 minutes)
    python benchmarks/frame.py --quick         # a few seconds: two small rows
    python benchmarks/frame.py --json          # one JSON object per row
    python benchmarks/frame.py --n 10000 --classes 5 --grid 300 --batch full

Runs offscreen unless QT_QPA_PLATFORM is set; autosave and preferences go to a
temporary directory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

# (n_points, classes, grid, batch); batch None = full batch
DEFAULT_ROWS = [
    (300, 5, 300, None), (300, 5, 300, 256),
    (10_000, 5, 300, None), (10_000, 5, 300, 256),
    (100_000, 5, 300, None), (100_000, 5, 300, 256),
    (10_000, 3, 300, None), (10_000, 10, 300, None),
    (10_000, 5, 200, None), (10_000, 5, 400, None),
    (1_000_000, 5, 300, 256), (1_000_000, 5, 300, None),
]
QUICK_ROWS = [(300, 3, 100, None), (2_000, 3, 100, 256)]
WINDOW_SIZE = (1560, 960)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a few-second smoke run (two small rows)")
    p.add_argument("--json", action="store_true", help="print one JSON object per row")
    p.add_argument("--n", type=int, nargs="+", help="numbers of points (with --classes, --grid, --batch)")
    p.add_argument("--classes", type=int, nargs="+", default=[5])
    p.add_argument("--grid", type=int, nargs="+", default=[300])
    p.add_argument("--batch", nargs="+", default=["full"], help="'full' or a minibatch size")
    p.add_argument("--frames", type=int, default=40, help="measured frames per row (default 40)")
    p.add_argument("--seconds", type=float, default=2.5,
                   help="at most this long measuring frames per row (default 2.5)")
    p.add_argument("--live", type=float, default=1.5,
                   help="seconds of real Play per row for live_fps and input latency (0: skip)")
    args = p.parse_args(argv)
    if args.n:
        batches = [None if b == "full" else int(b) for b in args.batch]
        args.rows = [(n, c, g, b) for n in args.n for c in args.classes for g in args.grid
                     for b in batches]
    elif args.quick:
        args.rows = QUICK_ROWS
    else:
        args.rows = DEFAULT_ROWS
    if args.quick:
        args.frames, args.seconds, args.live = min(args.frames, 6), min(args.seconds, 0.5), min(args.live, 0.3)
    return args


class Phases:
    """Wall and CPU seconds (this thread) spent in the instrumented functions, by phase."""

    def __init__(self):
        self.t = {"engine": 0.0, "regions": 0.0, "engine_cpu": 0.0, "regions_cpu": 0.0}
        self.depth = {"engine": 0, "regions": 0}

    def wrap(self, owner, name, phase):
        original = getattr(owner, name)

        def timed(*args, **kwargs):
            if self.depth[phase]:  # nested: the outer call is timed already
                return original(*args, **kwargs)
            self.depth[phase] += 1
            start, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.t[phase] += time.perf_counter() - start
                self.t[phase + "_cpu"] += time.thread_time() - cpu
                self.depth[phase] -= 1
        timed.__wrapped__ = original
        setattr(owner, name, timed)

    def take(self):
        out = dict(self.t)
        for k in self.t:
            self.t[k] = 0.0
        return out


def instrument(phases: Phases) -> None:
    """Time the engine and the regions: patch the classes before any window exists, so
    that the connections the views make (e.g. the region timer) reach the patched code."""
    from explorer import engine
    from explorer.state import Scene
    from explorer.views.dataset_plot import DatasetView

    phases.wrap(engine.SGD, "step", "engine")
    # the scene's derived values, whether computed eagerly or when a view asks
    for name in ("_derive", "loss_terms", "accuracy", "point_losses", "point_scores",
                 "_advance_job", "lab_scores"):
        if hasattr(Scene, name):  # (_advance_job: a full-batch evaluation spread over frames)
            phases.wrap(Scene, name, "engine")
    phases.wrap(DatasetView, "update_regions", "regions")


def make_window(app):
    import inspect

    from explorer.main_window import MainWindow

    kwargs = {"autosave": False} if "autosave" in inspect.signature(MainWindow).parameters else {}
    window = MainWindow(**kwargs)
    window.ask_before_closing = False
    window.resize(*WINDOW_SIZE)
    window.show()
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        app.processEvents()
        handle = window.windowHandle()
        if handle is not None and handle.isExposed():
            break
        time.sleep(0.01)
    for _ in range(5):
        app.processEvents()
    settle_garbage_collector()
    return window


def settle_garbage_collector():
    """As the app once its window is built: the window's objects frozen out of collections,
    and garbage collected from the event loop only (``explorer.app.GarbageCollector``)."""
    import gc

    from explorer import app

    settle = getattr(app, "settle_garbage_collector", None)
    if settle is not None:
        settle()
    else:
        gc.freeze()


def setup_row(app, window, n, classes, grid, batch):
    scene = window.scene
    window.trainer.pause()
    scene.set_n_classes(classes)
    scene.load_preset("blobs", n=n, seed=0)
    scene.set_batch_size(batch)
    if scene.steps_per_frame != 1:
        scene.set_steps_per_frame(1)
    window.dataset_view.grid = grid
    window.trainer.reset()
    scene.undo_stack.clear()
    window.dataset_view.update_regions()
    for _ in range(3):
        app.processEvents()


def paint_pending(app, meter, before):
    """Process events until the dataset plot has painted (at most 3 rounds)."""
    for _ in range(3):
        app.processEvents()
        if meter.frames > before:
            return True
    return False


def hold_play(trainer) -> None:
    """Make ``trainer`` count as running (as during Play) while its timer never fires:
    the benchmark ticks it itself."""
    trainer.play()
    timer = getattr(trainer, "_timer", None)
    if timer is not None:
        timer.setInterval(2**31 - 1)


def release_play(trainer) -> None:
    timer = getattr(trainer, "_timer", None)
    trainer.pause()
    if timer is not None:
        from explorer.training import FRAME_MS

        timer.setInterval(FRAME_MS)


def measure_frames(app, window, meter, phases, frames, seconds, warmup=4):
    """Drive ``frames`` frames; medians of each phase, in wall and in CPU (main thread) ms.

    CPU time is what the frame costs the GUI thread; wall time also counts the
    waits for a core, which a busy (shared) machine adds.
    """
    trainer, view = window.trainer, window.dataset_view
    rows = []
    painted = 0
    stop_at = None
    clock = time.perf_counter
    cpu = time.thread_time
    hold_play(trainer)
    for k in range(warmup + frames):
        if k == warmup:
            stop_at = clock() + seconds
        elif stop_at is not None and clock() > stop_at and len(rows) >= 5:
            break
        phases.take()
        before = meter.frames
        t0, c0 = clock(), cpu()
        trainer.tick()
        t1, c1 = clock(), cpu()
        a = phases.take()  # the tick's engine (and regions, if any)
        if view.region_timer.isActive():
            view.update_regions()  # what the region timer would run next (if the tick did not)
        t2, c2 = clock(), cpu()
        phases.take()
        did_paint = paint_pending(app, meter, before)
        t3, c3 = clock(), cpu()
        b = phases.take()  # e.g. regions re-scheduled by a range change
        if k < warmup:
            continue
        painted += did_paint
        rows.append({
            "engine": a["engine"] + b["engine"],
            "regions": (t2 - t1) + a["regions"] + b["regions"],
            "plots": (t1 - t0) - a["engine"] - a["regions"],
            "paint": (t3 - t2) - b["engine"] - b["regions"],
            "total": t3 - t0,
            "engine_cpu": a["engine_cpu"] + b["engine_cpu"],
            "regions_cpu": (c2 - c1) + a["regions_cpu"] + b["regions_cpu"],
            "plots_cpu": (c1 - c0) - a["engine_cpu"] - a["regions_cpu"],
            "paint_cpu": (c3 - c2) - b["engine_cpu"] - b["regions_cpu"],
            "total_cpu": c3 - c0,
        })
    release_play(trainer)
    med = {k: 1000 * statistics.median(r[k] for r in rows) for k in rows[0]}
    totals = sorted(1000 * r["total"] for r in rows)
    med["p90"] = totals[min(len(totals) - 1, int(0.9 * len(totals)))]
    med["mean_cpu"] = 1000 * statistics.fmean(r["total_cpu"] for r in rows)
    return med, len(rows), painted


class _Probe:
    """Posts a queued call to the GUI thread every ~20 ms from another thread and records
    how late the GUI thread runs it (input latency, as a window-system event would see)."""

    def __init__(self):
        from PySide6.QtCore import QObject, Signal

        class Receiver(QObject):
            ping = Signal(float)

        self.receiver = Receiver()
        self.receiver.ping.connect(self._on_ping)
        self.delays = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _on_ping(self, deadline: float) -> None:
        self.delays.append(time.perf_counter() - deadline)

    def _run(self) -> None:
        deadline = time.perf_counter()
        while not self._stop.is_set():
            deadline += 0.019
            pause = deadline - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            self.receiver.ping.emit(deadline)  # queued: the receiver lives in the GUI thread

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop.set()
        self._thread.join()


def measure_live(app, window, meter, seconds):
    """Play for real: the Trainer's timer, Qt's event loop, paints counted by the meter."""
    from PySide6.QtCore import QEventLoop, QTimer

    probe = _Probe()
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    window.trainer.play()
    before = meter.frames
    start = time.perf_counter()
    probe.start()
    loop.exec()
    probe.stop()
    elapsed = time.perf_counter() - start
    app.processEvents()  # the pings posted while playing are handled before Pause's own work
    d = sorted(1000 * x for x in probe.delays) or [float("nan")]
    # Pause, until the metrics are exact again
    probe = _Probe()
    probe.start()
    start = time.perf_counter()
    window.trainer.pause()
    pause_ms = 1000 * (time.perf_counter() - start)
    poll = QTimer()
    poll.timeout.connect(lambda: window.scene.settling or loop.quit())
    poll.start(1)
    if window.scene.settling:
        loop.exec()
    poll.stop()
    settle_ms = 1000 * (time.perf_counter() - start)
    for _ in range(3):
        app.processEvents()
    probe.stop()
    return {"live_fps": (meter.frames - before) / elapsed,
            "input_p50_ms": statistics.median(d), "input_max_ms": d[-1],
            "pause_max_ms": max([pause_ms] + [1000 * x for x in probe.delays]),
            "settle_ms": settle_ms}


def _engine_helper() -> str:
    """Whether the engine shares large passes with a helper thread (``engine/_threads.py``)."""
    from explorer.engine import _threads

    return "on" if _threads.enabled else "off"


def versions() -> dict:
    import numpy
    import PySide6
    import pyqtgraph

    return {"python": platform.python_version(), "numpy": numpy.__version__,
            "pyside6": PySide6.__version__, "pyqtgraph": pyqtgraph.__version__,
            "platform": os.environ.get("QT_QPA_PLATFORM", ""), "cpus": os.cpu_count(),
            "engine_helper": _engine_helper()}


COLUMNS = [("n_points", "{:>9,}"), ("classes", "{:>2}"), ("grid", "{:>4}"), ("batch", "{:>5}"),
           ("fps", "{:>5.1f}"), ("fps_cpu", "{:>5.1f}"), ("ms_frame", "{:>6.1f}"),
           ("ms_frame_cpu", "{:>6.1f}"), ("ms_frame_cpu_mean", "{:>6.1f}"), ("engine_ms_cpu", "{:>6.2f}"),
           ("regions_ms_cpu", "{:>6.2f}"), ("plots_ms_cpu", "{:>6.2f}"), ("paint_ms_cpu", "{:>6.2f}"),
           ("live_fps", "{:>5.1f}"), ("input_p50_ms", "{:>5.1f}"), ("input_max_ms", "{:>5.1f}"),
           ("pause_max_ms", "{:>5.1f}")]
HEADERS = ["N", "C", "grid", "batch", "fps", "fps cpu", "ms", "ms cpu", "mean cpu", "engine", "regions",
           "plots", "paint", "live fps", "in p50", "in max", "pause"]


def format_row(r: dict) -> str:
    cells = []
    for (key, fmt), head in zip(COLUMNS, HEADERS):
        v = r.get(key, "-")
        cell = fmt.format(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
        cells.append(cell.rjust(len(head)))
    return " | ".join(cells)


def main(argv=None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("SOFTMAX_EXPLORER_DATA_DIR", tempfile.mkdtemp(prefix="softmax-explorer-bench-"))
    phases = Phases()
    instrument(phases)
    from explorer.app import make_application
    from explorer.perf import FrameRateMeter

    app = make_application([sys.argv[0]])
    window = make_window(app)
    meter = FrameRateMeter(window.dataset_view.plot, window, interval_ms=1_000_000)
    vp = meter.target.size()
    if not args.json:
        info = versions()
        print(f"# frame benchmark: window {WINDOW_SIZE[0]}x{WINDOW_SIZE[1]}, plot viewport "
              f"{vp.width()}x{vp.height()}, {info['platform']}, {info['cpus']} CPUs (engine helper "
              f"thread {info['engine_helper']}), python "
              f"{info['python']}, numpy {info['numpy']}, PySide6 {info['pyside6']}, pyqtgraph "
              f"{info['pyqtgraph']}; medians; fps = 1000 / wall ms per frame, fps cpu = 1000 / "
              f"GUI-thread CPU ms per frame; phases in CPU ms")
        print(" | ".join(HEADERS))
    for n, classes, grid, batch in args.rows:
        setup_row(app, window, n, classes, grid, batch)
        med, frames, painted = measure_frames(app, window, meter, phases, args.frames, args.seconds)
        row = {
            "n_points": n, "classes": classes, "grid": grid,
            "batch": "full" if batch is None else batch,
            "fps": 1000.0 / med["total"], "fps_cpu": 1000.0 / med["total_cpu"],
            "ms_frame": med["total"], "ms_frame_cpu": med["total_cpu"], "ms_p90": med["p90"],
            "ms_frame_cpu_mean": med["mean_cpu"],
            "engine_ms": med["engine"], "regions_ms": med["regions"], "plots_ms": med["plots"],
            "paint_ms": med["paint"], "engine_ms_cpu": med["engine_cpu"],
            "regions_ms_cpu": med["regions_cpu"], "plots_ms_cpu": med["plots_cpu"],
            "paint_ms_cpu": med["paint_cpu"], "frames": frames, "painted_frames": painted,
            "viewport": [vp.width(), vp.height()],
        }
        if args.live > 0:
            setup_row(app, window, n, classes, grid, batch)
            row.update(measure_live(app, window, meter, args.live))
        if args.json:
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in row.items()}),
                  flush=True)
        else:
            print(format_row(row), flush=True)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
