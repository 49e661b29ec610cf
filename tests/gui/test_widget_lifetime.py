"""A widget given to ``qtbot.addWidget`` outlives the test function (see the
``_added_widgets_live_until_closed`` fixture in conftest.py): a collection of cyclic garbage
must never delete a still-shown view while pytest-qt processes its paint events."""

import gc
import weakref

from PySide6.QtWidgets import QWidget


def test_a_shown_widget_held_only_by_cycles_survives_a_collection(qtbot):
    w = QWidget()
    w.itself = w  # a reference cycle, as every view has (DeferredRefresh, pyqtgraph items)
    qtbot.addWidget(w)
    w.show()
    ref = weakref.ref(w)
    del w
    gc.collect()
    assert ref() is not None and ref().isVisible()
