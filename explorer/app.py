"""Create the QApplication and the main window."""

from __future__ import annotations

import gc
import sys

from .qtimport import pg
from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from . import style


def configure_pyqtgraph() -> None:
    pg.setConfigOptions(antialias=True, background="w", foreground="k", imageAxisOrder="row-major")


def make_application(argv=None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
        app.setStyle("Fusion")
    app.setApplicationName("Softmax Explorer")
    app.setOrganizationName("Softmax Explorer")
    app.setApplicationDisplayName("Softmax Explorer")
    f = app.font()
    f.setPointSize(style.point_size(style.BASE_POINT_SIZE))
    app.setFont(f)
    configure_pyqtgraph()
    no_huge_pages_for_arrays()
    return app


def no_huge_pages_for_arrays() -> None:
    """New NumPy arrays of 4 MB and more get ordinary pages.

    NumPy asks Linux for transparent huge pages for them; where the kernel then compacts
    memory when such an array is first written (the common ``defrag=madvise``), a fresh
    16 MB array (10**6 points) took ~25 ms to fill instead of ~11: a stall in each move
    of a point dragged among 10**6. No effect elsewhere (NumPy without that switch)."""
    import numpy as np

    switch = getattr(getattr(getattr(np, "_core", None), "multiarray", None),
                     "_set_madvise_hugepage", None)
    if switch is not None:
        switch(False)


# How often the event loop collects the garbage that is due (see ``GarbageCollector``).
GC_INTERVAL_MS = 100

_collector = None  # the app's GarbageCollector, once started


def collect_due_garbage() -> int | None:
    """Collect the generation of Python's cyclic garbage that its thresholds make due, as
    Python itself would after enough allocations (``gc.get_threshold``); returns it, or
    None when nothing is due."""
    thresholds, counts = gc.get_threshold(), gc.get_count()
    if counts[0] <= thresholds[0]:
        return None
    generation = 0
    while generation < 2 and counts[generation + 1] > thresholds[generation + 1]:
        generation += 1
    gc.collect(generation)
    return generation


class GarbageCollector(QObject):
    """Python's cyclic garbage collection, from the event loop only.

    Python collects whenever enough objects have been allocated, wherever that happens:
    also inside Qt's signal and slot machinery, e.g. while pyqtgraph disconnects a plot
    item's signals (Qt holding its connection lock) as the item is added to a plot. A
    collection there that destroys a QObject waits for that lock forever: the window
    freezes (the test suite hung so, as a score lab was built).
    Automatic collection stays off; a timer collects what is due every ``GC_INTERVAL_MS``,
    between events, where Qt holds no lock (and never in the middle of an edit or a
    frame)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(GC_INTERVAL_MS)
        self.timer.timeout.connect(collect_due_garbage)
        self.timer.start()


def settle_garbage_collector() -> None:
    """Once the window is built: keep the objects built so far (the window, its plots, the
    modules) out of every later collection, and collect garbage from the event loop from
    now on (``GarbageCollector``).

    A full collection otherwise walks them all, ~0.1 s on a 2-core machine: a visible
    hitch in an animation. Start-up leaves a few hundred garbage objects at most, which
    stay frozen with the rest."""
    global _collector
    gc.freeze()
    if _collector is None:
        _collector = GarbageCollector(QApplication.instance())


def run(args, scene_fields=None) -> int:
    """Start the app; ``scene_fields`` is a scene file already read and validated."""
    app = make_application()
    # Collection from the event loop (off while the window is built, see __main__) as soon
    # as the event loop runs (scheduled first: whatever the building does, it is not
    # forgotten).
    QTimer.singleShot(0, settle_garbage_collector)
    from .errors import install_exception_hook
    from .main_window import MainWindow

    # Installed first, so that even an error while building the window is reported.
    holder = {}
    install_exception_hook(lambda: holder.get("window"))
    window = holder["window"] = MainWindow()
    if getattr(args, "classes", None):
        window.scene.set_n_classes(args.classes)
    if getattr(args, "preset", None):
        window.scene.load_preset(args.preset, n=window.scene.n_points or 150)
    if scene_fields is not None:
        window.open_scene(args.scene)
    window.scene.undo_stack.clear()
    window.scene.undo_stack.setClean()
    if getattr(args, "presentation", False):
        window.set_presentation(True)
    else:
        window.show()
    return app.exec()
