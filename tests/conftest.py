import gc
import os
import tempfile

import pytest

# GUI tests run without a display unless told otherwise.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Autosave, preferences and logs of the tests go to a throwaway directory,
# never to the user's real data directory.
os.environ["SOFTMAX_EXPLORER_DATA_DIR"] = tempfile.mkdtemp(prefix="softmax-explorer-tests-")


def pytest_configure(config):
    # As in the app (explorer.app.GarbageCollector): no automatic garbage collection, which
    # may run inside Qt's signal and slot machinery (and wait forever for its lock when it
    # destroys a QObject there); what is due is collected between tests.
    gc.disable()


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    yield  # (every fixture torn down: widgets closed and deleted)
    from explorer.app import collect_due_garbage

    collect_due_garbage()
