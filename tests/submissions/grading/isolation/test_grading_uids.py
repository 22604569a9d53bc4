"""One grading uid per worker process from GRADING_UID's range: kernels of different workers do
not share RLIMIT_NPROC (a fork bomb in one cannot starve another's)."""

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from submissions.grading.isolation import uids
from submissions.grading.isolation.sandbox import SandboxMisconfigured, grading_uids

UIDS_PY = Path(uids.__file__)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="only a root worker switches uids")


@pytest.fixture(autouse=True)
def _fresh_claims() -> Iterator[None]:
    uids.release_all()
    yield
    uids.release_all()


def holder(uid_range: range, lock_dir: Path) -> tuple[subprocess.Popen[str], int]:
    """Another worker process holding a uid of the range; the uid it holds."""
    code = (
        "import importlib.util, pathlib, sys, time\n"
        f"spec = importlib.util.spec_from_file_location('uids', {str(UIDS_PY)!r})\n"
        "uids = importlib.util.module_from_spec(spec); spec.loader.exec_module(uids)\n"
        f"print(uids.claim(range({uid_range.start}, {uid_range.stop}), "
        f"lock_dir=pathlib.Path({str(lock_dir)!r})), flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    return process, int(process.stdout.readline())


def test_grading_uid_is_one_id_or_a_range() -> None:
    assert grading_uids({}) == range(65534, 65535)
    assert grading_uids({"GRADING_UID": "2000"}) == range(2000, 2001)
    assert grading_uids({"GRADING_UID": "200000-200003"}) == range(200000, 200004)
    for bad in ("0", "0-3", "-5", "5-2", "a-b", "1-", str(2**32), "nobody"):
        with pytest.raises(SandboxMisconfigured):
            grading_uids({"GRADING_UID": bad})


@needs_root
def test_each_worker_gets_a_uid_of_its_own(tmp_path: Path) -> None:
    pool = range(300_000, 300_003)
    other, theirs = holder(pool, tmp_path)
    try:
        mine = uids.claim(pool, lock_dir=tmp_path)
        assert mine in pool and mine != theirs
        assert uids.claim(pool, lock_dir=tmp_path) == mine  # the same for the process's life
    finally:
        other.kill()
        other.wait()


@needs_root
def test_a_uid_is_free_again_once_its_worker_is_gone(tmp_path: Path) -> None:
    pool = range(300_100, 300_101)
    other, theirs = holder(pool, tmp_path)
    other.kill()  # SIGKILL: the kernel releases the lock with the process
    other.wait()

    assert uids.claim(pool, lock_dir=tmp_path) == theirs


@needs_root
def test_when_every_uid_is_taken_workers_share_one_and_say_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    pool = range(300_200, 300_201)
    other, theirs = holder(pool, tmp_path)
    try:
        with caplog.at_level(logging.WARNING, logger="submissions.grading"):
            assert uids.claim(pool, lock_dir=tmp_path) == theirs
            assert uids.claim(pool, lock_dir=tmp_path) == theirs
    finally:
        other.kill()
        other.wait()
    warnings = [r.getMessage() for r in caplog.records if "share RLIMIT_NPROC" in r.getMessage()]
    assert len(warnings) == 1, caplog.text  # once, not at every grading


@needs_root
def test_an_unusable_lock_directory_falls_back_to_the_first_uid(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with caplog.at_level(logging.WARNING, logger="submissions.grading"):
        assert uids.claim(range(300_300, 300_303), lock_dir=blocked / "locks") == 300_300
    assert "could not be locked" in caplog.text


@needs_root
def test_a_uid_claimed_inside_a_loan_is_given_back_when_the_loan_ends(tmp_path: Path) -> None:
    pool = range(300_010, 300_012)

    with uids.borrowed(pool):
        mine = uids.claim(pool, lock_dir=tmp_path)
        assert uids._take(mine, tmp_path) is None  # held by this process

    descriptor = uids._take(mine, tmp_path)
    assert descriptor is not None  # free for a worker
    os.close(descriptor)


@needs_root
def test_a_uid_is_given_back_when_the_last_of_concurrent_loans_ends(tmp_path: Path) -> None:
    pool = range(300_010, 300_012)

    with uids.borrowed(pool):
        with uids.borrowed(pool):  # another thread of the same web process, say
            mine = uids.claim(pool, lock_dir=tmp_path)
        assert uids._take(mine, tmp_path) is None  # the first loan's kernel may still run
        assert uids.claim(pool, lock_dir=tmp_path) == mine

    descriptor = uids._take(mine, tmp_path)
    assert descriptor is not None
    os.close(descriptor)


@needs_root
def test_a_worker_keeps_its_uid_through_a_loan(tmp_path: Path) -> None:
    pool = range(300_010, 300_012)
    mine = uids.claim(pool, lock_dir=tmp_path)

    with uids.borrowed(pool):
        assert uids.claim(pool, lock_dir=tmp_path) == mine

    assert uids._take(mine, tmp_path) is None  # still the worker's
