"""What the service layer reports about its own work (assessments, propagations), for whoever watches it.

The domain knows nothing of metrics libraries: it names an event and how long it took, and the HTTP side
(:mod:`api.operations`) subscribes an observer that turns the reports into Prometheus metrics. With no observer,
a report costs one empty loop.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sized
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

#: ``observer(event, seconds, count)``: `event` names the work ("assessment", "propagation"), `count` how many
#: things it covered (the length of what the work returned: batches assessed, say; 0 when it returns nothing).
Observer = Callable[[str, float, int], None]

OBSERVERS: list[Observer] = []


def subscribe(observer: Observer) -> None:
    """Add `observer` once (an app factory run twice in one process subscribes the same function once)."""
    if observer not in OBSERVERS:
        OBSERVERS.append(observer)


def report(event: str, seconds: float, count: int) -> None:
    for observer in OBSERVERS:
        observer(event, seconds, count)


def timed(event: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Report each call of the decorated function as `event`, with its duration and the size of its result."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            if not OBSERVERS:
                return func(*args, **kwargs)
            started = time.perf_counter()
            result: Any = None
            try:
                result = func(*args, **kwargs)
                return result
            finally:
                report(event, time.perf_counter() - started, len(result) if isinstance(result, Sized) else 0)

        return run

    return decorate
