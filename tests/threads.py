"""Running one piece of work in several threads at once, as concurrent requests or workers do."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def at_once(job: Callable[[], Any], times: int = 2, *, start_together: bool = True) -> list:
    """What `job()` returned in each of `times` threads, in the order they finished, or the repr
    of what it raised (any error is a bug the calling test must show). With `start_together` the
    threads wait for each other before calling it; each closes its own database connections."""
    barrier = threading.Barrier(times)
    outcomes: list = []

    def run():
        try:
            if start_together:
                barrier.wait()
            outcomes.append(job())
        except Exception as exc:
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
