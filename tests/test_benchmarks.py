"""The benchmark scripts run (--quick) and print what their documentation says.

No timing is asserted: these only keep the scripts from rotting.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"


def run(args, timeout=180, code=None):
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["SOFTMAX_EXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="softmax-explorer-bench-test-")
    cmd = [sys.executable] + (["-c", code] if code else []) + [str(a) for a in args]
    out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def json_lines(text):
    rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert rows
    return rows


def test_frame_benchmark_quick_json():
    rows = json_lines(run([BENCH / "frame.py", "--quick", "--json"]))
    assert len(rows) == 2
    for row in rows:
        for key in ("n_points", "classes", "grid", "batch", "fps", "fps_cpu", "engine_ms", "regions_ms",
                    "plots_ms", "paint_ms", "live_fps", "input_p50_ms"):
            assert key in row, key
        assert isinstance(row["n_points"], int) and isinstance(row["classes"], int)
        assert isinstance(row["grid"], int)
        assert row["batch"] == "full" or isinstance(row["batch"], int)
        assert row["fps"] > 0 and row["painted_frames"] == row["frames"]
    assert {row["batch"] for row in rows} == {"full", 256}


def test_frame_benchmark_table_and_custom_rows():
    out = run([BENCH / "frame.py", "--n", "500", "--classes", "3", "--grid", "64", "--batch", "full", "32",
               "--frames", "3", "--seconds", "0.2", "--live", "0"])
    lines = [line for line in out.splitlines() if line and not line.startswith("#")]
    assert lines[0].split(" | ")[:4] == ["N", "C", "grid", "batch"]
    assert len(lines) == 3  # header and two rows
    assert "full" in lines[1] and "32" in lines[2]


@pytest.mark.parametrize("torch", ["installed", "missing"])
def test_engine_benchmark_quick_json(torch):
    args = [BENCH / "engine.py", "--quick", "--json", "--n", "1000"]
    if torch == "missing":  # import torch raises ImportError: the torch columns are skipped
        code = ("import runpy, sys; sys.modules['torch'] = None; sys.argv = sys.argv[1:]; "
                "runpy.run_path(sys.argv[0], run_name='__main__')")
        out = run(["-", *args], code=code.replace("sys.argv[1:]", "sys.argv[2:]"))
    else:
        out = run(args)
    rows = json_lines(out)
    assert {(r["n_samples"], r["dtype"]) for r in rows} == {(1000, "float32"), (1000, "float64")}
    for r in rows:
        assert r["numpy_ms"] > 0 and r["reference_ms"] > 0
        if torch == "missing":
            assert "torch_ms" not in r and "ratio" not in r
    if torch == "installed" and not any("torch_ms" in r for r in rows):
        pytest.skip("PyTorch is not installed here")


def test_latency_benchmark_quick_json():
    rows = json_lines(run([BENCH / "latency.py", "--quick", "--json"]))
    assert {r["scenario"] for r in rows} == {"weight", "score", "arrow", "drag"}
    for r in rows:
        assert r["median_ms"] > 0 and r["p90_ms"] >= r["median_ms"] and r["n_points"] == 300


def test_startup_benchmark_quick_json():
    rows = json_lines(run([BENCH / "startup.py", "--quick", "--json"]))
    kinds = {r["kind"]: r for r in rows}
    assert kinds["startup"]["first_paint_ms"] > 0
    assert kinds["memory"]["rss_mib"] > 0 and kinds["memory"]["n_points"] == 2000
