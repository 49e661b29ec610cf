"""Create the QApplication and the main window."""

from __future__ import annotations

import gc
import sys

from .qtimport import pg
from PySide6.QtCore import QTimer
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


def settle_garbage_collector() -> None:
    """Once the window is built: keep the objects built so far (the window, its plots, the
    modules) out of every later collection, and turn collection back on.

    A full collection otherwise walks them all, ~0.1 s on a 2-core machine: a visible
    hitch in an animation. Start-up leaves a few hundred garbage objects at most, which
    stay frozen with the rest."""
    gc.freeze()
    gc.enable()


def run(args, scene_fields=None) -> int:
    """Start the app; ``scene_fields`` is a scene file already read and validated."""
    app = make_application()
    # Collection back on (see __main__) as soon as the event loop runs, once the window is
    # built (scheduled first: whatever the building does, it is not forgotten).
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
