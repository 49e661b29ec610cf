"""The engine is pure NumPy: importing it must not import any Qt binding or pyqtgraph."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "PySide2")

CODE = f"""
import json, sys
import explorer.engine
import explorer.engine.core, explorer.engine.optim, explorer.engine.datasets
import explorer.engine.features, explorer.engine.regions
forbidden = {FORBIDDEN!r}
loaded = sorted(m for m in sys.modules if m.split('.')[0] in forbidden)
print(json.dumps({{"loaded": loaded, "file": explorer.engine.__file__}}))
"""


def test_importing_the_engine_imports_no_gui_toolkit(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    result = subprocess.run(
        [sys.executable, "-c", CODE], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # the subprocess imported this checkout's engine, not some installed copy
    assert Path(report["file"]).resolve().is_relative_to(ROOT)
    assert report["loaded"] == [], f"importing explorer.engine pulled in {report['loaded']}"
