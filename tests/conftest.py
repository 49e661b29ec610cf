import os
import tempfile

# GUI tests run without a display unless told otherwise.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Autosave, preferences and logs of the tests go to a throwaway directory,
# never to the user's real data directory.
os.environ["SOFTMAX_EXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="softmax-explorer-tests-")
