"""Grading's temporary directories carry their owner in their name; a sweep removes those
whose owner (a worker killed with SIGKILL) no longer runs, and nothing else."""

import os
import subprocess
import sys
from pathlib import Path

from submissions.grading.isolation import spool


def dead_owner_tag() -> str:
    """``<pid>.<start>`` of a process that has ended."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        tag = f"{child.pid}.{spool._start_ticks(child.pid)}"
    finally:
        child.kill()
        child.wait()
    return tag


def test_a_directory_names_its_owner_and_is_private(tmp_path: Path) -> None:
    made = spool.make_dir("gr-", parent=str(tmp_path))

    assert made.name.startswith(f"gr-{os.getpid()}.")
    assert made.stat().st_mode & 0o777 == 0o700
    assert spool.owner_alive(made.name) is True


def test_the_sweep_removes_only_directories_of_owners_that_are_gone(tmp_path: Path) -> None:
    dead = dead_owner_tag()
    abandoned = [tmp_path / f"{prefix}{dead}-abcd1234" for prefix in spool.PREFIXES]
    for directory in abandoned:
        (directory / "jobs" / "work").mkdir(parents=True)
        (directory / "jobs" / "work" / "data.csv").write_text("x\n1\n")
    mine = spool.make_dir("grs-", parent=str(tmp_path))
    unnamed = tmp_path / "gr-old-style"  # made before owners were named: left alone
    unnamed.mkdir()
    other = tmp_path / f"tmp-{dead}-abcd1234"  # not grading's
    other.mkdir()
    a_file = tmp_path / f"gr-{dead}-file"
    a_file.write_text("not a directory")

    removed = spool.sweep([str(tmp_path), str(tmp_path)])

    assert sorted(removed) == sorted(abandoned)
    assert not any(directory.exists() for directory in abandoned)
    assert mine.exists() and unnamed.exists() and other.exists() and a_file.exists()


def test_a_recycled_pid_is_not_taken_for_the_owner(tmp_path: Path) -> None:
    """Same pid, another start time: the owner is gone even though the pid runs."""
    pid = os.getpid()
    start = spool._start_ticks(pid)
    assert start is not None
    stale = tmp_path / f"grading-{pid}.{start - 1}-abcd1234"
    stale.mkdir()

    assert spool.owner_alive(stale.name) is False
    assert spool.sweep([str(tmp_path)]) == [stale]


def test_a_missing_parent_is_no_error(tmp_path: Path) -> None:
    assert spool.sweep([str(tmp_path / "nowhere")]) == []


def test_another_users_directories_are_left_alone(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        return  # only root can make a directory another user's
    theirs = tmp_path / f"gr-{dead_owner_tag()}-abcd1234"
    theirs.mkdir()
    os.chown(theirs, 54_321, 54_321)

    assert spool.sweep([str(tmp_path)]) == []
    assert theirs.exists()
