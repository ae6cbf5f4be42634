"""The servers a tool runs together (``serve``, ``prod-preview``), stopped together."""

from __future__ import annotations

import subprocess


def stop(processes: list[subprocess.Popen]) -> None:
    """Ask each to stop (SIGTERM), then wait; one that does not within 10 s is killed."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
