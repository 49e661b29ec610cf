"""The soak benchmark runs (a few seconds with --quick) and reports its checks."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "soak.py"


def test_soak_quick_runs_and_reports(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", SOFTMAX_EXPLORER_DATA_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--steps-per-frame", "200"],
                            capture_output=True, text=True, env=env, timeout=300)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "RSS MiB" in out and "QTimer objects" in out and "plot items" in out
    assert "PASS  reached the last step: step 3000 of 3000" in out
    assert "PASS  no timers, children, windows or plot items accumulate" in out
    assert "verdict: PASS" in out
