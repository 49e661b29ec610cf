"""Scrub through training: every recorded SGD step, its loss, and a step back.

The scene records W, b and the loss after every SGD step
(``Scene.timeline``). Dragging the scrubber pauses training and sets W and
b to those of the step under it (``Scene.go_to_step``), so the decision
boundary replays the past; one drag is one undo entry. A sparkline shows
the recorded loss with the current step marked.

While training runs the view redraws at ~10 Hz, and not at all while it is
hidden (``updates``, a ``perf.DeferredRefresh``).
"""

from __future__ import annotations

import itertools

import numpy as np
from ..qtimport import pg
from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from .. import style
from ..perf import DeferredRefresh, interaction
from .notation import num
from .widgets import messages, still_plot

SPARK_COLOR = "#0072B2"
MARK_COLOR = "#D55E00"

_drag_ids = itertools.count(1)


class TimelineView(QWidget):
    """A scrubber over the recorded steps, "step k of last", a step-back button and a loss sparkline.

    ``slider`` is the scrubber, ``step_label`` the "step k of last" text,
    ``back_button`` steps back, ``spark`` / ``marker`` are the sparkline and
    the current step's mark.
    """

    def __init__(self, scene, trainer, parent=None):
        super().__init__(parent)
        self.scene = scene
        self.trainer = trainer
        self._drag_key = None
        self._spark_stale = True  # the recorded losses changed since the sparkline was drawn

        self.slider = QSlider(Qt.Horizontal)
        self.slider.setTracking(True)
        self.slider.setPageStep(10)
        self.slider.setToolTip("Drag to replay training: W and b jump to those of the step under "
                               "the handle (pauses training; one drag is one undo step)")
        self.step_label = QLabel()
        self.back_button = QPushButton("◀ Step back")
        self.back_button.setToolTip("Go back one SGD step (pauses training)")
        row = QHBoxLayout()
        row.addWidget(self.step_label, 1)
        row.addWidget(self.back_button)

        self.plot = None  # the sparkline, built by _build_plot (on the first refresh when the
        # main window builds the panel behind another dock tab: ~20 ms at start-up)
        self.hint = QLabel()
        self.hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(row)
        layout.addWidget(self.slider)
        layout.addWidget(self.hint)
        self._layout = layout

        self.updates = DeferredRefresh(self, self._refresh)
        self.updates.follow(trainer, scene)
        if not DeferredRefresh.deferring_now():
            self._build_plot()

        self.slider.sliderPressed.connect(self._on_slider_pressed)
        self.slider.sliderReleased.connect(self._on_slider_released)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.back_button.clicked.connect(self._on_back_clicked)
        scene.history_changed.connect(self._on_history_changed)
        scene.weights_changed.connect(self._on_weights_changed)
        scene.classes_changed.connect(self._on_classes_changed)
        scene.features_changed.connect(self._on_features_changed)
        trainer.running_changed.connect(self._on_running_changed)
        style.appearance.changed.connect(self._on_appearance_changed)

        self._apply_style()
        self.updates.request()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(450, 240)

    # --------------------------------------------------------------- public
    def usable(self) -> bool:
        """Whether the timeline holds steps recorded with the scene's current W shape."""
        tl = self.scene.timeline
        return len(tl) > 0 and tl.shape == tuple(self.scene.W.shape)

    def scrub_to(self, step: int, merge_key=None) -> bool:
        """Pause training and show the parameters recorded at ``step``."""
        self.trainer.pause()
        try:
            return self.scene.go_to_step(int(step), merge_key=merge_key)
        except ValueError as exc:
            messages.message.emit(str(exc))
            self._refresh()
            return False

    # ------------------------------------------------------------------ slots
    def _on_slider_pressed(self) -> None:
        self.trainer.pause()
        if self._drag_key is None:
            interaction.begin(self)  # the other views follow the scrub at ~10 Hz
        self._drag_key = ("timeline", next(_drag_ids))

    def _on_slider_released(self) -> None:
        if self._drag_key is not None:
            self._drag_key = None
            interaction.end(self)

    def _on_slider_value_changed(self, value: int) -> None:
        # A drag shares one merge key (one undo entry); a key press or a click
        # on the groove is its own entry.
        key = self._drag_key if self.slider.isSliderDown() else None
        self.scrub_to(value, key)

    def _on_back_clicked(self) -> None:
        self.trainer.step_back()

    def _on_history_changed(self) -> None:
        self._spark_stale = True
        self.updates.request()

    def _on_weights_changed(self) -> None:
        self.updates.request()

    def _on_classes_changed(self) -> None:
        self._spark_stale = True
        self.updates.request()

    def _on_features_changed(self) -> None:
        self._spark_stale = True
        self.updates.request()

    def _on_running_changed(self, _running: bool) -> None:
        self._spark_stale = True
        self.updates.request()

    def _on_appearance_changed(self) -> None:
        self._apply_style()
        self._spark_stale = True
        self.updates.request()

    # ------------------------------------------------------------- updating
    def _build_plot(self) -> None:
        """The loss sparkline and the current step's mark (once)."""
        if self.plot is not None:
            return
        self.plot, item, self.view = still_plot()
        item.setClipToView(True)
        self.plot.setMinimumHeight(50)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.spark = pg.PlotDataItem(connect="finite", autoDownsample=True)
        self.marker_line = pg.InfiniteLine(angle=90, movable=False)
        self.marker = pg.ScatterPlotItem()
        self.plot.addItem(self.spark)
        self.plot.addItem(self.marker_line, ignoreBounds=True)
        self.plot.addItem(self.marker)
        self._layout.insertWidget(2, self.plot, 1)
        self._spark_stale = True
        self._apply_plot_style()

    def _apply_plot_style(self) -> None:
        if self.plot is None:
            return
        style.style_plot_widget(self.plot)
        style.style_plot(self.plot.getPlotItem(), left="loss", bottom="step")
        self.spark.setPen(pg.mkPen(SPARK_COLOR, width=style.scaled(2.5)))
        self.marker_line.setPen(pg.mkPen(MARK_COLOR, width=style.scaled(2), style=Qt.DashLine))
        self.marker.setSymbol("o")
        self.marker.setSize(style.scaled(style.MARKER_SIZE + 2))
        self.marker.setBrush(pg.mkBrush(MARK_COLOR))
        self.marker.setPen(pg.mkPen(style.foreground(), width=style.scaled(1.5)))

    def _apply_style(self) -> None:
        self._apply_plot_style()
        self.step_label.setFont(style.font(style.TITLE_POINT_SIZE, bold=True))
        self.back_button.setFont(style.font(style.BASE_POINT_SIZE, bold=True))
        self.hint.setFont(style.font(style.BASE_POINT_SIZE - 1))
        h = round(style.scaled(28))
        self.slider.setMinimumHeight(h)
        self.slider.setStyleSheet(
            f"QSlider::groove:horizontal {{ height: {round(style.scaled(8))}px; "
            f"background: {style.faint().name()}; border-radius: {round(style.scaled(4))}px; }}"
            f"QSlider::handle:horizontal {{ background: {MARK_COLOR}; width: {round(style.scaled(18))}px; "
            f"margin: -{round(style.scaled(8))}px 0; border-radius: {round(style.scaled(9))}px; }}")

    def _refresh(self) -> None:
        self._build_plot()
        s = self.scene
        tl = s.timeline
        step = s.step
        usable = self.usable()
        if usable:
            first, last = tl.first_step(), tl.last_step()
        else:
            first = last = step
        with QSignalBlocker(self.slider):
            if (self.slider.minimum(), self.slider.maximum()) != (first, last):
                self.slider.setRange(first, last)
            if not self.slider.isSliderDown() or self.slider.value() != step:
                self.slider.setValue(min(max(step, first), last))
        self.slider.setEnabled(usable and last > first)
        can_back = usable and tl.has_step(step - 1)
        self.back_button.setEnabled(can_back)

        if usable:
            self.step_label.setText(f"step {step} of {last}")
            if self._spark_stale or self.spark.xData is None or not len(self.spark.xData):
                steps, losses = tl.losses()
                self.spark.setData(steps, losses)
                self._spark_stale = False
            loss = tl.at(step)[2] if tl.has_step(step) else np.nan
            if np.isfinite(loss):
                self.marker.setData([step], [loss])
            else:
                self.marker.setData([], [])
            self.marker_line.setValue(step)
            self.marker_line.setVisible(True)
            where = "the latest step" if step == last else f"{last - step} steps before the latest"
            loss_text = f", loss {num(loss, 4)}" if np.isfinite(loss) else ""
            self.hint.setText(f"Showing W and b of step {step} ({where}{loss_text}). "
                              "Drag the handle to replay training; training resumes from here.")
        else:
            self.step_label.setText(f"step {step}")
            self.spark.setData([], [])
            self.marker.setData([], [])
            self.marker_line.setVisible(False)
            if len(tl) and tl.shape != tuple(s.W.shape):
                self.hint.setText("The timeline was recorded with another number of classes or "
                                  "features: train to record a new one.")
            else:
                self.hint.setText("No steps recorded yet: train (Play or Step) to record a timeline.")
