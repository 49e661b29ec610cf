"""The main window: builds the views, connects them to the scene, menus, shortcuts,
files, autosave, presentation mode and lesson layouts."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication, QDialog, QDockWidget, QFileDialog, QHBoxLayout, QHeaderView, QInputDialog,
    QLabel, QMainWindow, QMessageBox, QProgressDialog, QPushButton, QTableWidget,
    QStyle, QTabBar, QTableWidgetItem, QVBoxLayout, QWidget,
)

from . import __version__, export, paths, scene_io, style
from .autosave import Autosaver
from .layouts import DEFAULT_LAYOUT, LAYOUTS
from .perf import DeferredRefresh, FrameRateLabel, FrameRateMeter
from .state import Scene
from .training import Trainer
from .views.curves import CurvesView
from .views.dataset_plot import DatasetView
from .views.derivation import DerivationView
from .views.gradient_check import GradientCheckView
from .views.jacobian import JacobianView
from .views.loss_shape import LossShapeView
from .views.point_gradient import PointGradientView
from .views.point_table import PointTableView
from .views.score_lab import ScoreLab
from .views.timeline import TimelineView
from .views.training_panel import TrainingPanel
from .views.weights import WeightsView
from .views.widgets import PanelScroll, messages, set_steady_text

SCENE_FILTER = "Softmax Explorer scenes (*.json);;All files (*)"
MAX_RECENT = 8


def settings() -> QSettings:
    """Preferences (scale, theme, palette, recent files, window state), in the data dir."""
    return QSettings(str(paths.settings_path()), QSettings.IniFormat)


class RestoreBar(QWidget):
    """A non-modal offer to restore the autosaved scene of an unfinished session."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAutoFillBackground(True)
        pal = self.palette()
        pal.setColor(QPalette.Window, QColor("#fff3c4"))
        pal.setColor(QPalette.WindowText, QColor("#000000"))
        self.setPalette(pal)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.restore_button = QPushButton("Restore")
        self.restore_button.setToolTip("Open the autosaved scene of your last session (undoable)")
        self.discard_button = QPushButton("Discard")
        self.discard_button.setToolTip("Forget the autosaved scene and keep the current one")
        row.addWidget(self.label, 1)
        row.addWidget(self.restore_button)
        row.addWidget(self.discard_button)
        self.hide()


class ShortcutsDialog(QDialog):
    """Help > Keyboard shortcuts: every action of the window with its keys."""

    EXTRA = [
        ("Dataset plot", "1 … 9, 0", "Choose the class of new points (1 … 10)"),
        ("Dataset plot", "Delete / Backspace", "Delete the selected point"),
        ("Dataset plot", "Escape", "Unselect the point"),
        ("Dataset plot", "Home", "Reset the view"),
        ("Number fields", "Up / Down", "Step the value"),
        ("Number fields", "Escape", "Restore the value shown before typing"),
    ]

    def __init__(self, window: "MainWindow"):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        rows = []
        for menu_title, action in window.menu_actions():
            keys = ", ".join(s.toString(QKeySequence.NativeText) for s in action.shortcuts())
            rows.append((menu_title, keys, action.text().replace("&", "")))
        rows += self.EXTRA
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "Action"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        layout.addWidget(close, 0, Qt.AlignRight)
        self.resize(760, 640)


