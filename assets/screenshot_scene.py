"""Open the window in one of the states the README's screenshots show.

    python assets/screenshot_scene.py inspector    # or: default, training, features

then capture the 1560 x 960 window with any screenshot tool.

Uses a throwaway data directory, so it never touches your autosave or preferences.
"""

import os
import sys
import tempfile

os.environ.setdefault("SOFTMAX_EXPLORER_DATA_DIR", tempfile.mkdtemp(prefix="softmax-shot-"))

from explorer.app import make_application  # noqa: E402


def main(name: str) -> int:
    app = make_application()
    from explorer.main_window import MainWindow

    w = MainWindow()
    s = w.scene
    if name == "training":
        for _ in range(60):
            w.trainer.step()
    elif name == "inspector":
        for _ in range(25):
            w.trainer.step()
        w.apply_layout("Point inspector")
        s.select(int((s.point_losses()).argmax()))  # the point the model gets most wrong
    elif name == "features":
        s.set_n_classes(2)
        s.load_preset("circles", 300, None, 0)
        s.set_features(["x1^2", "x2^2"])
        s.set_lr(0.2)
        for _ in range(300):
            w.trainer.step()
    elif name != "default":
        print(f"unknown state {name!r}", file=sys.stderr)
        return 2
    s.undo_stack.setClean()
    w.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "default"))
