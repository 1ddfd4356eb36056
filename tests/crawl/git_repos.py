"""Throwaway git repos for tests: SSH-signed and unsigned commits, served over smart HTTP.

Everything runs with an isolated git environment (no user or system config), so a
developer's own settings (signing, credential helpers, URL rewrites) never leak in.
"""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

ISOLATED = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.invalid",
    "LC_ALL": "C",
}


def git_env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return base | ISOLATED | extra


def git(*args: str, cwd: Path, **env: str) -> str:
    """Run git in `cwd` with the isolated environment; stdout as text."""
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=git_env(**env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {done.stderr.strip()}")
    return done.stdout


def ssh_signing_key(folder: Path) -> Path:
    """A fresh passphrase-less ed25519 key; returns the public key path git signs with."""
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "signing_key"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    return key.with_suffix(".pub")


@dataclass(frozen=True)
class Commit:
    """A commit to create: committed at epoch `at` in timezone `tz`, on `branch`."""

    message: str
    at: int
    signed: bool = False
    branch: str = "main"
    tz: str = "+0000"


def make_repo(
    root: Path,
    model_id: str,
    commits: Sequence[Commit],
    *,
    key: Path | None = None,
    allow_filter: bool = True,
) -> Path:
    """A repo at `root/model_id` whose commits each add a file (so blobs and trees exist).

        `allow_filter` sets `uploadpack.allowFilter`, which a server needs to honour partial
        clones (plain git does not by default). The first commit is on `main`; a later commit on
    a new branch starts it from the current one. HEAD ends on `main`.
    """
    path = root / model_id
    path.mkdir(parents=True)
    git("init", "-q", "-b", "main", cwd=path)
    if allow_filter:
        git("config", "uploadpack.allowFilter", "true", cwd=path)
    for number, commit in enumerate(commits):
        branches = git("branch", "--list", commit.branch, cwd=path).strip()
        if number and not branches:
            git("switch", "-q", "-c", commit.branch, cwd=path)
        elif number:
            git("switch", "-q", commit.branch, cwd=path)
        (path / f"file-{number}.txt").write_text(f"content {number} of {model_id}\n")
        git("add", "-A", cwd=path)
        sign = ["-c", "gpg.format=ssh", "-c", f"user.signingKey={key}"] if commit.signed else []
        when = f"{commit.at} {commit.tz}"
        git(
            *sign,
            "commit",
            "-q",
            "-S" if commit.signed else "--no-gpg-sign",
            "-m",
            commit.message,
            cwd=path,
            GIT_AUTHOR_DATE=when,
            GIT_COMMITTER_DATE=when,
        )
    if commits:
        git("switch", "-q", "main", cwd=path)
    return path


def object_types(git_dir: Path) -> list[str]:
    """The type of every object stored in a repository (e.g. a partial clone)."""
    check = ["cat-file", "--batch-all-objects", "--batch-check=%(objecttype)"]
    return git("--git-dir", str(git_dir), *check, cwd=git_dir).split()


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


class GitHttpServer:
    """Smart HTTP on 127.0.0.1: `git http-backend` as CGI over every repo under `root`.

    With `token`, requests without `Authorization: Bearer <token>` get a 401, like a
    private repo on the Hub. Every request is recorded in `requests`.
    """

    def __init__(self, root: Path, token: str | None = None) -> None:
        self.root = root
        self.token = token
        self.requests: list[Request] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _CgiHandler)
        self._server.daemon_threads = True
        self._server.git = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> GitHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _CgiHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _serve(self) -> None:
        owner: GitHttpServer = self.server.git  # type: ignore[attr-defined]
        owner.requests.append(Request(self.command, self.path, dict(self.headers.items())))
        if owner.token and self.headers.get("Authorization") != f"Bearer {owner.token}":
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        path, _, query = self.path.partition("?")
        env = git_env(
            GIT_PROJECT_ROOT=str(owner.root),
            GIT_HTTP_EXPORT_ALL="1",
            REQUEST_METHOD=self.command,
            PATH_INFO=unquote(path),
            QUERY_STRING=query,
            CONTENT_TYPE=self.headers.get("Content-Type", ""),
            CONTENT_LENGTH=str(len(body)),
            REMOTE_ADDR="127.0.0.1",
        )
        for name, value in self.headers.items():
            env["HTTP_" + name.upper().replace("-", "_")] = value
        done = subprocess.run(
            ["git", "http-backend"], input=body, env=env, capture_output=True, check=False
        )
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        status, headers = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