class MainWindow(QMainWindow):
    def __init__(self, scene: Scene | None = None, parent=None, autosave: bool = True):
        super().__init__(parent)
        self.scene = scene if scene is not None else Scene(self)
        self.trainer = Trainer(self.scene, self)
        self.file_path: Path | None = None
        self.layout_name = DEFAULT_LAYOUT
        self.ask_before_closing = True

        self.dataset_view = DatasetView(self.scene)
        # The panels fill themselves in when first shown: those behind a dock tab at
        # start-up cost nothing until their tab is chosen (see apply_layout).
        with DeferredRefresh.deferring():
            self.score_lab = ScoreLab(self.scene)
            self.jacobian_view = JacobianView(self.scene)
            self.training_panel = TrainingPanel(self.scene, self.trainer)
            self.weights_view = WeightsView(self.scene)
            self.curves_view = CurvesView(self.scene)
            self.point_gradient_view = PointGradientView(self.scene)
            self.derivation_view = DerivationView(self.scene)
            self.gradient_check_view = GradientCheckView(self.scene)
            self.loss_shape_view = LossShapeView(self.scene)
            self.point_table_view = PointTableView(self.scene)
            self.timeline_view = TimelineView(self.scene, self.trainer)

        self.restore_bar = RestoreBar()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.restore_bar)
        column.addWidget(self.dataset_view, 1)
        self.setCentralWidget(central)

        self.docks: dict[str, QDockWidget] = {}
        self._resize_timer = QTimer(self, singleShot=True, interval=0)
        self._resize_timer.timeout.connect(self._size_docks)
        self.panels: dict[str, QWidget] = {}  # each dock's panel (in its PanelScroll)
        self._add_dock("score_lab", "Score lab", self.score_lab)
        self._add_dock("jacobian", "Softmax Jacobian dp/ds", self.jacobian_view)
        self._add_dock("training", "Training", self.training_panel)
        self._add_dock("weights", "Weights W and bias b", self.weights_view)
        self._add_dock("curves", "Training curves", self.curves_view)
        self._add_dock("loss_shape", "Loss shape", self.loss_shape_view)
        self._add_dock("derivation", "Derivation", self.derivation_view)
        self._add_dock("point_gradient", "Point gradient", self.point_gradient_view)
        self._add_dock("gradient_check", "Gradient check", self.gradient_check_view)
        self._add_dock("timeline", "Timeline", self.timeline_view)
        self._add_dock("point_table", "Points table", self.point_table_view)

        self.fps_meter = FrameRateMeter(self.dataset_view.plot, self, active=False)
        self.fps_label = FrameRateLabel(self.fps_meter)
        self.statusBar().addPermanentWidget(self.fps_label)
        self.fps_label.hide()
        self.summary_label = QLabel()
        self.summary_label.setToolTip("Full-batch loss and training accuracy of the current W and b "
                                      "(while a large dataset trains, of a step a few steps back)")
        self.statusBar().addPermanentWidget(self.summary_label)
        self.summary_updates = DeferredRefresh(self.summary_label, self._show_summary)
        # Readouts nobody can read at 60 Hz redraw at ~10 Hz while training runs.
        for updates in (self.curves_view.updates, self.weights_view.updates,
                        self.point_table_view.updates, self.derivation_view.updates,
                        self.point_gradient_view.updates, self.loss_shape_view.updates,
                        self.dataset_view.size_updates, self.dataset_view.hover_updates,
                        self.summary_updates):
            updates.follow(self.trainer, self.scene)

        self.autosaver = Autosaver(self.scene, self.view_options, parent=self)
        self.autosaver.enabled = autosave
        self._recent: list[str] = []
        self._build_menus()
        self._load_preferences()

        messages.message.connect(self._on_message)
        self.trainer.diverged.connect(self._on_message)
        self.trainer.error.connect(self._on_message)
        self.trainer.running_changed.connect(self._on_running_changed)
        self.autosaver.failed.connect(self._on_message)
        self.scene.weights_changed.connect(self._on_scene_changed)
        self.scene.dataset_changed.connect(self._on_scene_changed)
        self.scene.hyper_changed.connect(self._on_scene_changed)
        self.scene.metrics_changed.connect(self._on_scene_changed)
        self.scene.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.restore_bar.restore_button.clicked.connect(self.restore_autosave)
        self.restore_bar.discard_button.clicked.connect(self.discard_autosave)
        style.appearance.changed.connect(self._on_appearance_changed)

        self.apply_layout(self.layout_name)
        self._show_summary()
        self._on_clean_changed(True)
        self._on_appearance_changed()
        self.resize(1560, 960)
        if autosave:
            self._offer_restore()

    # -- construction ---------------------------------------------------------
    def _add_dock(self, key: str, title: str, widget) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{key}")
        scroll = PanelScroll(widget)
        scroll.short.connect(self._resize_docks_soon)
        dock.setWidget(scroll)
        self.panels[key] = widget
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(Qt.RightDockWidgetArea, dock)
        self.docks[key] = dock
        # A panel behind another tab (or closed) does no work until it is shown again.
        for updates in widget.findChildren(DeferredRefresh):
            dock.visibilityChanged.connect(updates.set_shown)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "", checkable=False):
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, (list, tuple)) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        tip = tip or text.replace("&", "").rstrip(".…")
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)  # shortcuts work wherever the focus is
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        f = self.file_menu = bar.addMenu("&File")
        self._action(f, "&New scene", self.new_scene, QKeySequence.New,
                     "Start again from the default 3-class scene")
        self._action(f, "&Open scene…", self.open_scene_dialog, QKeySequence.Open,
                     "Open a scene file (.json)")
        self.recent_menu = f.addMenu("Open &recent")
        self.examples_menu = f.addMenu("&Examples")
        for k, path in enumerate(sorted(paths.examples_dir().glob("*.json"))):
            title = path.stem.replace("_", " ").replace("-", " ").capitalize()
            self._action(self.examples_menu, title, lambda _=False, p=path: self.open_scene(p),
                         QKeySequence(f"Ctrl+Alt+{k + 1}") if k < 9 else None,
                         f"Open the sample scene {path.name}")
        f.addSeparator()
        self._action(f, "&Save scene", self.save_scene, QKeySequence.Save,
                     "Save the scene to its file (asks for a name the first time)")
        self._action(f, "Save scene &as…", self.save_scene_as, QKeySequence("Ctrl+Shift+S"),
                     "Save the scene under a new name")
        f.addSeparator()
        self._action(f, "&Import points from CSV…", self.import_csv_dialog, QKeySequence("Ctrl+Shift+I"),
                     "Replace the points by those of a CSV file (x1, x2, label)")
        self._action(f, "E&xport points as CSV…", self.export_csv_dialog, QKeySequence("Ctrl+Shift+C"),
                     "Save the points as CSV (x1, x2, label)")
        exp = f.addMenu("Export &picture")
        self._action(exp, "Whole &window as PNG…", lambda: self.export_png_dialog(self),
                     QKeySequence("Ctrl+Shift+E"), "Save a picture of the whole window")
        self._action(exp, "&Dataset plot as PNG…", lambda: self.export_png_dialog(self.dataset_view),
                     QKeySequence("Ctrl+Shift+D"), "Save a picture of the dataset plot")
        self._export_menu = exp
        self._action(f, "Export training &GIF…", self.export_gif_dialog, QKeySequence("Ctrl+Shift+G"),
                     "Record the next training steps as an animated GIF")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.Quit, "Quit Softmax Explorer")

        edit = bar.addMenu("&Edit")
        self.undo_action = self._action(edit, "&Undo", self.scene.undo, QKeySequence.Undo,
                                        "Undo the last edit")
        self.redo_action = self._action(edit, "&Redo", self.scene.redo,
                                        [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")],
                                        "Redo the edit last undone")
        self.scene.undo_stack.canUndoChanged.connect(self.undo_action.setEnabled)
        self.scene.undo_stack.canRedoChanged.connect(self.redo_action.setEnabled)
        self.scene.undo_stack.undoTextChanged.connect(self._on_undo_text_changed)
        self.scene.undo_stack.redoTextChanged.connect(self._on_redo_text_changed)
        self.undo_action.setEnabled(False)
        self.redo_action.setEnabled(False)

        train = bar.addMenu("&Training")
        self.play_action = self._action(train, "&Play / Pause", self.trainer.toggle,
                                        QKeySequence(Qt.Key_Space), "Start or pause SGD")
        self.step_action = self._action(train, "&Step", self.trainer.step,
                                        [QKeySequence(Qt.Key_S), QKeySequence(Qt.Key_Right)],
                                        "One SGD update")
        self.step_back_action = self._action(train, "Step &back", self.trainer.step_back,
                                             QKeySequence(Qt.Key_Left),
                                             "Go back one SGD step along the timeline")
        self.reset_action = self._action(train, "&Reset", self.trainer.reset, QKeySequence(Qt.Key_R),
                                         "New random weights, step 0, clear the curves")

        view = self.view_menu = bar.addMenu("&View")
        self.presentation_action = self._action(
            view, "&Presentation mode", self.set_presentation, QKeySequence(Qt.Key_F11),
            "Full screen for the projector (F11 or Escape to leave)", checkable=True)
        self._action(view, "&Larger", lambda: self.zoom(1.1),
                     [QKeySequence("Ctrl+="), QKeySequence("Ctrl++")],
                     "Larger fonts, lines and markers everywhere")
        self._action(view, "&Smaller", lambda: self.zoom(1 / 1.1), QKeySequence("Ctrl+-"),
                     "Smaller fonts, lines and markers everywhere")
        self._action(view, "&Normal size", self.reset_zoom,
                     QKeySequence("Ctrl+0"), "Back to the normal size")
        view.addSeparator()
        self.dark_action = self._action(view, "&Dark theme", self.set_dark, QKeySequence("Ctrl+D"),
                                        "Light text on a dark background", checkable=True)
        self.contrast_action = self._action(view, "&High-contrast colours", self.set_high_contrast,
                                            QKeySequence("Ctrl+Shift+H"),
                                            "More saturated class colours (colour-blind safe)",
                                            checkable=True)
        self.fps_action = self._action(view, "Show &frame rate", self.show_frame_rate,
                                       QKeySequence("Ctrl+Shift+F"),
                                       "Frames per second of the dataset plot, in the status bar",
                                       checkable=True)
        view.addSeparator()
        layouts = view.addMenu("Lesson &layout")
        self.layout_group = QActionGroup(self)
        self.layout_actions = {}
        for k, name in enumerate(LAYOUTS):
            a = self._action(layouts, name, lambda _=False, n=name: self.apply_layout(n),
                             QKeySequence(f"Ctrl+{k + 1}"), f"Show the panels of the layout “{name}”",
                             checkable=True)
            self.layout_group.addAction(a)
            self.layout_actions[name] = a
        self.panels_menu = view.addMenu("&Panels")
        for k, dock in enumerate(self.docks.values()):
            self._add_panel_toggle(dock, k)

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard shortcuts", self.show_shortcuts, QKeySequence(Qt.Key_F1),
                     "List every keyboard shortcut")
        self._action(help_menu, "&About Softmax Explorer", self._about, QKeySequence("Shift+F1"),
                     "About this app")
        self._update_recent_menu()

    def _add_panel_toggle(self, dock: QDockWidget, k: int) -> None:
        action = dock.toggleViewAction()
        if k < 9:
            action.setShortcut(QKeySequence(f"Alt+{k + 1}"))
        elif k < 18:
            action.setShortcut(QKeySequence(f"Alt+Shift+{k - 8}"))
        action.setToolTip(f"Show or hide the {dock.windowTitle()} panel")
        self.panels_menu.addAction(action)
        self.addAction(action)
        self._action(self._export_menu, f"{dock.windowTitle()} as PNG…",
                     lambda _=False, d=dock: self.export_png_dialog(d.widget().panel),
                     QKeySequence(f"Ctrl+Alt+Shift+{(k + 1) % 10}" if k < 10
                                  else f"Ctrl+Alt+Shift+F{k - 9}"),
                     tip=f"Save a picture of the {dock.windowTitle()} panel")

    def add_panel(self, key: str, title: str, widget) -> QDockWidget:
        """Add a dock panel after construction (it joins the menus and layouts)."""
        dock = self._add_dock(key, title, widget)
        self._add_panel_toggle(dock, len(self.docks) - 1)
        self.apply_layout(self.layout_name)
        return dock

    def menu_actions(self):
        """(menu title, action) of every menu action that has a shortcut or a slot."""
        out = []

        def walk(menu, title):
            for a in menu.actions():
                if a.menu() is not None:
                    walk(a.menu(), f"{title} › {a.text().replace('&', '')}")
                elif not a.isSeparator():
                    out.append((title, a))
        for top in self.menuBar().actions():
            if top.menu() is not None:
                walk(top.menu(), top.text().replace("&", ""))
        return out

    # -- preferences ------------------------------------------------------------
    def _load_preferences(self) -> None:
        s = settings()
        try:
            style.appearance.set_scale(float(s.value("appearance/scale", 1.0)))
        except (TypeError, ValueError):
            pass
        theme = s.value("appearance/theme", "light")
        palette = s.value("appearance/palette", "okabe-ito")
        if theme in style.THEMES:
            style.appearance.set_theme(theme)
        if palette in style.PALETTES:
            style.appearance.set_palette(palette)
        recent = s.value("recent", [])
        if isinstance(recent, str):
            recent = [recent]
        self._recent = [r for r in (recent or []) if isinstance(r, str)][:MAX_RECENT]
        layout = s.value("layout", DEFAULT_LAYOUT)
        if layout in LAYOUTS:
            self.layout_name = layout
        self._update_recent_menu()

    def _save_preferences(self) -> None:
        s = settings()
        s.setValue("appearance/scale", style.appearance.scale)
        s.setValue("appearance/theme", style.appearance.theme)
        s.setValue("appearance/palette", style.appearance.palette)
        s.setValue("recent", self._recent)
        s.setValue("layout", self.layout_name)
        s.sync()

    def _add_recent(self, path: Path) -> None:
        p = str(Path(path).resolve())
        self._recent = [p] + [r for r in self._recent if r != p]
        self._recent = self._recent[:MAX_RECENT]
        self._update_recent_menu()
        self._save_preferences()

    def _update_recent_menu(self) -> None:
        if not hasattr(self, "recent_menu"):
            return
        self.recent_menu.clear()
        for path in self._recent:
            a = self.recent_menu.addAction(Path(path).name)
            a.setToolTip(path)
            a.triggered.connect(lambda _=False, p=path: self.open_scene(Path(p)))
        self.recent_menu.setEnabled(bool(self._recent))

    # -- view options, layouts, appearance --------------------------------------
    def view_options(self) -> dict:
        """What a scene file keeps of the window: the layout and the visible panels."""
        return {
            "layout": self.layout_name,
            "panels": sorted(k for k, d in self.docks.items() if d.isVisible()),
        }

    def apply_view_options(self, view: dict) -> None:
        layout = view.get("layout")
        if isinstance(layout, str) and layout in LAYOUTS:
            self.apply_layout(layout)
        panels = view.get("panels")
        if isinstance(panels, list) and all(isinstance(p, str) for p in panels):
            for key, dock in self.docks.items():
                dock.setVisible(key in panels)

    def apply_layout(self, name: str) -> None:
        """Arrange the panels as the lesson layout ``name`` (see layouts.py)."""
        if name not in LAYOUTS:
            raise ValueError(f"unknown layout {name!r}; expected one of {', '.join(LAYOUTS)}")
        spec = LAYOUTS[name]
        self.layout_name = name
        for dock in self.docks.values():
            self.removeDockWidget(dock)
            dock.hide()
        on_top = set()
        for area, groups in ((Qt.LeftDockWidgetArea, spec["left"]),
                             (Qt.RightDockWidgetArea, spec["right"])):
            for group in groups:
                present = [self.docks[k] for k in group if k in self.docks]
                if not present:
                    continue
                first = present[0]
                self.addDockWidget(area, first, Qt.Vertical)
                first.show()
                for dock in present[1:]:
                    self.tabifyDockWidget(first, dock)
                    dock.show()
                first.raise_()
                on_top.add(first)
        # Which panels can be seen (Qt confirms with visibilityChanged once the window
        # shows): a panel behind a tab does no work until its tab is chosen.
        for dock in self.docks.values():
            for updates in dock.widget().panel.findChildren(DeferredRefresh):
                updates.set_shown(dock in on_top)
        self.dataset_view.setVisible(spec["central"])
        self._size_docks()
        self._resize_docks_soon()  # (again once the docks have their places: their sizes
        # and tab bars are what the sharing-out reads)
        if name in getattr(self, "layout_actions", {}):
            self.layout_actions[name].setChecked(True)

    def _size_docks(self) -> None:
        """Give the layout's columns and groups their widths and relative heights."""
        spec = LAYOUTS[self.layout_name]
        columns = {side: [g for g in ([self.docks[k] for k in group if k in self.docks]
                                      for group in spec[side]) if g]
                   for side in ("left", "right")}
        shown = {side: [self._shown_dock(g) for g in groups] for side, groups in columns.items()}
        if shown["left"] or shown["right"]:
            self.resizeDocks(shown["left"] + shown["right"], self._column_widths(spec, columns, shown),
                             Qt.Horizontal)
        for side, groups in columns.items():
            heights = spec.get(f"{side}_heights")
            if heights and len(heights) == len(groups):
                self.resizeDocks(shown[side], self._group_heights(groups, heights), Qt.Vertical)

    @staticmethod
    def _shown_dock(group: list[QDockWidget]) -> QDockWidget:
        """The dock of a tabbed group whose tab is chosen (the first, before the window shows)."""
        return next((d for d in group if not d.visibleRegion().isEmpty()), group[0])

    def _resize_docks_soon(self) -> None:
        """A panel in view needs more room than its dock has (a selected point's banner,
        a tab chosen, a longer text): share the columns out again once events settle, so
        that it gets the room from its neighbours where they have it to spare."""
        if getattr(self, "_sized_once", False):
            self._resize_timer.start()

    def _column_widths(self, spec, columns, shown) -> list[int]:
        """Widths for the docks ``shown["left"] + shown["right"]`` (the dock in view of each
        group of ``columns``): the layout's width, or what the column's widest panel needs
        if more, where the window has room beside the central plot; else shares of that
        room in proportion to those needs (the panels scroll: ``PanelScroll``). Without
        the plot, the columns share the window's width in that proportion."""
        width = 460 if spec["central"] else 700
        sides = [side for side in ("left", "right") if shown[side]]
        want = []
        for side in sides:
            first = shown[side][0]
            frame = max(0, first.minimumSizeHint().width() - first.widget().minimumSizeHint().width())
            widest = max(d.widget().need().width() for group in columns[side] for d in group)
            want.append(max(width, frame + widest))
        if self.isVisible():
            separator = self.style().pixelMetric(QStyle.PM_DockWidgetSeparatorExtent)
            if spec["central"]:
                room = self.width() - self.dataset_view.minimumSizeHint().width() - 2 * separator - 4
                if sum(want) > room > 0:
                    want = [max(1, room * w // sum(want)) for w in want]
            else:  # (no plot between them: the columns fill the window)
                room = self.width() - separator * (len(sides) - 1)
                if room > 0:
                    want = [max(1, room * w // sum(want)) for w in want]
        return [w for side, w in zip(sides, want) for _ in shown[side]]

    def _tab_bar_height(self, dock: QDockWidget) -> int:
        """The height of the tab bar under ``dock``'s group (0 if it has none): Qt puts a
        tabbed group's bar, a child of the main window, right under its docks."""
        below = dock.geometry().bottom()
        for bar in self.findChildren(QTabBar, options=Qt.FindDirectChildrenOnly):
            if bar.isVisible() and abs(bar.x() - dock.x()) <= 2 and 0 <= bar.y() - below <= 3:
                return bar.height()
        return 0

    def _group_heights(self, groups, shares) -> list[int]:
        """Heights for the dock groups of one column, as ``resizeDocks`` takes them (a
        tabbed group's with its tab bar): each gets what its panel in view needs where the
        column has room for all of them, and the rest of the column in the layout's
        ``shares``; where it has not, the groups from the top get what they need and the
        ones below the rest, each at least a strip to scroll in (``PanelScroll``)."""
        docks = [self._shown_dock(g) for g in groups]  # (the panel in view decides: the
        # others scroll if they must)
        bars = [self._tab_bar_height(d) for d in docks]
        total = sum(d.height() + bar for d, bar in zip(docks, bars))
        if not self.isVisible() or total <= 0:  # (before the window shows: the shares)
            return [10 * h for h in shares]
        need, strip = [], []
        for shown, bar in zip(docks, bars):
            title = max(0, shown.height() - shown.widget().height())  # (its title bar)
            need.append(title + bar + shown.widget().need().height())
            strip.append(min(need[-1], title + bar + shown.widget().least_size().height()))
        if sum(need) > total:
            # (if even the strips do not fit: each a share in proportion to its need)
            if sum(strip) > total:
                return [max(1, round(total * n / sum(need))) for n in need]
            sizes = []
            for i, n in enumerate(need):
                sizes.append(min(n, total - sum(sizes) - sum(strip[i + 1:])))
            sizes[-1] = total - sum(sizes[:-1])
            return sizes
        sizes = [0.0] * len(docks)
        free = list(range(len(docks)))
        while True:  # the groups whose share is below their minimum get their minimum
            left = total - sum(sizes[i] for i in range(len(docks)) if i not in free)
            weight = sum(shares[i] for i in free)
            short = [i for i in free if left * shares[i] / weight < need[i]]
            if not short:
                for i in free:
                    sizes[i] = left * shares[i] / weight
                return [round(v) for v in sizes]
            for i in short:
                sizes[i] = need[i]
                free.remove(i)
            if not free:
                return [round(v) for v in sizes]

    def showEvent(self, event) -> None:  # noqa: N802 - Qt name
        super().showEvent(event)
        if not getattr(self, "_sized_once", False):
            self._sized_once = True
            QTimer.singleShot(0, self._size_docks)  # once the window has its real size

    def zoom(self, factor: float) -> None:
        style.appearance.set_scale(round(style.appearance.scale * factor, 3))
        self._save_preferences()

    def reset_zoom(self) -> None:
        style.appearance.set_scale(1.0)
        self._save_preferences()

    def set_dark(self, on: bool) -> None:
        style.appearance.set_theme("dark" if on else "light")
        self._save_preferences()

    def set_high_contrast(self, on: bool) -> None:
        style.appearance.set_palette("high-contrast" if on else "okabe-ito")
        self._save_preferences()

    def show_frame_rate(self, on: bool) -> None:
        """View > Show frame rate: a live fps readout of the dataset plot."""
        if on:
            self.fps_meter.reset()
            self.fps_meter.start()
        else:
            self.fps_meter.stop()
        self.fps_label.setVisible(on)
        if self.fps_action.isChecked() != on:
            self.fps_action.setChecked(on)

    def set_presentation(self, on: bool) -> None:
        """Full screen for the projector; the menu bar stays for the keyboard."""
        if on:
            self._normal_geometry = self.saveGeometry()
            self.showFullScreen()
        else:
            self.showNormal()
            geometry = getattr(self, "_normal_geometry", None)
            if geometry is not None:
                self.restoreGeometry(geometry)
        if self.presentation_action.isChecked() != on:
            self.presentation_action.setChecked(on)

    def _on_appearance_changed(self) -> None:
        app = QApplication.instance()
        f = app.font()
        f.setPointSize(style.point_size(style.BASE_POINT_SIZE))
        app.setFont(f)
        dark = style.appearance.theme == "dark"
        if dark:
            pal = QPalette()
            bg, fg, base = QColor("#2b2b2b"), QColor("#f0f0f0"), QColor("#1e1e1e")
            for role, color in ((QPalette.Window, bg), (QPalette.WindowText, fg), (QPalette.Base, base),
                                (QPalette.AlternateBase, bg), (QPalette.Text, fg),
                                (QPalette.Button, QColor("#3a3a3a")), (QPalette.ButtonText, fg),
                                (QPalette.ToolTipBase, QColor("#3a3a3a")), (QPalette.ToolTipText, fg),
                                (QPalette.Highlight, QColor("#2f6fb5")),
                                (QPalette.HighlightedText, QColor("#ffffff")),
                                (QPalette.PlaceholderText, QColor("#a0a0a0"))):
                pal.setColor(role, color)
            app.setPalette(pal)
        else:
            app.setPalette(app.style().standardPalette())
        self.dark_action.setChecked(dark)
        self.contrast_action.setChecked(style.appearance.palette == "high-contrast")
        self.summary_label.setFont(f)
        self._show_summary()  # its fixed size, fitted to the new font
        if style.appearance.scale != getattr(self, "_docks_scale", style.appearance.scale):
            self._resize_docks_soon()  # (the panels' needs moved with the scale)
        self._docks_scale = style.appearance.scale

    # -- files ---------------------------------------------------------------------
    def _confirm_discard(self) -> bool:
        """True if the current scene may be replaced (saved, clean, or the user agrees)."""
        if self.scene.undo_stack.isClean() or not self.ask_before_closing:
            return True
        answer = self._ask_save_changes()
        if answer == QMessageBox.Save:
            return self.save_scene()
        return answer == QMessageBox.Discard

    def _ask_save_changes(self):
        name = self.file_path.name if self.file_path else "the current scene"
        return QMessageBox.question(
            self, "Unsaved changes", f"Save the changes to {name}?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)

    def new_scene(self) -> None:
        if not self._confirm_discard():
            return
        self.trainer.pause()
        fresh = Scene(seed=None)
        self.scene.restore(fresh.data, "New scene")
        self.scene.select(None)
        self.file_path = None
        self.scene.undo_stack.setClean()
        self._update_title()

    def open_scene_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open scene", self._dialog_dir(), SCENE_FILTER)
        if path:
            self.open_scene(Path(path))

    def open_scene(self, path: Path) -> bool:
        """Open a scene file; a bad file shows a message and changes nothing."""
        if not self._confirm_discard():
            return False
        self.trainer.pause()
        try:
            view = self.scene.load_file(path)
        except scene_io.SceneFileError as exc:
            self._error("Could not open the scene", str(exc))
            return False
        self.apply_view_options(view)
        is_example = Path(path).resolve().parent == paths.examples_dir().resolve()
        self.file_path = None if is_example else Path(path)
        self.scene.undo_stack.setClean()
        if not is_example:
            self._add_recent(Path(path))
        self._update_title()
        self._on_message(f"Opened {Path(path).name}")
        return True

    def save_scene(self) -> bool:
        if self.file_path is None:
            return self.save_scene_as()
        return self.save_scene_to(self.file_path)

    def save_scene_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save scene", self._dialog_dir("scene.json"),
                                              SCENE_FILTER)
        if not path:
            return False
        if not path.lower().endswith(".json"):
            path += ".json"
        return self.save_scene_to(Path(path))

    def save_scene_to(self, path: Path) -> bool:
        try:
            self.scene.save_file(path, self.view_options())
        except (OSError, ValueError) as exc:
            self._error("Could not save the scene", f"{Path(path).name}: {exc}")
            return False
        self.file_path = Path(path)
        self.scene.undo_stack.setClean()
        self._add_recent(Path(path))
        self._update_title()
        self._on_message(f"Saved {Path(path).name}")
        return True

    def import_csv_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import points", self._dialog_dir(),
                                              "CSV files (*.csv);;All files (*)")
        if path:
            self.import_csv(Path(path))

    def import_csv(self, path: Path) -> bool:
        self.trainer.pause()
        try:
            n = self.scene.import_csv(path)
        except scene_io.SceneFileError as exc:
            self._error("Could not import the points", str(exc))
            return False
        self._on_message(f"Imported {n} points from {Path(path).name}")
        return True

    def export_csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export points", self._dialog_dir("points.csv"),
                                              "CSV files (*.csv)")
        if path:
            self.export_csv(Path(path))

    def export_csv(self, path: Path) -> bool:
        try:
            self.scene.export_csv(path)
        except OSError as exc:
            self._error("Could not export the points", f"{Path(path).name}: {exc}")
            return False
        self._on_message(f"Exported {self.scene.n_points} points to {Path(path).name}")
        return True

    def export_png_dialog(self, widget) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export picture", self._dialog_dir("picture.png"),
                                              "PNG images (*.png)")
        if path:
            if not path.lower().endswith(".png"):
                path += ".png"
            self.export_png(widget, Path(path))

    def export_png(self, widget, path: Path) -> bool:
        # A panel behind a tab (or throttled while training) may show an older scene.
        for updates in widget.findChildren(DeferredRefresh):
            updates.flush()
        try:
            export.save_png(widget, path)
        except OSError as exc:
            self._error("Could not export the picture", str(exc))
            return False
        self._on_message(f"Saved {Path(path).name}")
        return True

    def export_gif_dialog(self) -> None:
        frames, ok = QInputDialog.getInt(self, "Training GIF", "Frames (each is one frame of "
                                         f"{self.scene.steps_per_frame} SGD steps):", 60, 2,
                                         export.GIF_MAX_FRAMES)
        if not ok:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save training GIF", self._dialog_dir("training.gif"),
                                              "GIF animations (*.gif)")
        if path:
            if not path.lower().endswith(".gif"):
                path += ".gif"
            self.export_gif(Path(path), frames)

    def export_gif(self, path: Path, frames: int, show_progress: bool = True) -> int:
        """Train ``frames - 1`` frames while recording the dataset plot; returns frames written.

        A progress dialog can cancel it; the training done stays (one undo entry).
        """
        self.trainer.pause()
        if self.scene.n_points == 0:
            self._on_message("Add some points before recording training")
            return 0
        dialog = None
        if show_progress:
            dialog = QProgressDialog("Recording the training GIF…", "Cancel", 0, frames, self)
            dialog.setWindowModality(Qt.WindowModal)
            dialog.setMinimumDuration(300)

        def advance():
            if not self.trainer.run_frame():
                return None
            QApplication.processEvents()
            return f"step {self.scene.step}"

        def progress(k, total):
            if dialog is None:
                return True
            dialog.setValue(k)
            QApplication.processEvents()
            return not dialog.wasCanceled()

        try:
            self.dataset_view.update_regions()
            n = export.record_gif(path, frames, advance,
                                  lambda: self.dataset_view.grab().toImage(), progress=progress)
        except (OSError, ValueError) as exc:
            self._error("Could not record the GIF", f"{Path(path).name}: {exc}")
            n = 0
        finally:
            self.trainer.finish_run()
            if dialog is not None:
                dialog.close()
        if n:
            self._on_message(f"Saved {Path(path).name} ({n} frames)")
        return n

    def _dialog_dir(self, name: str = "") -> str:
        base = self.file_path.parent if self.file_path else Path.home()
        return str(base / name) if name else str(base)

    # -- autosave ----------------------------------------------------------------------
    def _offer_restore(self) -> None:
        if not self.autosaver.exists():
            return
        try:
            scene_io.load_scene(self.autosaver.path)
        except scene_io.SceneFileError:
            self.autosaver.discard()
            return
        self.restore_bar.label.setText(
            "Your last session ended with unsaved work. Restore the autosaved scene?")
        self.restore_bar.show()

    def restore_autosave(self) -> bool:
        self.restore_bar.hide()
        try:
            view = self.scene.load_file(self.autosaver.path)
        except scene_io.SceneFileError as exc:
            self._error("Could not restore the autosaved scene", str(exc))
            return False
        self.apply_view_options(view)
        self._on_message("Restored the autosaved scene (Ctrl+Z undoes it)")
        return True

    def discard_autosave(self) -> None:
        self.restore_bar.hide()
        self.autosaver.discard()

    # -- slots ------------------------------------------------------------------------
    def _on_message(self, text: str) -> None:
        self.statusBar().showMessage(text, 10_000)

    def _error(self, title: str, text: str) -> None:
        """A bad file or a failed write: say so without blocking the lesson."""
        self._on_message(text)
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.setModal(False)
        box.show()
        self.last_error = text

    def _on_running_changed(self, running: bool) -> None:
        self.autosaver.training = running

    def _on_undo_text_changed(self, text: str) -> None:
        self.undo_action.setText(f"&Undo {text}".strip())

    def _on_redo_text_changed(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}".strip())

    def _on_clean_changed(self, _clean: bool) -> None:
        self._update_title()

    def _update_title(self) -> None:
        name = self.file_path.name if self.file_path else "untitled"
        self.setWindowTitle(f"{name}[*] — Softmax Explorer")
        self.setWindowModified(not self.scene.undo_stack.isClean())

    def _on_scene_changed(self) -> None:
        self.summary_updates.request()

    def _show_summary(self) -> None:
        s = self.scene
        m = s.metrics()
        terms, acc = m.terms, m.accuracy
        if terms is None and s.n_points:  # (W that the engine cannot evaluate)
            text = f"{s.n_points} points · step {s.step}"
        elif terms is None:
            text = f"{s.n_points} points — add points or choose a preset"
        else:
            text = (f"{s.n_points} points · step {s.step} · loss {terms.total:.4f} · "
                    f"accuracy {100 * acc:.1f}%")
        # (a fixed size: a new text at every training frame must not lay the status bar out)
        set_steady_text(self.summary_label, text,
                        f"{s.n_points} points · step 000000 · loss 0.0000 · accuracy 100.0%")

    def show_shortcuts(self) -> None:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        self.shortcuts_dialog = dialog

    def _about(self) -> None:
        box = QMessageBox(QMessageBox.Information, "About Softmax Explorer",
                          f"<h3>Softmax Explorer {html.escape(__version__)}</h3>"
                          "<p>Edit class scores, weights and data, and watch the softmax "
                          "probabilities, the gradient p − onehot(y) and SGD move live.</p>",
                          QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.setModal(False)
        box.show()

    # -- events ----------------------------------------------------------------------
    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt name
        if event.key() == Qt.Key_Escape and self.isFullScreen():
            self.set_presentation(False)
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt name
        self.trainer.pause()
        if not self._confirm_discard():
            event.ignore()
            return
        self.autosaver.discard()
        self._save_preferences()
        style.appearance.changed.disconnect(self._on_appearance_changed)
        event.accept()
