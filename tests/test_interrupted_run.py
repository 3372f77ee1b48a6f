"""An interrupted or failing run leaves the previous complete report or none, never a mix,
and never a temporary file (their names start with '.')."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from sqnxt_sim import InputError, outputs
from sqnxt_sim.cli import main

REPO = Path(__file__).resolve().parents[1]


def snapshot(directory: Path) -> dict[str, bytes]:
    if not directory.exists():
        return {}
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def temp_files(directory: Path) -> list[str]:
    return [path.name for path in directory.iterdir() if path.name.startswith(".")] if directory.exists() else []


def disk_full(_path: Path) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def interrupted(_path: Path) -> None:
    raise KeyboardInterrupt


NEW = {"a.csv": "new a\n", "b.json": "{}\n", "c.png": disk_full, "d.csv": "new d\n"}


@pytest.mark.parametrize("previous", [True, False])
def test_a_failing_third_file_leaves_the_previous_report_or_none(tmp_path, previous):
    if previous:
        outputs.write_report(tmp_path, {"a.csv": "old a\n", "b.json": "[]\n", "c.png": b"\x89PNG old", "d.csv": "old d\n"})
    before = snapshot(tmp_path)
    with pytest.raises(InputError) as caught:
        outputs.write_report(tmp_path, NEW)
    assert caught.value.source == str(tmp_path / "c.png") and "No space left" in str(caught.value)
    assert snapshot(tmp_path) == before
    assert temp_files(tmp_path) == []


def test_ctrl_c_while_writing_leaves_the_previous_report(tmp_path):
    outputs.write_report(tmp_path, {"a.csv": "old a\n", "b.json": "[]\n"})
    before = snapshot(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_report(tmp_path, {"a.csv": "new a\n", "b.json": "{}\n", "c.png": interrupted})
    assert snapshot(tmp_path) == before and temp_files(tmp_path) == []


def test_ctrl_c_during_the_renames_waits_until_all_are_done(tmp_path, monkeypatch):
    outputs.write_report(tmp_path, {"a.csv": "old a\n", "b.json": "[]\n", "c.txt": "old c\n"})
    real_replace = os.replace

    def replace_after_ctrl_c(source, target):
        os.kill(os.getpid(), signal.SIGINT)  # arrives between the first and the second rename
        real_replace(source, target)

    monkeypatch.setattr(outputs.os, "replace", replace_after_ctrl_c)
    with pytest.raises(KeyboardInterrupt):  # delivered, but only once the report is complete
        outputs.write_report(tmp_path, {"a.csv": "new a\n", "b.json": "{}\n", "c.txt": "new c\n"})
    assert snapshot(tmp_path) == {"a.csv": b"new a\n", "b.json": b"{}\n", "c.txt": b"new c\n"}
    assert temp_files(tmp_path) == []


def test_a_target_that_is_a_directory_is_refused_before_anything_is_written(tmp_path):
    (tmp_path / "b.json").mkdir()
    with pytest.raises(InputError, match="not a regular file"):
        outputs.write_report(tmp_path, {"a.csv": "new a\n", "b.json": "{}\n"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]


def test_cli_run_with_the_third_write_failing(tmp_path, monkeypatch):
    """The disk fills up while `run --out DIR` writes its third file: DIR keeps the previous
    report byte for byte, the user gets one line and status 2."""
    out = tmp_path / "report"
    args = ["run", "--hw", str(REPO / "hwconfigs" / "32pe_os.yaml"), "--out", str(out)]
    first = CliRunner().invoke(main, [*args, "--net", "sqnxt23_v1"])
    assert first.exit_code == 0, first.output
    before = snapshot(out)
    assert len(before) >= 3

    writes = []
    real_text, real_bytes = Path.write_text, Path.write_bytes

    def counted(real):
        def write(self, *a, **k):
            if self.parent == out:
                writes.append(self.name)
                if len(writes) == 3:
                    raise OSError(errno.ENOSPC, "No space left on device")
            return real(self, *a, **k)
        return write

    monkeypatch.setattr(Path, "write_text", counted(real_text))
    monkeypatch.setattr(Path, "write_bytes", counted(real_bytes))
    result = CliRunner().invoke(main, [*args, "--net", "sqnxt23_v5"])
    assert len(writes) == 3
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "No space left on device" in lines[0] and str(out) in lines[0]
    assert snapshot(out) == before
    assert temp_files(out) == []


def _run(net: str, out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sqnxt_sim.cli", "run", "--net", net, "--hw", "hwconfigs/32pe_os.yaml", "--out", str(out)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_at_any_moment_of_a_real_run(tmp_path):
    """Real processes, interrupted early and (polling for its temporary files) while it
    writes. Each time DIR holds the complete previous report (v5) or the complete new one
    (v1), byte for byte, and no temporary file."""
    previous, reference = tmp_path / "report", tmp_path / "reference"
    jobs = [_run("sqnxt23_v5", previous), _run("sqnxt23_v1", reference)]
    assert [job.wait(timeout=120) for job in jobs] == [0, 0], [job.stderr.read() for job in jobs]
    old, new = snapshot(previous), snapshot(reference)
    assert old and new and old.keys() == new.keys() and old != new

    for moment in ("early", "while writing"):
        job = _run("sqnxt23_v1", previous)
        if moment == "early":
            time.sleep(0.3)
        else:
            deadline = time.monotonic() + 60
            while job.poll() is None and not temp_files(previous) and time.monotonic() < deadline:
                time.sleep(0.0005)
        job.send_signal(signal.SIGINT)
        job.wait(timeout=60)
        state = snapshot(previous)
        assert state in (old, new), f"{moment}: a mix of two reports: {sorted(state)}"
        assert temp_files(previous) == [], moment
        if state == new:  # the run finished (or its renames were under way): back to the old report
            for job in [_run("sqnxt23_v5", previous)]:
                assert job.wait(timeout=120) == 0
