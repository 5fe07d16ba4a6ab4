"""Ingest jobs of `rag serve` whose worker process died are reported as failed, not as
running forever (their state lives in files that every worker reads)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from rag.server.resources import Resources
from tests.conftest import make_settings


def test_job_of_a_dead_worker_fails(tmp_path: Path) -> None:
    jobs = Resources(make_settings(tmp_path)).jobs
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = jobs.new("quelle")
    job.update(status="running", pid=dead.pid)
    job["files"] = [{"name": "a.txt", "status": "running", "error": None},
                    {"name": "b.txt", "status": "ingested", "error": None}]
    jobs.save(job)
    seen = jobs.get(job["id"])
    assert seen["status"] == "failed" and seen["ok"] is False
    assert seen["files"][0]["status"] == "failed"
    assert "Server-Prozess wurde beendet" in seen["files"][0]["error"]
    assert seen["files"][1]["status"] == "ingested"  # what was done stays done
    assert jobs.get(job["id"])["status"] == "failed"  # saved

    alive = jobs.new("quelle")  # this process is its worker
    jobs.save(alive)
    assert jobs.get(alive["id"])["status"] == "queued"
    assert jobs.get("../../etc/passwd") is None
