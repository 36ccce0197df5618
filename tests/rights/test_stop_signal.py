"""A stop signal is never lost: Python may run the handler inside a finalizer, where the
exception it raises is printed and dropped; the worker still sees the stop."""

from __future__ import annotations

import gc
import os
import signal

import pytest

from consentry.rights.worker import StopRequested, stop_on_signals


class _SignalsItselfWhenCollected:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(1000):  # the handler runs here, inside the finalizer
            pass


def test_a_stop_raised_inside_a_finalizer_is_still_seen(recwarn):
    with stop_on_signals() as stop:
        assert not stop.requested()
        try:
            _SignalsItselfWhenCollected()
            gc.collect()
        except StopRequested:
            pass  # delivered outside the finalizer this time: nothing was dropped
        assert stop.requested() and stop.name == "SIGTERM"
        with pytest.raises(StopRequested):
            stop.check()
    assert signal.getsignal(signal.SIGTERM) is not None  # the previous handler is back


def test_no_signal_no_stop():
    with stop_on_signals() as stop:
        stop.check()
        assert not stop.requested()
