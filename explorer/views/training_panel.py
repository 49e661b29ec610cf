"""Training controls: Play/Pause, Step, Reset, the SGD hyper-parameters, the loss,
the feature maps and a readout.

Every control calls a scene setter (or the trainer); the trainer reads the
scene at each tick, so edits made while training take effect at the next
frame. The controls sync themselves from the scene under ``QSignalBlocker``.
Fonts and sizes follow ``style.appearance``.

The readout shows the scene's latest full-batch evaluation (``Scene.metrics``)
and, while training runs, redraws at ~10 Hz (``readout_updates``, a
``perf.DeferredRefresh``).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from .. import engine, style
from ..perf import DeferredRefresh
from ..state import LR_RANGE, MOMENTUM_RANGE, REG_RANGE, STEPS_PER_FRAME_RANGE
from .notation import feature_text
from .widgets import NumberEdit, SelectableLabel, messages, set_steady_text

LOSS_LABELS = {"softmax": "softmax (cross-entropy)", "svm": "multiclass SVM (hinge)"}
LOSS_TIPS = {
    "softmax": "Softmax cross-entropy L\u1d62 = \u2212ln p_y: never exactly 0, so every point keeps "
               "pulling a little; \u2202L/\u2202s = p \u2212 onehot(y)",
    "svm": "Multiclass SVM hinge L\u1d62 = \u03a3_{j\u2260y} max(0, s_j \u2212 s_y + 1): 0 once the "
           "true score beats every other by the margin 1 (the dashed lines in the plot); "
           "points beyond the margin stop pulling",
}
# Feature maps, in engine order: checkbox text, and what the column is.
FEATURE_TIP = ("Adds a column to X and a row to W; the same linear softmax then draws curved "
               "boundaries")
LR_SLIDER_TICKS_PER_DECADE = 100
MOMENTUM_SLIDER_STEPS = 99  # 0 .. 0.99 in steps of 0.01
DEFAULT_BATCH = 32  # what unticking "full batch" proposes


def lr_to_slider(lr: float) -> int:
    """Slider position of a learning rate (log scale)."""
    lo = math.log10(LR_RANGE[0])
    pos = (math.log10(lr) - lo) * LR_SLIDER_TICKS_PER_DECADE
    return int(round(min(max(pos, 0), slider_max())))


def slider_to_lr(pos: int) -> float:
    """Learning rate at a slider position, rounded to 2 significant digits."""
    lr = 10 ** (math.log10(LR_RANGE[0]) + pos / LR_SLIDER_TICKS_PER_DECADE)
    lr = float(f"{lr:.2g}")
    return min(max(lr, LR_RANGE[0]), LR_RANGE[1])


def slider_max() -> int:
    return int(round(math.log10(LR_RANGE[1] / LR_RANGE[0]) * LR_SLIDER_TICKS_PER_DECADE))


class TrainingPanel(QWidget):
    """Run SGD and set its hyper-parameters."""

    def __init__(self, scene, trainer, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.trainer = trainer
        icons = self.style()

        # -- transport buttons ------------------------------------------------
        self._play_icon = icons.standardIcon(QStyle.SP_MediaPlay)
        self._pause_icon = icons.standardIcon(QStyle.SP_MediaPause)
        self.play_button = QPushButton()
        self.play_button.setCheckable(True)
        self.step_button = QPushButton(icons.standardIcon(QStyle.SP_MediaSeekForward), "Step")
        self.step_button.setToolTip("One SGD update on the next minibatch (S or \u2192)")
        self.reset_button = QPushButton(icons.standardIcon(QStyle.SP_BrowserReload), "Reset")
        self.reset_button.setToolTip("Pause, new random weights, step 0, clear the curves (R)")
        for button in (self.play_button, self.step_button, self.reset_button):
            # Keep the keyboard focus where it was, so Space/S/R stay the app's shortcuts.
            button.setFocusPolicy(Qt.TabFocus)

        # -- readout -------------------------------------------------------------
        # (selectable by the mouse: made so while the pointer is over them)
        self.step_label = SelectableLabel()
        self.loss_label = SelectableLabel()
        self.accuracy_label = SelectableLabel()
        for label, tip in ((self.step_label, "SGD updates since the last Reset"),
                           (self.loss_label, "Full-batch loss of the current W and b: "
                                             "data loss + L2 penalty (while a large dataset "
                                             "trains, of a step a few steps back)"),
                           (self.accuracy_label, "Training accuracy: the share of points whose "
                                                 "highest score is their own class")):
            label.setToolTip(tip)

        # -- hyper-parameters ------------------------------------------------------
        s = scene
        self.lr_slider = QSlider(Qt.Horizontal)
        self.lr_slider.setRange(0, slider_max())
        self.lr_slider.setPageStep(LR_SLIDER_TICKS_PER_DECADE // 2)
        self.lr_slider.setToolTip(f"Learning rate on a log scale, {LR_RANGE[0]:g} to "
                                  f"{LR_RANGE[1]:g}. Too large and SGD diverges.")
        self.lr_edit = NumberEdit(s.lr, minimum=LR_RANGE[0], maximum=LR_RANGE[1],
                                  name="learning rate")
        self.lr_edit.setBaseToolTip(f"Learning rate lr in W \u2190 W \u2212 lr\u00b7\u2202L/\u2202W "
                                    f"({LR_RANGE[0]:g} to {LR_RANGE[1]:g}). Type, then Enter.")

        self.batch_edit = NumberEdit(s.batch_size, minimum=1, maximum=self._batch_max(),
                                     integer=True, step=1, special="full", name="batch size")
        self.batch_edit.setBaseToolTip(
            "Points per SGD update (minibatch size), or \"full\" for every point "
            "(gradient descent). Type, then Enter.")
        self.full_batch_check = QCheckBox("full batch")
        self.full_batch_check.setToolTip("Use every point for each update (gradient descent); "
                                         "untick for minibatch SGD")

        self.reg_edit = NumberEdit(s.reg, minimum=REG_RANGE[0], maximum=REG_RANGE[1],
                                   step=0.001, name="L2 strength")
        self.reg_edit.setBaseToolTip(f"L2 strength \u03bb: the loss adds \u03bb\u00b7\u03a3W\u00b2 "
                                     f"({REG_RANGE[0]:g} to {REG_RANGE[1]:g}; the bias is not "
                                     "regularised). Type, then Enter.")

        self.momentum_slider = QSlider(Qt.Horizontal)
        self.momentum_slider.setRange(0, MOMENTUM_SLIDER_STEPS)
        self.momentum_slider.setPageStep(10)
        self.momentum_slider.setToolTip("Momentum \u03bc from 0 (plain SGD) to 0.99")
        self.momentum_edit = NumberEdit(s.momentum, minimum=MOMENTUM_RANGE[0],
                                        maximum=MOMENTUM_RANGE[1], step=0.05, name="momentum")
        self.momentum_edit.setBaseToolTip("Momentum \u03bc in v \u2190 \u03bcv \u2212 lr\u00b7"
                                          "\u2202L/\u2202W, W \u2190 W + v (0 to 0.99). "
                                          "Type, then Enter.")

        self.spf_edit = NumberEdit(s.steps_per_frame, minimum=STEPS_PER_FRAME_RANGE[0],
                                   maximum=STEPS_PER_FRAME_RANGE[1], integer=True, step=1,
                                   name="steps per frame")
        self.spf_edit.setBaseToolTip(
            f"SGD updates per animation frame ({STEPS_PER_FRAME_RANGE[0]} to "
            f"{STEPS_PER_FRAME_RANGE[1]}): larger trains faster, smaller shows each step. "
            "Type, then Enter.")

        self.loss_combo = QComboBox()
        self.loss_combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.loss_combo.setMinimumContentsLength(12)
        for k, name in enumerate(engine.LOSSES):
            self.loss_combo.addItem(LOSS_LABELS.get(name, name), name)
            self.loss_combo.setItemData(k, LOSS_TIPS.get(name, name), Qt.ToolTipRole)
        self.loss_combo.setToolTip("The data loss SGD minimises: softmax cross-entropy "
                                   "\u2212ln p_y, or the multiclass SVM hinge "
                                   "\u03a3_{j\u2260y} max(0, s_j \u2212 s_y + 1). "
                                   "Takes effect at the next step.")

        # -- feature maps -------------------------------------------------------------
        self.feature_checks: dict[str, QCheckBox] = {}
        for name in engine.FEATURES:
            check = QCheckBox(feature_text(name))
            check.setToolTip(f"{feature_text(name)}: {FEATURE_TIP}")
            self.feature_checks[name] = check

        # -- layout ------------------------------------------------------------------
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button, 3)
        buttons.addWidget(self.step_button, 2)
        buttons.addWidget(self.reset_button, 2)

        readout = QHBoxLayout()
        readout.addWidget(self.step_label)
        readout.addStretch(1)
        readout.addWidget(self.loss_label)
        readout.addStretch(1)
        readout.addWidget(self.accuracy_label)

        grid = QGridLayout()
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(4)
        grid.addWidget(self._label("learning rate", self.lr_edit), 0, 0)
        grid.addWidget(self.lr_slider, 0, 1, 1, 2)
        grid.addWidget(self.lr_edit, 0, 3)
        grid.addWidget(self._label("momentum", self.momentum_edit), 1, 0)
        grid.addWidget(self.momentum_slider, 1, 1, 1, 2)
        grid.addWidget(self.momentum_edit, 1, 3)
        grid.addWidget(self._label("batch size", self.batch_edit), 2, 0)
        grid.addWidget(self.batch_edit, 2, 1)
        grid.addWidget(self.full_batch_check, 2, 2, 1, 2, Qt.AlignLeft)
        grid.addWidget(self._label("L2 \u03bb", self.reg_edit), 3, 0)
        grid.addWidget(self.reg_edit, 3, 1)
        grid.addWidget(self._label("steps/frame", self.spf_edit), 3, 2, Qt.AlignRight)
        grid.addWidget(self.spf_edit, 3, 3)
        grid.addWidget(self._label("loss", self.loss_combo), 4, 0)
        grid.addWidget(self.loss_combo, 4, 1, 1, 3)
        features = QGridLayout()
        features.setHorizontalSpacing(10)
        features.setVerticalSpacing(2)
        for k, check in enumerate(self.feature_checks.values()):
            features.addWidget(check, k // 3, k % 3)
        features.setColumnStretch(3, 1)
        self.features_label = QLabel("features")
        self.features_label.setToolTip(FEATURE_TIP)
        grid.addWidget(self.features_label, 5, 0, Qt.AlignTop)
        grid.addLayout(features, 5, 1, 1, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(2, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(6)
        layout.addLayout(buttons)
        layout.addLayout(readout)
        layout.addLayout(grid)
        layout.addStretch(1)

        self.readout_updates = DeferredRefresh(self, self._show_readout)
        self.readout_updates.follow(trainer, scene)

        # -- connections ----------------------------------------------------------------
        self.play_button.clicked.connect(self._on_play_clicked)
        self.step_button.clicked.connect(self._on_step_clicked)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.lr_slider.valueChanged.connect(self._on_lr_slider_moved)
        self.lr_edit.value_edited.connect(self._on_lr_edited)
        self.batch_edit.value_edited.connect(self._on_batch_edited)
        self.full_batch_check.toggled.connect(self._on_full_batch_toggled)
        self.reg_edit.value_edited.connect(self._on_reg_edited)
        self.momentum_slider.valueChanged.connect(self._on_momentum_slider_moved)
        self.momentum_edit.value_edited.connect(self._on_momentum_edited)
        self.spf_edit.value_edited.connect(self._on_spf_edited)
        self.loss_combo.currentIndexChanged.connect(self._on_loss_chosen)
        for check in self.feature_checks.values():
            check.toggled.connect(self._on_feature_toggled)
        self.trainer.running_changed.connect(self._on_running_changed)
        self.scene.hyper_changed.connect(self._on_hyper_changed)
        self.scene.weights_changed.connect(self._on_readout_changed)
        self.scene.metrics_changed.connect(self._on_readout_changed)
        self.scene.dataset_changed.connect(self._on_dataset_changed)
        self.scene.features_changed.connect(self._on_features_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_style()
        self._on_features_changed()
        self._on_hyper_changed()
        self._on_running_changed(self.trainer.running)
        self._show_readout()

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        label.setToolTip(buddy.property("base_tooltip") or buddy.toolTip())
        return label

    # -- helpers ------------------------------------------------------------------
    def _batch_max(self) -> int:
        return self.scene.n_points if self.scene.n_points else engine.MAX_POINTS

    def _set(self, edit: NumberEdit | None, setter, value) -> None:
        try:
            setter(value)
        except ValueError as exc:
            if edit is not None:
                edit.show_error(str(exc))
            return
        self._on_hyper_changed()  # also restores texts that parsed to the current value

    # -- slots: buttons ---------------------------------------------------------------
    def _on_play_clicked(self) -> None:
        self.trainer.toggle()
        self._on_running_changed(self.trainer.running)  # e.g. no points: still paused

    def _on_step_clicked(self) -> None:
        self.trainer.step()

    def _on_reset_clicked(self) -> None:
        self.trainer.reset()

    def _on_running_changed(self, running: bool) -> None:
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(running)
        self.play_button.setText("Pause" if running else "Play")
        self.play_button.setIcon(self._pause_icon if running else self._play_icon)
        self.play_button.setToolTip("Pause training (Space)" if running
                                    else "Run SGD continuously, one tick per frame (Space)")

    # -- slots: hyper-parameters -----------------------------------------------------------
    def _on_lr_slider_moved(self, pos: int) -> None:
        self._set(self.lr_edit, self.scene.set_lr, slider_to_lr(pos))

    def _on_lr_edited(self, value) -> None:
        self._set(self.lr_edit, self.scene.set_lr, value)

    def _on_batch_edited(self, value) -> None:
        self._set(self.batch_edit, self.scene.set_batch_size, value)

    def _on_full_batch_toggled(self, checked: bool) -> None:
        if checked:
            value = None
        else:
            value = min(DEFAULT_BATCH, max(1, self.scene.n_points // 2))
        self._set(self.batch_edit, self.scene.set_batch_size, value)

    def _on_reg_edited(self, value) -> None:
        self._set(self.reg_edit, self.scene.set_reg, value)

    def _on_momentum_slider_moved(self, pos: int) -> None:
        self._set(self.momentum_edit, self.scene.set_momentum, pos / 100)

    def _on_momentum_edited(self, value) -> None:
        self._set(self.momentum_edit, self.scene.set_momentum, value)

    def _on_spf_edited(self, value) -> None:
        self._set(self.spf_edit, self.scene.set_steps_per_frame, value)

    def _on_loss_chosen(self, index: int) -> None:
        self._set(None, self.scene.set_loss, self.loss_combo.itemData(index))

    def _on_feature_toggled(self, _checked: bool) -> None:
        names = [name for name, check in self.feature_checks.items() if check.isChecked()]
        try:
            self.scene.set_features(names)
        except ValueError as exc:  # e.g. a feature overflows at the points
            messages.message.emit(str(exc))
        self._on_features_changed()  # shows what the scene has (also after a refusal)

    def _on_features_changed(self) -> None:
        chosen = set(self.scene.features)
        for name, check in self.feature_checks.items():
            with QSignalBlocker(check):
                check.setChecked(name in chosen)

    # -- appearance ----------------------------------------------------------------------------
    def _on_appearance_changed(self) -> None:
        self._apply_style()

    def _apply_style(self) -> None:
        """Fonts and sizes set explicitly (plain widgets follow the application font)."""
        icon = round(style.scaled(20))
        for button in (self.play_button, self.step_button, self.reset_button):
            button.setIconSize(QSize(icon, icon))
            button.setFont(style.font(style.BASE_POINT_SIZE + 1, bold=True))
            button.setMinimumHeight(round(style.scaled(38)))
        for label in (self.step_label, self.loss_label, self.accuracy_label):
            label.setFont(style.font(style.BASE_POINT_SIZE, bold=True))
        if hasattr(self, "readout_updates"):
            self._show_readout()  # fitted to the new font
        for edit in (self.lr_edit, self.batch_edit, self.reg_edit, self.momentum_edit,
                     self.spf_edit):
            edit.setMinimumWidth(round(style.scaled(62)))
            edit.setMaximumWidth(round(style.scaled(100)))

    # -- slots: scene ------------------------------------------------------------------------
    def _on_hyper_changed(self) -> None:
        s = self.scene
        for edit, value in ((self.lr_edit, s.lr), (self.batch_edit, s.batch_size),
                            (self.reg_edit, s.reg), (self.momentum_edit, s.momentum),
                            (self.spf_edit, s.steps_per_frame)):
            with QSignalBlocker(edit):
                edit.setValue(value)
                edit.setModified(False)
        # A slider being dragged already shows the value; snapping it would make it jitter.
        if not self.lr_slider.isSliderDown():
            with QSignalBlocker(self.lr_slider):
                self.lr_slider.setValue(lr_to_slider(s.lr))
        if not self.momentum_slider.isSliderDown():
            with QSignalBlocker(self.momentum_slider):
                self.momentum_slider.setValue(int(round(s.momentum * 100)))
        with QSignalBlocker(self.full_batch_check):
            self.full_batch_check.setChecked(s.batch_size is None)
        with QSignalBlocker(self.loss_combo):
            self.loss_combo.setCurrentIndex(self.loss_combo.findData(s.loss))
        self._on_readout_changed()

    def _on_dataset_changed(self) -> None:
        self.batch_edit.maximum = self._batch_max()
        self._on_readout_changed()

    def _on_readout_changed(self) -> None:
        self.readout_updates.request()

    def _show_readout(self) -> None:
        s = self.scene
        step = f"step {s.step}"
        m = s.metrics()
        terms, acc = m.terms, m.accuracy
        loss = "loss \u2014" if terms is None else f"loss {terms.total:.4f}"
        accuracy = "accuracy \u2014" if acc is None else f"accuracy {100 * acc:.1f}%"
        # Fixed sizes: a new text every 100 ms must not lay the whole panel out again.
        for label, text, sample in ((self.step_label, step, "step 000000"),
                                    (self.loss_label, loss, "loss 0.0000"),
                                    (self.accuracy_label, accuracy, "accuracy 100.0%")):
            set_steady_text(label, text, sample)
