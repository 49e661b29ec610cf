"""The command line works without a display and without importing Qt for --help."""

import os
import subprocess
import sys
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
