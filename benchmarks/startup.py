"""Start-up time and memory: launch to first painted window, and resident memory.

Start-up: each run starts a fresh Python process that runs the real command
line entry point (``explorer.__main__.main``, as ``softmax-explorer`` does)
and stops it as soon as the main window has finished its first paint. The
time is measured from just before the process is spawned (interpreter start,
imports, window construction, first paint). Several runs; the median counts.

Bytecode: an installed app has its modules compiled (pip writes the .pyc
files). The children therefore run with a bytecode cache in a temporary
directory (``-X pycache_prefix``; the checkout is not touched), filled by one
launch that is not counted, even where ``PYTHONDONTWRITEBYTECODE`` is set (as
on the machine these figures come from: without a cache every launch compiles
explorer's ~20 modules again, ~0.1-0.2 s). ``--cold`` measures that instead.

Memory: a fresh process opens the window, generates N points (default
100,000), plays for a few seconds and reports its resident set size (VmRSS)
and its peak (VmHWM) from /proc/self/status (Linux).

Usage:
    python benchmarks/startup.py                 # 5 launches + memory at N = 100,000
    python benchmarks/startup.py --quick         # 1 launch + memory at N = 2,000
    python benchmarks/startup.py --json
    python benchmarks/startup.py --n 1000000     # memory at another N

Runs offscreen unless QT_QPA_PLATFORM is set (e.g. ``xcb`` under Xvfb for a
real window); autosave and preferences go to a temporary directory.
"""

from __future__ import annotations

import argparse
import resource
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in the child: the real entry point, stopped after the first full paint.
LAUNCH = r"""
import sys, time, json
t_start = time.time()
sys.path.insert(0, sys.argv[1])
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

marks = {"interpreter_ready": t_start}

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Paint and "first_paint_started" not in marks:
            win = obj.window() if hasattr(obj, "window") else None
            if isinstance(win, QMainWindow):
                marks["first_paint_started"] = time.time()
                QTimer.singleShot(0, self.done)  # after the whole paint pass
        return False

    def done(self):
        marks["first_paint_done"] = time.time()
        QApplication.instance().quit()

_exec = QApplication.exec
hook = FirstPaint()

def exec_(*args):  # QApplication.exec is static in PySide6
    marks["event_loop"] = time.time()
    app = QApplication.instance()
    app.installEventFilter(hook)
    QTimer.singleShot(20000, app.quit)  # never hang
    return _exec()

QApplication.exec = staticmethod(exec_)
from explorer.__main__ import main
main(sys.argv[2:])
print("MARKS " + json.dumps(marks))
"""

# Run in the child: memory with N points after some training and painting.
MEMORY = r"""
import sys, time, json
sys.path.insert(0, sys.argv[1])
n, seconds = int(sys.argv[2]), float(sys.argv[3])

def status():
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024  # MiB
    return out

from PySide6.QtCore import QEventLoop, QTimer
from explorer.app import make_application
from explorer.main_window import MainWindow
app = make_application([sys.argv[0]])
import inspect
kw = {"autosave": False} if "autosave" in inspect.signature(MainWindow).parameters else {}
w = MainWindow(**kw)
w.ask_before_closing = False
w.resize(1560, 960)
w.show()
for _ in range(20):
    app.processEvents(); time.sleep(0.01)
before = status()
w.scene.load_preset("blobs", n=n, seed=0)
w.scene.set_batch_size(256)
loop = QEventLoop()
QTimer.singleShot(int(seconds * 500), loop.quit)
w.trainer.play(); loop.exec(); w.trainer.pause()
w.scene.set_batch_size(None)
QTimer.singleShot(int(seconds * 500), loop.quit)
w.trainer.play(); loop.exec(); w.trainer.pause()
for _ in range(5):
    app.processEvents()
after = status()
print("MEMORY " + json.dumps({"n_points": n, "rss_empty_mib": before["VmRSS"],
                              "rss_mib": after["VmRSS"], "peak_rss_mib": after["VmHWM"],
                              "steps": w.scene.step}))
w.close()
"""


