"""Soak test: a long training run with the real window open, checked for leaks.

Opens the real ``MainWindow`` (offscreen unless ``QT_QPA_PLATFORM`` is set),
presses Play and lets the Trainer's own timer run ``--steps`` SGD steps
(default 100,000, as ``--steps-per-frame`` updates per tick: the path Play
uses, painting every frame). It reports

- resident memory (``/proc/self/statm``) after a warm-up, at every tenth of
  the run, and at the end: growth from the warm-up to the end must stay
  below ``--max-growth`` (5 %);
- how many ``QTimer`` objects, child ``QObject``s, top-level widgets and
  plot items (the items in every pyqtgraph scene) exist before and after:
  none may accumulate;
- the frames (ticks) painted and their mean time.

Exit status 0 when every check passes, 1 otherwise (with ``--quick`` the run
is too short to judge memory, so only the object counts decide).

Usage:
    python benchmarks/soak.py                  # 100,000 steps (a few minutes)
    python benchmarks/soak.py --quick          # a few seconds: 3,000 steps
    python benchmarks/soak.py --steps 20000 --steps-per-frame 50 --points 1000
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=100_000, help="SGD steps to run (default 100000)")
    p.add_argument("--steps-per-frame", type=int, default=100,
                   help="SGD steps per tick (1..1000, default 100)")
    p.add_argument("--points", type=int, default=150, help="points of the blobs preset (default 150)")
    p.add_argument("--classes", type=int, default=3, help="number of classes (default 3)")
    p.add_argument("--warmup", type=float, default=0.05,
                   help="share of the run before the first memory sample (default 0.05)")
    p.add_argument("--max-growth", type=float, default=5.0,
                   help="allowed resident memory growth in percent (default 5)")
    p.add_argument("--quick", action="store_true", help="a few-second smoke run (3000 steps)")
    args = p.parse_args(argv)
    if args.quick:
        args.steps = min(args.steps, 3_000)
    if not 1 <= args.steps_per_frame <= 1000:
        p.error("--steps-per-frame must be between 1 and 1000")
    if args.steps < args.steps_per_frame:
        p.error("--steps must be at least --steps-per-frame")
    return args


def resident_mib() -> float:
    """Current resident set size in MiB (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def object_counts(app, window) -> dict:
    import pyqtgraph as pg
    from PySide6.QtCore import QObject, QTimer

    views = window.findChildren(pg.GraphicsView)
    return {
        "QTimer objects": len(window.findChildren(QTimer)),
        "QObject children": len(window.findChildren(QObject)),
        "top-level widgets": len(app.topLevelWidgets()),
        "plot items": sum(len(v.scene().items()) for v in views),
        "plot widgets": len(views),
    }


def make_window(app):
    from explorer.main_window import MainWindow

    kwargs = {"autosave": False} if "autosave" in inspect.signature(MainWindow).parameters else {}
    window = MainWindow(**kwargs)
    window.ask_before_closing = False
    window.resize(1560, 960)
    window.show()
    for _ in range(5):
        app.processEvents()
    from explorer import app as explorer_app

    # as the app once its window is built: garbage collected from the event loop only
    getattr(explorer_app, "settle_garbage_collector", gc.freeze)()
    return window


def run(args) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("SOFTMAX_EXPLORER_DATA_DIR", tempfile.mkdtemp(prefix="softmax-soak-"))
    from PySide6.QtCore import QEventLoop

    from explorer.app import make_application

    app = make_application()
    window = make_window(app)
    scene, trainer = window.scene, window.trainer
    scene.set_n_classes(args.classes)
    scene.load_preset("blobs", n=args.points, seed=0)
    scene.set_steps_per_frame(args.steps_per_frame)
    scene.undo_stack.clear()
    for _ in range(5):
        app.processEvents()

    frames = 0
    tick_ms: list[float] = []

    def count_frame():
        nonlocal frames
        frames += 1
        tick_ms.append(1000 * trainer.last_tick_seconds)

    scene.history_changed.connect(count_frame)
    diverged: list[str] = []
    trainer.diverged.connect(diverged.append)

    def run_until(step: int) -> None:
        """Let Play's timer run (events, ticks and paints) until the scene reaches ``step``
        (the loop stops right after the tick that reaches it: no tick beyond)."""
        loop = QEventLoop()

        def check(*_args):
            if scene.step >= step or not trainer.running:
                loop.quit()
        scene.history_changed.connect(check)
        trainer.running_changed.connect(check)
        try:
            if scene.step < step and trainer.running:
                loop.exec()
        finally:
            scene.history_changed.disconnect(check)
            trainer.running_changed.disconnect(check)

    print(f"soak: {args.steps} SGD steps, {args.steps_per_frame} per frame, {args.points} points, "
          f"{args.classes} classes; Python {platform.python_version()}, "
          f"QT_QPA_PLATFORM={os.environ.get('QT_QPA_PLATFORM')}")
    gc.collect()
    before = object_counts(app, window)
    start = time.perf_counter()
    trainer.play()
    warm = max(args.steps_per_frame, int(args.steps * args.warmup) // args.steps_per_frame
               * args.steps_per_frame)
    run_until(warm)
    gc.collect()
    samples = [(scene.step, time.perf_counter() - start, resident_mib())]
    for k in range(1, 11):
        target = warm + (args.steps - warm) * k // 10
        run_until(target)
        if not trainer.running:
            break
        gc.collect()
        samples.append((scene.step, time.perf_counter() - start, resident_mib()))
    elapsed = time.perf_counter() - start
    steps_done = scene.step
    running_at_end = trainer.running
    trainer.pause()
    for _ in range(5):
        app.processEvents()
    gc.collect()
    after = object_counts(app, window)

    # -- report ---------------------------------------------------------------------
    print(f"\n{'step':>8} {'seconds':>8} {'RSS MiB':>8} {'growth':>7}")
    base = samples[0][2]
    for step, t, rss in samples:
        print(f"{step:8d} {t:8.1f} {rss:8.1f} {100 * (rss - base) / base:+6.2f}%")
    growth = 100 * (samples[-1][2] - base) / base
    print(f"\n{frames} frames in {elapsed:.1f} s ({frames / elapsed:.1f} frames/s, "
          f"{1000 * elapsed / max(frames, 1):.1f} ms per frame incl. waiting for the timer)")
    if tick_ms:
        ticks = sorted(tick_ms)
        print(f"tick (SGD steps + scene update): median {ticks[len(ticks) // 2]:.1f} ms, "
              f"max {ticks[-1]:.1f} ms")
    print(f"history: {len(scene.history)} curve points; timeline: {len(scene.timeline)} steps kept")

    print(f"\n{'object':<20} {'before':>7} {'after':>7}")
    leaks = []
    for key in before:
        print(f"{key:<20} {before[key]:7d} {after[key]:7d}")
        if after[key] > before[key]:
            leaks.append(f"{key}: {before[key]} -> {after[key]}")

    checks = []
    checks.append(("reached the last step", steps_done >= args.steps and running_at_end,
                   f"step {steps_done} of {args.steps}" + (f"; diverged: {diverged[-1]}" if diverged else "")))
    checks.append(("no timers, children, windows or plot items accumulate", not leaks,
                   "; ".join(leaks) or "all counts equal"))
    memory_ok = growth < args.max_growth
    checks.append((f"resident memory growth < {args.max_growth:g}%",
                   memory_ok or args.quick,
                   f"{growth:+.2f}% ({base:.1f} -> {samples[-1][2]:.1f} MiB)"
                   + (" (informational: --quick is too short to judge)" if args.quick else "")))
    print()
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    verdict = all(ok for _, ok, _ in checks)
    print(f"\nverdict: {'PASS' if verdict else 'FAIL'}")
    window.close()
    return 0 if verdict else 1


def main(argv=None) -> int:
    return run(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
