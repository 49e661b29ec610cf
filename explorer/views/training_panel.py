"""Placeholder: to be written."""

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


class TrainingPanel(QWidget):
    def __init__(self, scene, trainer, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.trainer = trainer
        QVBoxLayout(self).addWidget(QLabel("TrainingPanel"))
