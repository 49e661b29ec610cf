"""explorer.qtimport: pyqtgraph without every Qt class created up front, same objects."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CODE = r"""
import json, sys
import PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets
import explorer.qtimport as q
pg = q.pg
import pyqtgraph
import pyqtgraph.Qt as pqt

def report(pg):
    return {
        "same_module": pg is sys.modules["pyqtgraph"],
        "forwarded": [pqt_mod.QRectF is PySide6.QtCore.QRectF for pqt_mod in (pg.QtCore,)]
        + [pg.QtGui.QColor is PySide6.QtGui.QColor, pg.QtWidgets.QWidget is PySide6.QtWidgets.QWidget,
           pg.Qt.QtWidgets.QGraphicsObject is PySide6.QtWidgets.QGraphicsObject],
        "dir_sizes": [len(dir(m)) for m in (PySide6.QtCore, PySide6.QtGui, PySide6.QtWidgets)],
        "finders_left": [type(f).__name__ for f in sys.meta_path if type(f).__name__ == "_ForwardingFinder"],
        "missing_raises": not hasattr(pg.QtWidgets, "NoSuchQtClass"),
        # a name asked for once is kept: later lookups skip the forwarding hook
        "kept": "QRectF" in vars(pg.QtCore) and "NoSuchQtClass" not in vars(pg.QtWidgets),
        "items": [issubclass(pg.PlotWidget, PySide6.QtWidgets.QGraphicsView),
                  issubclass(pg.ScatterPlotItem, PySide6.QtWidgets.QGraphicsObject)],
    }

first = report(pg)
# A layout this module does not expect: the forwarding breaks, pyqtgraph loads the usual way.
q._forget_pyqtgraph()
q._forwarding = lambda module, source: (lambda name: (_ for _ in ()).throw(AttributeError(name)))
pg2 = q._import_pyqtgraph()
import pyqtgraph.Qt as pqt
second = report(pg2)
second["fresh"] = pg2 is not pg
print(json.dumps({"first": first, "second": second}))
"""


def test_pyqtgraph_names_are_the_pyside6_objects_and_a_failure_falls_back(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = subprocess.run([sys.executable, "-c", CODE], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    for name in ("first", "second"):
        r = out[name]
        assert r["same_module"] and all(r["forwarded"]), (name, r)
        assert all(n > 150 for n in r["dir_sizes"]), (name, r)  # dir() restored afterwards
        assert r["finders_left"] == [] and r["missing_raises"] and r["kept"], (name, r)
        assert all(r["items"]), (name, r)
    assert out["second"]["fresh"]


FEATURES = r"""
import json, linecache, sys
import explorer.qtimport
sys.path.insert(0, sys.argv[1])
import plain_module, snake_module
print(json.dumps({
    "sources_read": sorted(f for f in linecache.cache if f.endswith("_module.py")),
    "pyqtgraph_sources_read": sum("pyqtgraph" in f for f in linecache.cache),
    "plain_sees_camel_case": plain_module.OK,
    "feature_module_sees_snake_case": snake_module.OK,
}))
"""


def test_modules_imported_later_are_not_read_and_features_still_work(tmp_path):
    """PySide6 no longer reads each new module's source; a module that selects a PySide6
    feature (``from __feature__ import snake_case``) still gets it."""
    (tmp_path / "plain_module.py").write_text(
        "from PySide6.QtCore import QObject\nOK = hasattr(QObject(), 'objectName')\n")
    (tmp_path / "snake_module.py").write_text(
        "from __feature__ import snake_case\nfrom PySide6.QtCore import QObject\n"
        "OK = hasattr(QObject(), 'object_name')\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = subprocess.run([sys.executable, "-c", FEATURES, str(tmp_path)], env=env, cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["sources_read"] == [] and out["pyqtgraph_sources_read"] == 0, out
    assert out["plain_sees_camel_case"] and out["feature_module_sees_snake_case"], out