PYCACHE = None  # the children's bytecode cache (None: no cache, as with --cold)


def child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["SOFTMAX_EXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="softmax-explorer-bench-")
    if PYCACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_child(code: str, args: list[str], tag: str, timeout: float = 120) -> dict:
    cache = ["-X", f"pycache_prefix={PYCACHE}"] if PYCACHE is not None else []
    out = subprocess.run([sys.executable, *cache, "-c", code, str(ROOT), *args], env=child_env(),
                         capture_output=True, text=True, timeout=timeout)
    for line in out.stdout.splitlines():
        if line.startswith(tag + " "):
            return json.loads(line[len(tag) + 1:])
    raise RuntimeError(f"the child process failed:\n{out.stdout}\n{out.stderr}")


def launch_once() -> dict:
    """Milliseconds from spawning to each mark, and ``cpu``: the child's CPU time (user +
    system), which other processes on a shared machine disturb far less than the wall clock."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    m = run_child(LAUNCH, [], "MARKS")
    out = {k: round(1000 * (v - t0), 1) for k, v in m.items()}
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu"] = round(1000 * (now.ru_utime - used.ru_utime + now.ru_stime - used.ru_stime), 1)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="one launch, memory at N = 2,000")
    p.add_argument("--json", action="store_true", help="print JSON objects")
    p.add_argument("--runs", type=int, default=5, help="launches (default 5)")
    p.add_argument("--n", type=int, default=100_000, help="points for the memory run")
    p.add_argument("--seconds", type=float, default=3.0, help="playing time for the memory run")
    p.add_argument("--cold", action="store_true",
                   help="no bytecode cache: every launch compiles explorer's modules")
    args = p.parse_args(argv)
    if args.quick:
        args.runs, args.n, args.seconds = 1, 2_000, 0.5
    global PYCACHE
    if not args.cold:
        PYCACHE = tempfile.mkdtemp(prefix="softmax-explorer-pycache-")
        launch_once()  # fills the bytecode cache; not counted
    launches = [launch_once() for _ in range(args.runs)]
    keys = ["interpreter_ready", "event_loop", "first_paint_started", "first_paint_done"]
    med = {k: statistics.median(r[k] for r in launches) for k in keys}
    startup = {"kind": "startup", "runs": args.runs, "bytecode_cache": not args.cold,
               "first_paint_ms": med["first_paint_done"],
               "min_ms": min(r["first_paint_done"] for r in launches),
               "max_ms": max(r["first_paint_done"] for r in launches),
               "interpreter_ready_ms": med["interpreter_ready"], "event_loop_ms": med["event_loop"],
               "cpu_ms": statistics.median(r["cpu"] for r in launches), "target_ms": 1500}
    mem = run_child(MEMORY, [str(args.n), str(args.seconds)], "MEMORY", timeout=600)
    mem.update({"kind": "memory", "target_mib": 300})
    if args.json:
        print(json.dumps(startup))
        print(json.dumps(mem))
    else:
        print(f"# start-up, {args.runs} launches, {os.environ.get('QT_QPA_PLATFORM', 'offscreen')}, "
              f"{'no bytecode cache' if args.cold else 'bytecode cached'}: "
              f"median ms after spawning the process")
        print(f"  interpreter ready          {med['interpreter_ready']:7.0f} ms")
        print(f"  window built, event loop   {med['event_loop']:7.0f} ms")
        print(f"  first paint finished       {med['first_paint_done']:7.0f} ms  "
              f"(min {startup['min_ms']:.0f}, max {startup['max_ms']:.0f}; target <= 1500)")
        print(f"  CPU time of the process    {startup['cpu_ms']:7.0f} ms  (user + system, to the end "
              f"of the first paint)")
        print(f"# memory with {args.n:,} points after {args.seconds:g} s of Play (minibatch, then full batch)")
        print(f"  resident now {mem['rss_mib']:.0f} MiB, peak {mem['peak_rss_mib']:.0f} MiB "
              f"(empty window {mem['rss_empty_mib']:.0f} MiB; target <= 300 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
