"""Tests of Scripts/fault/pgcluster.py and, through it, Scripts/postgres-cluster.sh (issue 18): a real server,
real psql. Run by Scripts/test.sh."""
import os
import re
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pgcluster import SCRIPT, PostgresCluster  # noqa: E402


def psql(url, sql):
    done = subprocess.run(["psql", url, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip())
    return done.stdout.strip()


class PostgresClusterTest(unittest.TestCase):
    def test_start_gives_a_loopback_durable_cluster_in_its_folder(self):
        with PostgresCluster() as cluster:
            match = re.fullmatch(r"postgresql://consult@127\.0\.0\.1:(\d+)/postgres", cluster.url)
            self.assertIsNotNone(match, cluster.url)
            port = match.group(1)
            self.assertNotEqual(port, "5432")
            self.assertEqual(psql(cluster.url, "SHOW fsync"), "on")
            self.assertEqual(psql(cluster.url, "SHOW synchronous_commit"), "on")
            self.assertEqual(psql(cluster.url, "SHOW listen_addresses"), "127.0.0.1")
            self.assertEqual(psql(cluster.url, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"), "t")
            self.assertTrue(os.path.exists(os.path.join(cluster.directory, ".s.PGSQL." + port)))
            directory = cluster.directory
        self.assertFalse(os.path.exists(directory))
        with self.assertRaises(RuntimeError):
            psql(cluster.url, "SELECT 1")

    def test_committed_rows_survive_an_immediate_stop_and_the_restart_keeps_the_url(self):
        with PostgresCluster() as cluster:
            psql(cluster.url, "CREATE DATABASE crash")
            url = cluster.database_url("crash")
            psql(url, "CREATE TABLE kept (n int); INSERT INTO kept SELECT generate_series(1, 1000)")
            before = cluster.url
            cluster.stop_immediate()
            with self.assertRaises(RuntimeError):
                psql(url, "SELECT 1")
            self.assertEqual(cluster.start(), before)
            self.assertEqual(psql(url, "SELECT count(*), sum(n) FROM kept"), "1000|500500")

    def test_two_clusters_at_once_have_their_own_ports_and_data(self):
        with PostgresCluster() as first, PostgresCluster() as second:
            self.assertNotEqual(first.url, second.url)
            psql(first.url, "CREATE DATABASE only_in_first")
            self.assertEqual(psql(second.url, "SELECT count(*) FROM pg_database WHERE datname = 'only_in_first'"), "0")

    def test_a_cluster_whose_owner_process_died_is_stopped_and_removed(self):
        directory = os.path.join(tempfile.gettempdir(), "consult-pg-owner-" + os.urandom(6).hex())
        owner = subprocess.Popen(["sleep", "600"])
        try:
            url = subprocess.run(["bash", SCRIPT, "start", directory, str(owner.pid)], capture_output=True,
                                 text=True, check=True, stdin=subprocess.DEVNULL, timeout=180).stdout.strip()
            self.assertEqual(psql(url, "SELECT 1"), "1")
            owner.kill()
            owner.wait()
            for _ in range(150):
                if not os.path.exists(directory):
                    break
                time.sleep(0.1)
            self.assertFalse(os.path.exists(directory))
            with self.assertRaises(RuntimeError):
                psql(url, "SELECT 1")
        finally:
            owner.kill()
            subprocess.run(["bash", SCRIPT, "stop", directory], stdin=subprocess.DEVNULL, timeout=180)

    def test_a_synchronous_replica_has_every_commit_and_takes_over_when_promoted(self):
        with PostgresCluster() as primary:
            replica = primary.replica()
            try:
                self.assertEqual(psql(primary.url, "SELECT sync_state FROM pg_stat_replication"), "sync")
                psql(primary.url, "CREATE TABLE kept (n int); INSERT INTO kept SELECT generate_series(1, 100)")
                # Synchronous (remote_flush): committed on the primary means flushed on the replica; it may not
                # be replayed yet, so wait for the replay, then crash the primary.
                for _ in range(100):
                    if psql(replica.url, "SELECT count(*) FROM pg_class WHERE relname = 'kept'") == "1" \
                            and psql(replica.url, "SELECT count(*) FROM kept") == "100":
                        break
                    time.sleep(0.1)
                primary.stop_immediate()
                with self.assertRaises(RuntimeError):
                    psql(replica.url, "INSERT INTO kept VALUES (101)")  # read-only while it is a replica
                replica.promote()
                psql(replica.url, "INSERT INTO kept VALUES (101)")
                self.assertEqual(psql(replica.url, "SELECT count(*) FROM kept"), "101")
            finally:
                replica.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
