"""Background work of hardship relief: batch grants run as `django.tasks` jobs."""

from gonghui.core import jobs
from gonghui.relief.services import run_batch_grant

jobs.register("relief.batch_grant", run_batch_grant)
