"""The store lock: a live holder in another process blocks a second crawl; a killed holder's
lock is recovered; racing processes get exactly one winner."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline.errors import PipelineError
from pipeline.snapshot.lock import (
    LOCK_FILE,
    LockHolder,
    StoreLockedError,
    lock_is_stale,
    read_lock,
    store_lock,
)

HOLDER = textwrap.dedent(
    """
    import sys
    from pipeline.snapshot.lock import store_lock
    with store_lock(sys.argv[1], command="test holder"):
        print("locked", flush=True)
        sys.stdin.readline()  # hold until the parent closes stdin (or kills us)
    """
)


def start_holder(store: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(store)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_crawl_on_a_locked_store_fails_naming_the_holder(tmp_path: Path) -> None:
    holder = start_holder(tmp_path)
    try:
        with pytest.raises(StoreLockedError) as raised, store_lock(tmp_path):
            pytest.fail("the lock was taken twice")
        message = str(raised.value)
        assert isinstance(raised.value, PipelineError)
        assert f"pid {holder.pid} on {socket.gethostname()}" in message
        assert "(test holder)" in message and str(tmp_path / LOCK_FILE) in message
        assert read_lock(tmp_path).pid == holder.pid
    finally:
        holder.communicate("\n", timeout=10)
    assert holder.returncode == 0
    assert not (tmp_path / LOCK_FILE).exists()  # released on exit
    with store_lock(tmp_path) as mine:
        assert read_lock(tmp_path) == mine and mine.pid == os.getpid()
    assert not (tmp_path / LOCK_FILE).exists()


def test_the_lock_of_a_killed_process_is_recovered(tmp_path: Path, caplog) -> None:
    holder = start_holder(tmp_path)
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=10)
    left = read_lock(tmp_path)
    assert left is not None and left.pid == holder.pid  # SIGKILL: no cleanup ran
    assert lock_is_stale(left)
    with (
        caplog.at_level(logging.WARNING, logger="pipeline.snapshot.lock"),
        store_lock(tmp_path, command="second crawl") as mine,
    ):
        assert read_lock(tmp_path).command == "second crawl"
        assert mine.pid == os.getpid()
    assert any(
        "stale crawl lock" in r.message and f"pid {holder.pid}" in r.message for r in caplog.records
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no stale copies left behind


def test_racing_processes_get_exactly_one_lock(tmp_path: Path) -> None:
    racer = textwrap.dedent(
        """
        import sys, time
        from pipeline.errors import PipelineError
        from pipeline.snapshot.lock import store_lock
        time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # start together
        try:
            with store_lock(sys.argv[1]):
                print("won", flush=True)
                time.sleep(1.0)
        except PipelineError:
            print("lost", flush=True)
        """
    )
    start = str(time.time() + 1.0)
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", racer, str(tmp_path), start], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outcomes = sorted(p.communicate(timeout=30)[0].strip() for p in racers)
    assert outcomes == ["lost", "lost", "lost", "won"]


def _write_lock(store: Path, **fields) -> None:
    holder = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": "2024-07-11T09:30:00+00:00",
        "command": "ptm crawl",
        **fields,
    }
    (store / LOCK_FILE).write_text(json.dumps(holder), encoding="utf-8")


def test_a_lock_held_on_another_host_is_never_judged_stale(tmp_path: Path) -> None:
    _write_lock(tmp_path, host="crawler-2", pid=999_999)
    with pytest.raises(StoreLockedError, match=r"pid 999999 on crawler-2"), store_lock(tmp_path):
        pass
    assert (tmp_path / LOCK_FILE).exists()


def test_a_reused_pid_is_stale(tmp_path: Path) -> None:
    # Our own pid is alive, but it started at another time than the lock says: pid reuse.
    holder = LockHolder(os.getpid(), socket.gethostname(), "t", "c", pid_started=1)
    if Path("/proc/self/stat").exists():
        assert lock_is_stale(holder)
    alive = LockHolder(os.getpid(), socket.gethostname(), "t", "c", pid_started=None)
    assert not lock_is_stale(alive)


def test_an_unreadable_lock_is_live_while_young_and_stale_when_old(tmp_path: Path) -> None:
    path = tmp_path / LOCK_FILE
    path.write_text("", encoding="utf-8")  # a holder killed between create and write
    with pytest.raises(StoreLockedError, match="unknown process"), store_lock(tmp_path):
        pass
    old = time.time() - 3600
    os.utime(path, (old, old))
    with store_lock(tmp_path):
        assert read_lock(tmp_path).pid == os.getpid()


def test_release_never_removes_someone_elses_lock(tmp_path: Path) -> None:
    with store_lock(tmp_path):
        _write_lock(tmp_path, pid=1, host="crawler-2")  # replaced by hand meanwhile
    assert read_lock(tmp_path).host == "crawler-2"
