"""A throw-away PostgreSQL cluster for the Python suites (issue 18: nodes behind nginx, crash tests), made and
removed by Scripts/postgres-cluster.sh, the same script the Swift tests use.

    with PostgresCluster() as cluster:
        cluster.url                  # postgresql://consult@127.0.0.1:PORT/postgres
        cluster.stop_immediate()     # pg_ctl stop -m immediate: a crash of the database
        cluster.start()              # the same data directory, port and URL again
        replica = cluster.replica()  # a synchronous streaming replica (the primary waits for it at each commit)
        replica.promote()            # failover: the replica becomes a primary
"""
import os
import subprocess
import tempfile

REPOSITORY = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(REPOSITORY, "Scripts", "postgres-cluster.sh")


class PostgresClusterError(RuntimeError):
    """The cluster script failed; the message is what it printed."""


class PostgresCluster:
    """One cluster in a new folder under the system's temporary folder (the server's user must be able to enter
    it), started on entering the `with` block and stopped and removed on leaving it."""

    def __init__(self):
        self.directory = os.path.join(tempfile.gettempdir(), "consult-pg-" + os.urandom(6).hex())
        self.url = None

    def _run(self, command, *before):
        # The script's watcher removes the cluster should this process die before __exit__.
        owner = [str(os.getpid())] if command in ("start", "replica") else []
        done = subprocess.run(["bash", SCRIPT, command, *before, self.directory, *owner], capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, timeout=180)
        if done.returncode != 0:
            raise PostgresClusterError(f"postgres-cluster.sh {command}: {done.stderr.strip()}")
        return done.stdout.strip()

    def start(self):
        """Creates the cluster, or starts it again with its data after `stop_immediate`; returns its URL."""
        self.url = self._run("start")
        return self.url

    def stop_immediate(self):
        """Stops the server the way a crash would (no checkpoint, no clean shutdown), keeping its data."""
        self._run("stop-immediate")

    def stop(self):
        """Stops the server (-m fast) and removes its folder."""
        self._run("stop")

    def replica(self):
        """A new cluster streaming from this one, which waits for it at every commit (synchronous_standby_names),
        ready once it replicates synchronously. Stop it with `stop()` like any cluster."""
        replica = PostgresCluster()
        replica.url = replica._run("replica", self.directory)
        return replica

    def promote(self):
        """Promotes this replica to a primary (a failover); returns its URL."""
        return self._run("promote")

    def database_url(self, name):
        """The URL of database `name` on this cluster."""
        return self.url.rsplit("/", 1)[0] + "/" + name

    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self._run("stop")
            raise
        return self

    def __exit__(self, *exc):
        self.stop()
        return False
