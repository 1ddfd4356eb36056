"""A store-level lock: at most one crawl writes into a snapshot store at a time.

The lock is a file, `<store>/.crawl.lock`, holding one JSON object that names its holder:

    {"pid": 4242, "host": "box", "started_at": "2024-07-11T09:30:00+00:00",
     "command": "ptm crawl --config configs/hub.yaml", "pid_started": 81234567}

It is created with `O_CREAT | O_EXCL`, so of two processes that try at the same moment exactly
one succeeds; the other gets a `PipelineError` naming the holder. The holder removes the file
when it leaves the `store_lock` block (also on an exception or Ctrl-C).

**Stale locks.** A process killed with SIGKILL (or a machine that lost power) leaves its lock
behind. A lock is *stale* when its host is this host and its pid is no longer running, or
runs a different program than the one that took the lock (pid reuse, detected on Linux by
the process start time `pid_started`). A stale lock is taken over with a warning in the log.
A lock held on another host is never judged stale from here: remove it by hand once you know
that crawl is gone (the error message says where the file is).

A lock file that cannot be read (a holder killed between creating the file and writing its
JSON, a window of microseconds) is stale once it is older than `UNREADABLE_GRACE_S`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import PipelineError

log = logging.getLogger(__name__)

LOCK_FILE = ".crawl.lock"
UNREADABLE_GRACE_S = 60.0
_ATTEMPTS = 5


class StoreLockedError(PipelineError):
    """Another live process holds the store's lock."""

    def __init__(self, path: Path, holder: LockHolder | None) -> None:
        self.path = path
        self.holder = holder
        who = holder.describe() if holder else "an unknown process (unreadable lock file)"
        super().__init__(
            f"snapshot store {path.parent} is locked by {who}; wait for that crawl to finish, "
            f"or, if it is gone, remove {path}"
        )


@dataclass(frozen=True)
class LockHolder:
    """Who holds a lock: what `store_lock` writes into the lock file."""

    pid: int
    host: str
    started_at: str
    command: str
    pid_started: int | None = None

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.started_at} ({self.command})"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LockHolder:
        """Parse a lock file's text; `ValueError` when it is not a complete lock record."""
        try:
            value = json.loads(text)
            holder = cls(
                pid=int(value["pid"]),
                host=str(value["host"]),
                started_at=str(value["started_at"]),
                command=str(value.get("command", "")),
                pid_started=None if value.get("pid_started") is None else int(value["pid_started"]),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
            raise ValueError(f"not a lock record: {text[:200]!r}") from error
        return holder


def lock_path(root: Path) -> Path:
    """Where the lock file of the store `root` lives."""
    return Path(root) / LOCK_FILE


def read_lock(root: Path) -> LockHolder | None:
    """The holder named in the store's lock file; None when there is no (readable) lock."""
    try:
        return LockHolder.from_json(lock_path(root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def lock_is_stale(holder: LockHolder, host: str | None = None) -> bool:
    """Whether the holder is certainly gone: same host and its pid is dead or reused."""
    if holder.host != (host or socket.gethostname()):
        return False
    if not _pid_alive(holder.pid):
        return True
    if holder.pid_started is not None:
        started = _process_start(holder.pid)
        if started is not None and started != holder.pid_started:
            return True
    return False


@contextmanager
def store_lock(root: Path, command: str | None = None) -> Iterator[LockHolder]:
    """Hold the store's crawl lock for the duration of the block.

    Example usage::

        with store_lock(config.path("snapshots"), command="ptm crawl"):
            crawl(config, endpoint)

    :raises StoreLockedError: (a `PipelineError`) another live process holds the lock.
    """
    root = Path(root)
    holder = acquire(root, command)
    try:
        yield holder
    finally:
        release(root, holder)


def acquire(root: Path, command: str | None = None) -> LockHolder:
    """Take the lock (creating `root` if needed) or raise `StoreLockedError`."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    path = lock_path(root)
    pid = os.getpid()
    holder = LockHolder(
        pid=pid,
        host=socket.gethostname(),
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command or " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]).strip(),
        pid_started=_process_start(pid),
    )
    for _ in range(_ATTEMPTS):
        try:
            handle = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            _recover_if_stale(path)
            continue
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(holder.to_json())
            out.flush()
            os.fsync(out.fileno())
        return holder
    raise StoreLockedError(path, _read_holder(path))


def release(root: Path, holder: LockHolder) -> None:
    """Remove the lock file if it is still ours (never someone else's)."""
    path = lock_path(root)
    current = _read_holder(path)
    if current is not None and (current.pid, current.host) == (holder.pid, holder.host):
        path.unlink(missing_ok=True)
    elif path.exists():
        log.warning("lock %s is no longer ours (now %s); left in place", path, current)


def _recover_if_stale(path: Path) -> None:
    """Remove the lock at `path` if it is stale; raise `StoreLockedError` if it is live."""
    try:
        text = path.read_text(encoding="utf-8")
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return  # released meanwhile: try again
    try:
        holder: LockHolder | None = LockHolder.from_json(text)
    except ValueError:
        holder = None
    if holder is None:
        if age < UNREADABLE_GRACE_S:
            time.sleep(0.05)  # being written right now; look again
            if _read_holder(path) is None and path.exists():
                raise StoreLockedError(path, None)
            return
        reason = f"unreadable lock file, {age:.0f} s old"
    elif lock_is_stale(holder):
        reason = f"its holder is gone: {holder.describe()}"
    else:
        raise StoreLockedError(path, holder)
    # Move the stale file aside under a unique name (atomic); if a racer replaced it with a
    # fresh lock in the meantime, the moved file is not the one judged stale: put it back.
    aside = path.with_name(f"{path.name}.stale-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        os.rename(path, aside)
    except FileNotFoundError:
        return
    try:
        if aside.read_text(encoding="utf-8") != text:
            with contextlib.suppress(FileExistsError):
                os.link(aside, path)
            return
        log.warning("removed a stale crawl lock %s (%s)", path, reason)
    finally:
        aside.unlink(missing_ok=True)


def _read_holder(path: Path) -> LockHolder | None:
    try:
        return LockHolder.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, owned by another user
    return _process_state(pid) != "Z"  # a zombie has exited; only its entry remains


def _proc_stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    # Field 2 (the command) is in parentheses and may contain spaces: split after it.
    return text[text.rfind(")") + 2 :].split()


def _process_state(pid: int) -> str | None:
    fields = _proc_stat(pid)
    return fields[0] if fields else None


def _process_start(pid: int) -> int | None:
    """The process start time in clock ticks since boot (Linux), else None."""
    fields = _proc_stat(pid)
    try:
        return int(fields[19]) if fields else None
    except (IndexError, ValueError):
        return None
