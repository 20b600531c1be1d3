"""The `gonghui` command: every management command of the project, with `.env` loaded first."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main() -> None:
    from dotenv import load_dotenv

    env_file = Path(os.environ.get("GONGHUI_ENV_FILE", Path.cwd() / ".env"))
    if env_file.is_file():
        load_dotenv(env_file, override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gonghui.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "gonghui"
    # `gonghui audit-purge` and `gonghui audit_purge` both work.
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
