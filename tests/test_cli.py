"""The command line works without a display and without importing Qt for --help."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import explorer


def _run(*args, module=True):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    cmd = [sys.executable, "-m", "explorer", *args] if module else list(args)
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60)


def test_help_lists_the_options_without_a_display():
    r = _run("--help")
    assert r.returncode == 0, r.stderr
    assert "usage: softmax-explorer" in r.stdout
    for option in ("--preset", "--classes", "--version"):
        assert option in r.stdout


def test_version():
    r = _run("--version")
    assert r.returncode == 0
    assert r.stdout.strip() == f"softmax-explorer {explorer.__version__}"


def test_console_script_is_installed_and_answers():
    script = Path(sys.executable).parent / "softmax-explorer"
    assert script.exists(), "install the package (pip install -e .) to get the console script"
    r = _run(str(script), "--version", module=False)
    assert r.returncode == 0 and explorer.__version__ in r.stdout


def test_help_does_not_import_qt():
    code = ("import sys; from explorer.__main__ import build_parser; build_parser(); "
            "print([m for m in ('PySide6', 'pyqtgraph') if m in sys.modules])")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.stdout.strip() == "[]", r.stderr


def test_bad_arguments_exit_with_status_2_and_a_one_line_message():
    r = _run("--classes", "11")
    assert r.returncode == 2
    assert "between 2 and 10" in r.stderr and "Traceback" not in r.stderr
    r = _run("--preset", "nonsense")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_launch_collects_no_garbage_while_building_the_window_then_freezes_it(tmp_path):
    """The real entry point: no garbage collection while the window is built (it would walk
    the ~60,000 objects start-up creates, ~0.1 s); once the window has painted, those
    objects are frozen out of collections, and garbage is collected by the event loop's
    timer, never automatically (see ``app.GarbageCollector``)."""
    code = textwrap.dedent("""
        import gc, json, sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        import explorer.main_window as mw
        import traceback
        seen = {"collections": []}
        def record(phase, info):
            if phase == "start":
                seen["collections"].append("collect_due_garbage" in
                                           [f.name for f in traceback.extract_stack()])
        gc.callbacks.append(record)
        build = mw.MainWindow.__init__
        def init(self, *a, **k):
            seen["enabled_while_building"] = gc.isenabled()
            build(self, *a, **k)
        mw.MainWindow.__init__ = init
        run_loop = QApplication.exec
        def exec_():
            seen["enabled_before_loop"] = gc.isenabled()
            def done():
                import explorer.app
                seen["enabled_after"] = gc.isenabled()
                seen["frozen"] = gc.get_freeze_count()
                seen["collector"] = explorer.app._collector.timer.isActive()
                seen["garbage"] = sum(ref() is not None for ref in seen["garbage"])
                QApplication.instance().quit()
            class Cycle:
                def __init__(self):
                    self.me = self
            def litter():  # more garbage than a young collection waits for
                import weakref
                seen["garbage"] = [weakref.ref(Cycle()) for _ in range(2 * gc.get_threshold()[0])]
            QTimer.singleShot(100, litter)
            QTimer.singleShot(600, done)
            return run_loop()
        QApplication.exec = staticmethod(exec_)
        from explorer.__main__ import main
        main([])
        print("SEEN " + json.dumps(seen))
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SOFTMAX_EXPLORER_DATA_DIR=str(tmp_path))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                       timeout=120)
    lines = [line for line in r.stdout.splitlines() if line.startswith("SEEN ")]
    assert r.returncode == 0 and lines, r.stderr
    seen = json.loads(lines[0][5:])
    assert seen["enabled_while_building"] is False
    assert seen["enabled_before_loop"] is False
    assert seen["enabled_after"] is False and seen["collector"] is True
    assert seen["frozen"] > 10_000
    # garbage made by the event loop, collected by it, never by an allocation
    assert seen["garbage"] == 0
    assert seen["collections"] and all(seen["collections"])
