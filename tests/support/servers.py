"""Waiting for a server process the tests started."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Callable
from http.client import HTTPResponse
from pathlib import Path

import pytest


def wait_until_up(url: str, proc: subprocess.Popen, log: Path, name: str,
                  ready: Callable[[HTTPResponse], bool], timeout_s: float = 120) -> None:
    """Poll ``url`` until ``ready(response)``; fail with the server's log when the process
    ends or ``timeout_s`` passes."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if ready(resp):
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{name} did not start:\n{log.read_text('utf-8', 'replace')[-3000:]}")
        time.sleep(0.5)
