"""Exporting pictures: a PNG of any widget, an animated GIF of a training run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter

from . import scene_io

GIF_MAX_FRAMES = 600


def save_png(widget, path) -> None:
    """Save what ``widget`` shows (with its children) as a PNG; OSError on failure."""
    image = widget.grab().toImage()
    if image.isNull():
        raise OSError("nothing to capture (the widget is not visible)")
    if not image.save(str(path), "PNG"):
        raise OSError(f"could not write {Path(path).name}")


def qimage_to_rgb(image: QImage) -> np.ndarray:
    """An (H, W, 3) uint8 copy of a QImage."""
    img = image.convertToFormat(QImage.Format_RGB888)
    w, h, stride = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=img.sizeInBytes())
    return buf.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).copy()


def stamp(image: QImage, text: str) -> QImage:
    """Write ``text`` (e.g. the step) in the top-left corner of a copy of ``image``."""
    out = image.convertToFormat(QImage.Format_RGB32)
    painter = QPainter(out)
    font = QFont()
    font.setPointSize(max(10, out.height() // 40))
    font.setBold(True)
    painter.setFont(font)
    rect = QRect(8, 6, out.width() - 16, font.pointSize() * 2 + 8)
    painter.fillRect(painter.boundingRect(rect, Qt.AlignLeft | Qt.AlignTop, text).adjusted(-4, -2, 4, 2),
                     QColor(255, 255, 255, 210))
    painter.setPen(QColor(0, 0, 0))
    painter.drawText(rect, Qt.AlignLeft | Qt.AlignTop, text)
    painter.end()
    return out


def record_gif(path, frames: int, advance, capture, frame_ms: int = 80, progress=None) -> int:
    """Record an animated GIF of ``frames`` frames; returns the frames written.

    ``advance()`` moves the animation one frame on (e.g. runs SGD steps) and
    returns a caption for the frame or None to stop early; ``capture()``
    returns a QImage. ``progress(k, frames)`` is called after each frame and
    returns False to cancel (then nothing is written and 0 is returned).
    Frames carry their caption, so consecutive frames always differ.
    """
    from PIL import Image

    if not 1 <= frames <= GIF_MAX_FRAMES:
        raise ValueError(f"a GIF has between 1 and {GIF_MAX_FRAMES} frames, got {frames}")
    images = []
    for k in range(frames):
        caption = advance() if k else "start"
        if caption is None:
            break
        images.append(Image.fromarray(qimage_to_rgb(stamp(capture(), caption))))
        if progress is not None and progress(k + 1, frames) is False:
            return 0
    if not images:
        return 0
    tmp = Path(path).with_name(f".{Path(path).name}.tmp")
    images[0].save(tmp, format="GIF", save_all=True, append_images=images[1:],
                   duration=frame_ms, loop=0, optimize=False)
    tmp.replace(path)
    return len(images)


def export_csv(scene, path) -> None:
    scene_io.save_csv(path, scene.X, scene.y)
