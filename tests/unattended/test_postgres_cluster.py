"""The throwaway PostgreSQL cluster the worker tests run on: real, on loopback, gone afterwards."""

from __future__ import annotations

import psycopg

from tests.unattended.pgcluster import PgCluster


def test_the_session_cluster_answers_on_loopback(postgres: str) -> None:
    assert "@127.0.0.1:" in postgres
    with psycopg.connect(postgres) as connection:
        assert connection.execute("select current_database()").fetchone() == ("sagesync",)


def test_a_cluster_of_its_own_is_removed_with_its_folder(postgres: str) -> None:
    with PgCluster.start("other") as cluster:
        with psycopg.connect(cluster.url) as connection:
            connection.execute("create table t (x int)")
        folder = cluster.folder
        assert (folder / "data" / "PG_VERSION").is_file()
    assert not folder.exists()
