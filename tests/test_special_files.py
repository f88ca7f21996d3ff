"""Special files where tf-lsp expects regular ones: FIFOs, devices, symlink loops, huge files. Each case must end
quickly with a message naming what was skipped (pytest-timeout ends the test if anything blocks)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.badinput import record_row, site_packages, tf_lsp, write_dist
from tests.wheelmaker import make_venv
from tf_lsp import safeio

pytestmark = pytest.mark.timeout(120)


def _make(path: Path) -> Path:
    make_venv(path)
    return path


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    return _make(tmp_path_factory.mktemp("venv") / ".venv")


def _project(tmp_path: Path, venv: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".venv").symlink_to(venv, target_is_directory=True)
    (root / "good.py").write_text("import os\nimport nosuchmod_hd1\n")
    os.mkfifo(root / "x.py")
    (root / "loop.py").symlink_to("loop.py")
    (root / "a.py").symlink_to("b.py")
    (root / "b.py").symlink_to("a.py")
    (root / "zero.py").symlink_to("/dev/zero")
    with open(root / "huge.py", "wb") as fh:
        fh.write(b"#" * (safeio.SOURCE_LIMIT + 1))
    (root / "pkg").mkdir()
    (root / "pkg" / "cycle").symlink_to("..", target_is_directory=True)       # a directory cycle
    (root / "pkg" / "mod.py").write_text("import nosuchmod_hd2\n")
    return root


EXPECTED = {
    "x.py": "not a regular file (FIFO)",
    "loop.py": "symlink loop",
    "a.py": "symlink loop",
    "b.py": "symlink loop",
    "zero.py": "not a regular file (character device)",
    "huge.py": "larger than 10 MB",
}


def test_check_skips_special_source_files_and_says_so(tmp_path, venv):
    root = _project(tmp_path, venv)
    r = tf_lsp("check", ".", "--python", str(root / ".venv" / "bin" / "python"), cwd=root, cache=tmp_path / "c")
    assert r.returncode == 1, r.stderr                      # the real findings of good.py and pkg/mod.py still count
    for name, why in EXPECTED.items():
        assert f"skipped {name}: {why}" in r.stderr, r.stderr
    assert "internal error" not in r.stderr
    assert "nosuchmod_hd1" in r.stdout and "nosuchmod_hd2" in r.stdout
    assert [ln for ln in r.stdout.splitlines() if "nosuchmod_hd2" in ln and "TFL100" in ln] == \
        [ln for ln in r.stdout.splitlines() if ln.startswith("pkg/mod.py:1:")]      # the folder cycle was not walked into


def test_json_lists_skipped_files(tmp_path, venv):
    root = _project(tmp_path, venv)
    r = tf_lsp("check", ".", "--format", "json", "--python", str(root / ".venv" / "bin" / "python"), cwd=root,
               cache=tmp_path / "c")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    skipped = {Path(s["path"]).name: s["reason"] for s in data["skipped"]}
    assert set(skipped) == set(EXPECTED)
    for name, why in EXPECTED.items():
        assert skipped[name].startswith(why)
    assert {Path(f["path"]).name for f in data["files"]} == {"good.py", "mod.py"}


def test_special_files_named_on_the_command_line(tmp_path, venv):
    root = _project(tmp_path, venv)
    r = tf_lsp("check", "x.py", "loop.py", "zero.py", "--python", str(root / ".venv" / "bin" / "python"), cwd=root,
               cache=tmp_path / "c")
    assert r.returncode == 0, r.stderr
    assert "skipped x.py: not a regular file (FIFO)" in r.stderr
    assert "skipped loop.py: symlink loop" in r.stderr
    assert "skipped zero.py: not a regular file (character device)" in r.stderr
    assert "0 file(s) checked" in r.stderr


def _odd_distribution(venv: Path) -> None:
    site = site_packages(venv)
    info = write_dist(site, "oddpkg", "1.0", {"oddpkg/__init__.py": "X = 1\n"})
    pkg = site / "oddpkg"
    os.mkfifo(pkg / "pipe.bin")
    (pkg / "zero.bin").symlink_to("/dev/zero")
    (pkg / "loop.bin").symlink_to("loop.bin")
    with open(info / "RECORD", "a") as fh:
        fh.write(record_row("oddpkg/pipe.bin", b"data") + record_row("oddpkg/zero.bin", b"z" * 10)
                 + record_row("oddpkg/loop.bin", b"l"))


def test_verify_reports_record_rows_at_a_fifo_and_a_device(tmp_path):
    venv = _make(tmp_path / "env")
    _odd_distribution(venv)
    r = tf_lsp("verify", "oddpkg", "--python", str(venv / "bin" / "python"), "--root", str(tmp_path), cwd=tmp_path,
               cache=tmp_path / "c")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "not verifiable: oddpkg/pipe.bin (not a regular file (FIFO))" in r.stdout
    assert "not verifiable: oddpkg/zero.bin (not a regular file (character device))" in r.stdout
    assert "not verifiable: oddpkg/loop.bin (symlink loop)" in r.stdout
    assert "oddpkg/__init__.py" not in r.stdout                 # the regular file matches its RECORD row


def test_environment_metadata_that_is_not_a_regular_file(tmp_path):
    """RECORD a FIFO, METADATA /dev/zero, top_level.txt a symlink loop: the environment still loads, nothing is
    called missing or orphaned for it, the real finding stands."""
    venv = _make(tmp_path / "env")
    site = site_packages(venv)
    info = write_dist(site, "fifo-record", "1.0", {"fifo_record/__init__.py": ""})
    (info / "RECORD").unlink()
    os.mkfifo(info / "RECORD")
    info = write_dist(site, "zero-meta", "1.0", {"zero_meta/__init__.py": ""})
    (info / "METADATA").unlink()
    (info / "METADATA").symlink_to("/dev/zero")
    info = write_dist(site, "loop-top", "1.0", {"loop_top/__init__.py": ""})
    (info / "top_level.txt").symlink_to("top_level.txt")
    _odd_distribution(venv)
    (tmp_path / "main.py").write_text("import fifo_record\nimport zero_meta\nimport loop_top\nimport oddpkg\n"
                                      "import nosuchmod_hd3\n")
    r = tf_lsp("check", "main.py", "--python", str(venv / "bin" / "python"), "--root", str(tmp_path), cwd=tmp_path,
               cache=tmp_path / "c")
    assert r.returncode == 1, r.stderr
    assert "internal error" not in r.stderr
    assert "nosuchmod_hd3" in r.stdout
    for name in ("fifo_record", "zero_meta", "loop_top", "oddpkg"):
        assert f"'{name}'" not in r.stdout                      # installed, so never reported missing


def test_safeio_refuses_each_kind(tmp_path):
    os.mkfifo(tmp_path / "fifo")
    (tmp_path / "loop").symlink_to("loop")
    (tmp_path / "big").write_bytes(b"x" * 2000)
    cases = {"fifo": "not a regular file (FIFO)", "loop": "symlink loop", "big": "larger than 1000 bytes"}
    for name, why in cases.items():
        with pytest.raises(safeio.Unreadable) as info:
            safeio.read_bytes(tmp_path / name, limit=1000)
        assert str(info.value).startswith(why)
        assert isinstance(info.value, OSError)
    with pytest.raises(safeio.Unreadable, match="character device"):
        safeio.read_bytes("/dev/zero")
    with pytest.raises(safeio.Unreadable, match="character device"):
        list(safeio.iter_chunks("/dev/zero"))
    with pytest.raises(safeio.Unreadable, match="directory"):
        safeio.read_bytes(tmp_path)
    assert b"".join(safeio.iter_chunks(tmp_path / "big", chunk=7)) == b"x" * 2000      # no cap when hashing


def test_pth_and_pyvenv_cfg_that_are_not_regular_files(tmp_path):
    """Read statically (a real interpreter itself blocks on a FIFO .pth at startup, so no probe is involved)."""
    from tf_lsp.environment import _pth_entries, read_pyvenv_cfg

    (tmp_path / "real").mkdir()
    (tmp_path / "ok.pth").write_text("real\n")
    os.mkfifo(tmp_path / "evil.pth")
    (tmp_path / "zero.pth").symlink_to("/dev/zero")
    assert _pth_entries(tmp_path) == [str(tmp_path / "real")]
    os.mkfifo(tmp_path / "pyvenv.cfg")
    assert read_pyvenv_cfg(tmp_path) == {}
