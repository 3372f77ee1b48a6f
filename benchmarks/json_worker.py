"""The worker end of a cross-check script run in another interpreter: jobs as JSON on stdin,
results as JSON on stdout; anything the tool under test prints goes to stderr."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Callable


def serve(run_jobs: Callable[[list], list]) -> None:
    jobs = json.load(sys.stdin)
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        results = run_jobs(jobs)
    json.dump(results, real_stdout)
