"""Throwaway PostgreSQL clusters for tests: initdb in a temporary folder, a
server on a free loopback port, a streaming replica made by pg_basebackup.

initdb and postgres refuse to run as root, and CI runs as root: then the
cluster belongs to an unprivileged user (``nobody``) and every server
command runs through ``runuser``. Without PostgreSQL binaries the tests that
need a cluster skip, except under CI (``CI=true``), where they fail: a CI
machine installs the Debian ``postgresql`` package (scripts/system-deps.sh test).

>>> find_bindir() is None or (find_bindir() / "initdb").exists()
True
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

UNPRIVILEGED = "nobody"
SUPERUSER = "foiasearch"  # the cluster's superuser, which the tests connect as


class ClusterError(RuntimeError):
    """A cluster could not be made or started; the message has the server log's tail."""


# Run by a detached Python beside each server (argv: owner pid, folder, the stop command): it
# forks away from its parent (the session has no child left behind), then waits while the
# session lives and the folder exists; a session gone without destroy() leaves the folder,
# and the watchdog stops the server and removes it.
WATCHDOG = """
import os, shutil, subprocess, sys, time
if os.fork():
    os._exit(0)
os.setsid()
owner, folder, stop = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
while alive(owner) and os.path.isdir(folder):
    time.sleep(1)
if os.path.isdir(folder):
    subprocess.run(stop, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    shutil.rmtree(folder, ignore_errors=True)
"""


def find_bindir() -> Path | None:
    """The newest /usr/lib/postgresql/N/bin with initdb (Debian's layout), else pg_config's."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    if candidates:
        return candidates[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_owner(argv: list[str]) -> list[str]:
    """Run a server command as the unprivileged user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", UNPRIVILEGED, "--", *argv]
    return argv


def make_folder(prefix: str) -> Path:
    """A temporary folder the server's user owns (and can reach: /tmp, not pytest's 0700 folders)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        import pwd

        user = pwd.getpwnam(UNPRIVILEGED)
        os.chown(folder, user.pw_uid, user.pw_gid)
    return folder


@dataclass
class Cluster:
    """One server: its data folder and port. ``start()`` makes a new
    primary; :meth:`replica` a streaming standby of it.

    >>> # with Cluster.primary() as pg: pg.url("postgres")  # 'postgresql://foiasearch@127.0.0.1:PORT/postgres'
    """

    bindir: Path
    folder: Path
    port: int = field(default_factory=free_port)
    running: bool = False
    settings: dict[str, str] = field(default_factory=dict)  # server settings beside the defaults in start()
    watched: bool = False  # a watchdog runs for this server (start())

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log(self) -> Path:
        return self.folder / "server.log"

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def _run(self, *argv: str, timeout: float = 120) -> None:
        command = _as_owner([str(self.bindir / argv[0]), *argv[1:]])
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            tail = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise ClusterError(f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()[-2000:]}\n{tail}")

    @classmethod
    def primary(cls, bindir: Path | None = None, settings: dict[str, str] | None = None) -> "Cluster":
        """initdb a new cluster (trust authentication on loopback only) and start it."""
        bindir = bindir or find_bindir()
        if bindir is None:
            raise ClusterError("PostgreSQL binaries not found (install the Debian package postgresql)")
        cluster = cls(bindir, make_folder("foiasearch-pg-"), settings=dict(settings or {}))
        cluster._run("initdb", "-D", str(cluster.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                     "--locale=C.UTF-8", "--no-sync")
        cluster.start()
        return cluster

    def replica(self) -> "Cluster":
        """A hot standby streaming from this server (pg_basebackup -R), started."""
        standby = Cluster(self.bindir, make_folder("foiasearch-pg-replica-"), settings=self.settings)
        standby._run("pg_basebackup", "-D", str(standby.data), "-h", "127.0.0.1", "-p", str(self.port),
                     "-U", SUPERUSER, "-R", "-X", "stream", "-c", "fast", "--no-sync")
        standby.start()
        return standby

    def start(self) -> None:
        # No fsync: a throwaway cluster need not survive the machine crashing. Commits still
        # reach the operating system before they return, so a killed server keeps them
        # (the crash tests rely on it).
        settings = {"shared_buffers": "32MB", **self.settings}
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c full_page_writes=off -c max_connections=60 "
                   + " ".join(f"-c {name}={value}" for name, value in settings.items()))
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        self.running = True
        if not self.watched:
            # A session killed from outside (SIGKILL, a CI timeout) runs no finalizer: the
            # watchdog outlives it, stops the server and removes its folder.
            stop = _as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
            subprocess.run([sys.executable, "-c", WATCHDOG, str(os.getpid()), str(self.folder), *stop],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            self.watched = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
            self.running = False

    def destroy(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)  # the watchdog sees it gone and exits

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name: chosen by the test, never user text
        return self.url(name)

    def wait_ready(self, timeout: float = 30) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise

    def __enter__(self) -> "Cluster":
        return self

    def __exit__(self, *exc: object) -> None:
        self.destroy()


def require_binaries() -> Path:
    """The binaries folder; skip the test without one, fail under CI."""
    import pytest

    bindir = find_bindir()
    if bindir is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("CI: PostgreSQL binaries are missing (scripts/system-deps.sh test installs postgresql)")
        pytest.skip("PostgreSQL is not installed (Debian package postgresql)")
    return bindir
