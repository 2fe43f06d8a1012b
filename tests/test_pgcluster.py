"""The throwaway PostgreSQL clusters the PostgreSQL tests run on."""

from __future__ import annotations

import os

import psycopg


def test_a_cluster_runs_unprivileged_on_loopback(pg_cluster, pg_url):
    with psycopg.connect(pg_url) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
        listen = conn.execute("SHOW listen_addresses").fetchone()[0]
        owner = pg_cluster.data.stat().st_uid
    assert int(version) >= 150000 and listen == "127.0.0.1"
    if os.geteuid() == 0:
        assert owner != 0  # initdb and postgres refuse root: the cluster belongs to an unprivileged user


def test_a_session_killed_from_outside_leaves_no_server_behind(pg_cluster, tmp_path):
    """The cluster's watchdog stops the server and removes its folder once the
    process that started it is gone, even by SIGKILL (no finalizer runs)."""
    import json
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path


    child = subprocess.Popen(
        [sys.executable, "-c", "import json, time\nfrom tests.pgcluster import Cluster\n"
         "c = Cluster.primary()\nprint(json.dumps([c.port, str(c.folder)]), flush=True)\ntime.sleep(600)"],
        cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE, text=True)
    port, folder = json.loads(child.stdout.readline())
    psycopg.connect(f"postgresql://foiasearch@127.0.0.1:{port}/postgres").close()
    child.send_signal(signal.SIGKILL)
    child.wait()
    deadline = time.monotonic() + 30
    while Path(folder).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(folder).exists()
    try:
        psycopg.connect(f"postgresql://foiasearch@127.0.0.1:{port}/postgres", connect_timeout=2).close()
        stopped = False
    except psycopg.OperationalError:
        stopped = True
    assert stopped


def test_a_cluster_leaves_no_child_process(pg_cluster):
    """The watchdog is not the session's child (tests check that work leaves no children)."""
    import subprocess

    children = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True).stdout.split()
    assert children == []
