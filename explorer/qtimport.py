"""pyqtgraph, imported without creating every Qt class at start-up.

PySide6 creates a Qt class the first time Python asks for it. pyqtgraph's
``pyqtgraph.Qt`` copies every name of QtCore, QtGui and QtWidgets into its own
modules of those names (``for o in dir(src): setattr(dst, o, getattr(src, o))``),
which creates all ~700 classes: ~0.15-0.2 s of every launch, most of them for
classes the app never uses.

``pg`` below is pyqtgraph imported with those copies left out: while it
loads, ``dir()`` of the three PySide6 modules lists nothing, and each of
pyqtgraph's three modules forwards the names it lacks to its PySide6 module
(a module ``__getattr__``, PEP 562), and keeps it once asked for. Every name
resolves to the same object as before, created when first used. If anything
about that fails (another pyqtgraph layout), pyqtgraph is imported the usual way.

PySide6 also reads the whole source of every module imported after it, to see
whether the module mentions PySide6 (for ``from __feature__ import ...``, which
the app and its libraries never use): ~0.25 ms a module, ~50 ms for pyqtgraph's
~200 modules, and every source file kept in memory. ``_skip_feature_scan`` gives
every module PySide6's default selection without reading its source.

Every module of the app imports pyqtgraph from here: ``from ..qtimport import pg``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

_FORWARDED = {
    "pyqtgraph.Qt.QtCore": "PySide6.QtCore",
    "pyqtgraph.Qt.QtGui": "PySide6.QtGui",
    "pyqtgraph.Qt.QtWidgets": "PySide6.QtWidgets",
}


def _forwarding(module, source):
    def __getattr__(name: str):  # noqa: N807 - the PEP 562 hook's name
        try:
            value = getattr(source, name)
        except AttributeError:
            raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}") from None
        # Kept: the next lookup is a plain attribute (pyqtgraph looks names up while it
        # paints, ~2,000 times in the first paint of the window).
        setattr(module, name, value)
        return value

    return __getattr__


class _ForwardingLoader(importlib.abc.Loader):
    def __init__(self, loader, source):
        self._loader = loader
        self._source = source

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        self._loader.exec_module(module)
        module.__getattr__ = _forwarding(module, self._source)


class _ForwardingFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        source = _FORWARDED.get(fullname)
        if source is None:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _ForwardingLoader(spec.loader, sys.modules[source])
        return spec


def _uses_pyside(module) -> bool:
    """Every module counts as one that uses PySide6: it gets the default feature selection
    (no snake_case, no true_property), as a module that mentions PySide6 does."""
    return True


def _skip_feature_scan() -> None:
    """Classify new modules without reading their source (see the module docstring).

    ``shibokensupport.feature._mod_uses_pyside(module)`` decides whether a module takes
    part in PySide6's feature selection by searching its source for "PySide6"; a module
    that imports ``__feature__`` is registered by that import itself, whatever this says."""
    feature = sys.modules.get("shibokensupport.feature")
    if feature is not None and callable(getattr(feature, "_mod_uses_pyside", None)):
        feature._mod_uses_pyside = _uses_pyside


def _forget_pyqtgraph() -> None:
    for name in [n for n in sys.modules if n == "pyqtgraph" or n.startswith("pyqtgraph.")]:
        del sys.modules[name]


def _import_pyqtgraph():
    if "pyqtgraph" in sys.modules:
        return sys.modules["pyqtgraph"]
    from PySide6 import QtCore, QtGui, QtWidgets  # noqa: F401 - loaded for _FORWARDED

    _skip_feature_scan()

    sources = [sys.modules[name] for name in _FORWARDED.values()]
    saved = [vars(m).get("__dir__") for m in sources]
    finder = _ForwardingFinder()
    sys.meta_path.insert(0, finder)
    try:
        for m in sources:
            m.__dir__ = list  # dir(module) -> []: pyqtgraph.Qt copies nothing
        try:
            pg = importlib.import_module("pyqtgraph")
            pg.QtCore.QRectF, pg.QtGui.QColor, pg.QtWidgets.QWidget  # noqa: B018 - forwarded?
        except Exception:  # noqa: BLE001 - any surprise: the usual import below
            pg = None
    finally:
        sys.meta_path.remove(finder)
        for m, d in zip(sources, saved):
            if d is None:
                del m.__dir__
            else:
                m.__dir__ = d
    if pg is None:
        _forget_pyqtgraph()
        pg = importlib.import_module("pyqtgraph")
    return pg


pg = _import_pyqtgraph()
