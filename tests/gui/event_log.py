"""What events widgets receive: a filter that records the receivers of chosen event types."""

from PySide6.QtCore import QObject


class EventLog(QObject):
    """``EventLog(QEvent.Paint).watch(a, b)`` records in ``seen`` each widget among ``a``,
    ``b`` that receives a paint event, in order; ``stop()`` removes the filter."""

    def __init__(self, *types):
        super().__init__()
        self.types = set(types)
        self.seen = []
        self._watched = []

    def watch(self, *widgets) -> "EventLog":
        for w in widgets:
            w.installEventFilter(self)
            self._watched.append(w)
        return self

    def stop(self) -> None:
        for w in self._watched:
            w.removeEventFilter(self)
        self._watched = []

    def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
        if event.type() in self.types:
            self.seen.append(obj)
        return False
