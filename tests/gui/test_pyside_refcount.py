"""Regression test for the PySide6 6.12.0 crash on CPython < 3.12.

That release decremented None's reference count on every call of a C++
method returning void; after enough calls Python dies with
"Fatal Python error: none_dealloc". pyproject.toml pins it away; this test
fails (instead of crashing much later) if a bad build sneaks back in.
"""

import sys

from PySide6.QtWidgets import QLabel


def test_void_calls_do_not_steal_references_to_none(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(200):
        label.setText(str(i))  # a void C++ method
    after = sys.getrefcount(None)
    # Immortal None (3.12+) reports a huge constant; otherwise the count may
    # only drift by a few unrelated references, never by ~200.
    assert after >= before - 5, f"None's refcount fell from {before} to {after}"
