"""Command line entry point: ``softmax-explorer`` and ``python -m explorer``.

Arguments are parsed before Qt is imported, so ``--help`` and ``--version``
work on a machine without a display.
"""

from __future__ import annotations

import argparse
import gc
import sys

from . import __version__


def build_parser() -> argparse.ArgumentParser:
    from .engine import DATASETS  # pure NumPy, no Qt

    parser = argparse.ArgumentParser(
        prog="softmax-explorer",
        description="Softmax Explorer: edit class scores, weights and data, and watch the "
                    "softmax probabilities, the gradient p - onehot(y) and SGD move live.",
    )
    parser.add_argument("scene", nargs="?", metavar="SCENE.json",
                        help="a scene file to open (saved with File > Save scene)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--preset", choices=sorted(DATASETS), metavar="NAME",
                        help="start with this dataset: " + ", ".join(sorted(DATASETS)))
    parser.add_argument("--classes", type=int, metavar="C",
                        help="number of classes to start with (2-10)")
    parser.add_argument("--presentation", action="store_true",
                        help="start full screen, for a projector (F11 or Escape leaves)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.classes is not None and not 2 <= args.classes <= 10:
        print(f"softmax-explorer: --classes must be between 2 and 10, got {args.classes}",
              file=sys.stderr)
        return 2
    scene_fields = None
    if args.scene is not None:
        from . import scene_io  # no Qt: bad files are reported without a display

        try:
            scene_fields = scene_io.load_scene(args.scene)
        except scene_io.SceneFileError as exc:
            print(f"softmax-explorer: error: {exc}", file=sys.stderr)
            return 2
    # Start-up builds ~60,000 objects that live as long as the window: collecting garbage
    # while they pile up costs ~0.1 s and finds next to nothing. run() then collects from
    # the event loop (app.GarbageCollector).
    gc.disable()
    from .app import run  # imports Qt

    return run(args, scene_fields)


if __name__ == "__main__":
    sys.exit(main())
