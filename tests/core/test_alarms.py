"""The one thread that runs the loading animation's delayed calls."""
from __future__ import annotations

import threading

from bot.dispatch import Alarms


def test_alarms_run_in_order_and_cancelled_ones_do_not_run():
    alarms = Alarms()  # due times rise with each call, however slow the machine
    calls: list[str] = []
    done = threading.Event()
    alarms.after(0.02, lambda: calls.append("first"))
    alarms.after(0.03, lambda: calls.append("cancelled")).cancel()
    alarms.after(0.04, lambda: (calls.append("last"), done.set()))
    assert done.wait(10)
    assert calls == ["first", "last"]


def test_a_failing_call_does_not_stop_the_next():
    alarms = Alarms()
    done = threading.Event()
    alarms.after(0.0, lambda: 1 / 0)
    alarms.after(0.01, done.set)
    assert done.wait(10)
