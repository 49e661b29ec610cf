"""Every control says what it does in one line (its tooltip)."""

from PySide6.QtWidgets import (
    QAbstractButton, QAbstractItemView, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit, QScrollBar, QTabBar,
    QWidget,
)

CONTROLS = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QLineEdit)


def controls(root):
    for w in root.findChildren(QWidget):
        if not isinstance(w, CONTROLS) or isinstance(w, QScrollBar):
            continue
        if isinstance(w.parent(), (QComboBox, QAbstractSpinBox, QTabBar, QAbstractItemView)):
            continue  # a part of a composite control (its line edit, arrows, table corner)
        yield w


def test_every_control_in_every_panel_has_a_tooltip(window):
    missing = []
    roots = [("dataset", window.dataset_view)] + [(k, d.widget()) for k, d in window.docks.items()]
    for name, root in roots:
        for w in controls(root):
            if not w.toolTip().strip():
                label = w.text() if hasattr(w, "text") else ""
                missing.append(f"{name}: {type(w).__name__} {label!r}")
    assert missing == []
