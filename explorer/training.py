"""The training controller: one QTimer on the GUI thread running SGD ticks.

Each tick reads the scene (so edits made while training take effect at the
next tick), runs ``steps_per_frame`` engine SGD updates, and stores the
result in the scene, which emits once. A run from Play to Pause is one undo
entry; an edit made while running closes the current entry first, so undoing
that edit never undoes training with it.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from . import engine
from .state import Scene, SceneData

FRAME_MS = 16  # ~60 frames per second
# A run "blows up" when its full-batch loss passes BLOWUP_LOSS, or grows BLOWUP_FACTOR
# times above where the run started while also above BLOWUP_MIN_LOSS (uniform guessing
# costs ln C <= 2.3, so such losses mean the weights are running away).
BLOWUP_LOSS = 1e6
BLOWUP_FACTOR = 100.0
BLOWUP_MIN_LOSS = 50.0


class Trainer(QObject):
    running_changed = Signal(bool)
    diverged = Signal(str)  # training stopped because an update was not finite
    error = Signal(str)  # a step could not be taken (e.g. no points)

    def __init__(self, scene: Scene, parent=None, seed: int | None = 0):
        super().__init__(parent)
        self.scene = scene
        self._rng = np.random.default_rng(seed)
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self.tick)
        self._sgd: engine.SGD | None = None
        self._run_before: SceneData | None = None
        self._run_steps = 0
        self._last_step = scene.step
        self._start_loss = None  # full-batch loss when the run started
        self._best = None  # (loss, step): the run's lowest full-batch loss
        self.last_tick_seconds = 0.0
        self.scene.edit_started.connect(self._on_edit_started)

    # -- state ---------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._timer.isActive()

    def _optimizer(self) -> engine.SGD:
        """The SGD object, configured from the scene as it is now."""
        d = self.scene.data
        if self._sgd is None:
            self._sgd = engine.SGD(d.W, d.b, rng=self._rng)
        sgd = self._sgd
        if sgd.W is not d.W or sgd.b is not d.b:
            sgd.set_parameters(d.W, d.b)  # edited since the last step: momentum kept,
            if d.step != self._last_step:  # unless it jumped in time (timeline, undo)
                sgd.reset_momentum()
        sgd.lr, sgd.momentum, sgd.reg, sgd.loss = d.lr, d.momentum, d.reg, d.loss
        if sgd.batch_size != d.batch_size:
            sgd.batch_size = d.batch_size
        return sgd

    # -- actions ---------------------------------------------------------------
    def play(self) -> None:
        if self.running:
            return
        if self.scene.n_points == 0:
            self.error.emit("Add some points (or pick a preset) before training")
            return
        self._timer.start()
        self.running_changed.emit(True)

    def pause(self) -> None:
        if not self.running:
            return
        self._timer.stop()
        self._close_run()
        self.scene.end_training()
        self.running_changed.emit(False)

    def toggle(self) -> None:
        self.pause() if self.running else self.play()

    def step(self) -> bool:
        """One SGD update (one undo entry). Pauses a running training first."""
        self.pause()
        if self.scene.n_points == 0:
            self.error.emit("Add some points (or pick a preset) before training")
            return False
        ok = self._run(1)
        self._close_run()
        self.scene.end_training()
        return ok

    def run_frame(self) -> bool:
        """One frame of steps outside the timer (e.g. while recording a GIF).

        Part of the current run; call ``finish_run`` to close it as one undo entry.
        """
        if self.scene.n_points == 0:
            return False
        return self._run(self.scene.steps_per_frame)

    def finish_run(self) -> None:
        self._close_run()
        self.scene.end_training()

    def step_back(self) -> bool:
        """Go back one SGD step along the timeline (pauses; clears the momentum)."""
        self.pause()
        target = self.scene.step - 1
        if target < 0 or not self.scene.timeline.has_step(target):
            self.error.emit("No earlier step in the timeline")
            return False
        try:
            self.scene.go_to_step(target)
        except ValueError as exc:  # e.g. recorded with another number of classes
            self.error.emit(f"Cannot step back: {exc}")
            return False
        if self._sgd is not None:
            self._sgd.reset_momentum()
        return True

    def reset(self) -> None:
        """Pause, new random weights, step 0, cleared curves, no momentum."""
        self.pause()
        self._sgd = None
        self.scene.reset_training()

    def tick(self) -> None:
        """One frame of training: ``steps_per_frame`` updates, one scene update."""
        self._run(self.scene.steps_per_frame)

    # -- internals ---------------------------------------------------------------
    def _run(self, steps: int) -> bool:
        t0 = time.perf_counter()
        sgd = self._optimizer()
        d = self.scene.data
        X, y = self.scene.Z, d.y
        if X.shape[0] == 0:
            self.pause()
            self.error.emit("All points were removed; training paused")
            return False
        if self._run_before is None:
            self._run_before = d  # a run (one undo entry) starts with its first step
            m = self.scene.metrics()
            if m.terms is not None:
                self._start_loss, self._best = m.terms.total, (m.terms.total, m.step)
        before = sgd.snapshot()
        try:
            records = []
            for _ in range(steps):
                loss = sgd.step(X, y)
                records.append((sgd.W, sgd.b, loss))
            # (a full-batch step also evaluated the parameters it started from: the
            # scene shows those metrics instead of evaluating a large dataset again)
            self.scene.apply_training(sgd.W, sgd.b, steps, records, sgd.last_evaluation)
        except ValueError as exc:
            # Back to the last finite parameters; say what happened.
            sgd.restore(before)
            self.pause()
            self.diverged.emit(
                f"Training stopped: {exc}. The weights were restored to step {d.step}; "
                f"try a smaller learning rate (now {d.lr:g})."
            )
            return False
        self._run_steps += steps
        self._last_step = self.scene.step
        self.last_tick_seconds = time.perf_counter() - t0
        return self._check_blowup()

    def _check_blowup(self) -> bool:
        """Stop a run whose full-batch loss explodes (lr far too large), before any
        overflow: pause and go back to the run's best step. False if it stopped."""
        m = self.scene.metrics()
        if m.terms is None:
            return True
        total = m.terms.total
        if self._best is None or total < self._best[0]:
            self._best = (total, m.step)
        if self._start_loss is None:
            self._start_loss = total
        if total <= BLOWUP_LOSS and not (total > BLOWUP_FACTOR * self._start_loss
                                         and total > BLOWUP_MIN_LOSS):
            return True
        (best_loss, best_step), start, lr = self._best, self._start_loss, self.scene.lr
        self.pause()
        where = ""
        if best_step != self.scene.step and self.scene.timeline.has_step(best_step):
            self.scene.go_to_step(best_step)
            if self._sgd is not None:
                self._sgd.reset_momentum()
            where = (f" The weights went back to step {best_step} (loss {best_loss:.4g}); "
                     "Ctrl+Z shows where they had got to.")
        self.diverged.emit(
            f"Training stopped: the loss blew up from {start:.4g} to {total:.4g}. The learning "
            f"rate {lr:g} is too large: try a smaller learning rate, e.g. {lr / 10:g}.{where}")
        return False

    def _close_run(self) -> None:
        if self._run_before is not None:
            self.scene.push_training_run(self._run_before, self._run_steps)
        self._run_before = None
        self._run_steps = 0
        self._start_loss = None
        self._best = None

    def _on_edit_started(self) -> None:
        """A user edit (or undo) is about to happen while running: record the run so
        far as its own undo entry and continue in a new one, so that undoing the
        edit never undoes training and vice versa."""
        if self._run_before is not None:
            self._close_run()  # the next tick starts a new run
