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
