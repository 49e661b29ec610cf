import os

# GUI tests run without a display unless told otherwise.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
