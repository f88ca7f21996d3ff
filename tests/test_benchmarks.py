"""The benchmark script runs (help and dry mode). It is not a test of speed: nothing here measures or asserts a time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_help_lists_every_section():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True, text=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for word in ("--runs", "--only", "--dry-run", "thousand", "rss", "broken"):
        assert word in proc.stdout


def test_dry_run_generates_workloads_without_building(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TF_LSP_BENCH_DIR": str(tmp_path / "bench")}
    proc = subprocess.run([sys.executable, str(SCRIPT), "--dry-run"], capture_output=True, text=True, check=False, timeout=120,
                          env=env)
    assert proc.returncode == 0, proc.stderr
    assert "generated tree ok (201 files" in proc.stdout
    assert not (tmp_path / "bench").exists()          # a dry run builds nothing


def test_unknown_section_is_refused():
    proc = subprocess.run([sys.executable, str(SCRIPT), "--only", "nonsense"], capture_output=True, text=True, check=False,
                          timeout=60)
    assert proc.returncode != 0
    assert "unknown sections: nonsense" in proc.stderr
