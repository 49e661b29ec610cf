"""Placeholder: to be written."""

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class ScoreLab(QWidget):
    def __init__(self, scene, parent=None):
        super().__init__(parent)
        self.scene = scene
        QVBoxLayout(self).addWidget(QLabel("ScoreLab"))
