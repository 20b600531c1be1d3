"""Settings for the test suite: the real ones, with test keys and in-process SMS and tasks."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdefghijkl")
os.environ.setdefault("GONGHUI_DATA_KEY", "test-data-key-0123456789")
os.environ["GONGHUI_TESTING"] = "1"
os.environ["GONGHUI_HTTPS"] = "0"
os.environ["GONGHUI_SMS_BACKEND"] = "gonghui.core.sms.MemoryBackend"
# Each pytest-xdist worker its own folder (uploads, exports, job files), as it has its own database.
os.environ.setdefault("GONGHUI_VAR_DIR", str(ROOT / "var" / ("test-" + os.environ.get("PYTEST_XDIST_WORKER", "main"))))

from gonghui.settings import *  # noqa: E402, F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405 - WhiteNoise looks for it at start
