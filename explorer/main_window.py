"""The main window: builds the views, connects them to the scene, menus, shortcuts."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMessageBox

from . import __version__
from .state import Scene
from .training import Trainer
from .views.curves import CurvesView
from .views.dataset_plot import DatasetView
from .views.jacobian import JacobianView
from .views.score_lab import ScoreLab
from .views.training_panel import TrainingPanel
from .views.weights import WeightsView
from .views.widgets import messages


class MainWindow(QMainWindow):
    def __init__(self, scene: Scene | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Softmax Explorer")
        self.scene = scene if scene is not None else Scene(self)
        self.trainer = Trainer(self.scene, self)

        self.dataset_view = DatasetView(self.scene)
        self.score_lab = ScoreLab(self.scene)
        self.jacobian_view = JacobianView(self.scene)
        self.training_panel = TrainingPanel(self.scene, self.trainer)
        self.weights_view = WeightsView(self.scene)
        self.curves_view = CurvesView(self.scene)
        self.setCentralWidget(self.dataset_view)

        self.docks = {}
        self._add_dock("score_lab", "Score lab", self.score_lab, Qt.LeftDockWidgetArea)
        self._add_dock("jacobian", "Softmax Jacobian dp/ds", self.jacobian_view, Qt.LeftDockWidgetArea)
        self._add_dock("training", "Training", self.training_panel, Qt.RightDockWidgetArea)
        self._add_dock("weights", "Weights W and bias b", self.weights_view, Qt.RightDockWidgetArea)
        self._add_dock("curves", "Training curves", self.curves_view, Qt.RightDockWidgetArea)

        self.summary_label = QLabel()
        self.summary_label.setToolTip("Full-batch loss and training accuracy of the current W and b")
        self.statusBar().addPermanentWidget(self.summary_label)
        self._build_menus()

        messages.message.connect(self._on_message)
        self.trainer.diverged.connect(self._on_message)
        self.trainer.error.connect(self._on_message)
        self.scene.weights_changed.connect(self._on_scene_changed)
        self.scene.dataset_changed.connect(self._on_scene_changed)
        self._on_scene_changed()
        self.resize(1560, 960)

    # -- construction ---------------------------------------------------------
    def _add_dock(self, key: str, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        self.docks[key] = dock
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "", checkable=False):
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setToolTip(tip or text)
        action.setStatusTip(tip or text)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work wherever the focus is
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Quit", self.close, QKeySequence.Quit, "Quit Softmax Explorer")

        edit = bar.addMenu("&Edit")
        self.undo_action = self._action(edit, "&Undo", self.scene.undo, QKeySequence.Undo,
                                        "Undo the last edit")
        self.redo_action = self._action(edit, "&Redo", self.scene.redo,
                                        [QKeySequence("Ctrl+Shift+Z"), QKeySequence.Redo],
                                        "Redo the edit last undone")
        self.scene.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.scene.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.scene.undo_stack.undoTextChanged.connect(
            lambda t: self.undo_action.setText(f"&Undo {t}".strip()))
        self.scene.undo_stack.redoTextChanged.connect(
            lambda t: self.redo_action.setText(f"&Redo {t}".strip()))
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)

        train = bar.addMenu("&Training")
        self.play_action = self._action(train, "&Play / Pause", self.trainer.toggle,
                                        QKeySequence(Qt.Key_Space), "Start or pause SGD (Space)")
        self.step_action = self._action(train, "&Step", self.trainer.step,
                                        [QKeySequence(Qt.Key_S), QKeySequence(Qt.Key_Right)],
                                        "One SGD update (S or Right arrow)")
        self.reset_action = self._action(train, "&Reset", self.trainer.reset,
                                         QKeySequence(Qt.Key_R),
                                         "New random weights, step 0, clear the curves (R)")

        view = bar.addMenu("&View")
        for dock in self.docks.values():
            view.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Softmax Explorer", self._about, tip="About this app")

    # -- slots ------------------------------------------------------------------
    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def _on_scene_changed(self) -> None:
        s = self.scene
        terms = s.loss_terms()
        acc = s.accuracy()
        if terms is None:
            self.summary_label.setText(f"{s.n_points} points — add points or choose a preset")
        else:
            self.summary_label.setText(
                f"{s.n_points} points · step {s.step} · loss {terms.total:.4f} · "
                f"accuracy {100 * acc:.1f}%")

    def _about(self) -> None:
        QMessageBox.about(
            self, "About Softmax Explorer",
            f"<h3>Softmax Explorer {__version__}</h3>"
            "<p>Edit class scores, weights and data, and watch the softmax probabilities, "
            "the gradient p − onehot(y) and SGD move live.</p>")
