"""A PostgreSQL streaming replica of a running cluster, for the replica tests and ``bench/verify.py --replica``.

``pg_basebackup -R`` copies the primary's cluster into a temporary directory and writes the standby settings; the
copy then starts with ``pg_ctl`` on a free port of loopback and follows the primary's WAL, as a production replica
would. The primary needs what a replica always needs: ``wal_level`` replica or above (the default), a free WAL
sender, and a ``replication`` line in its ``pg_hba.conf`` for the connecting address (``.ci/run`` adds one for
127.0.0.1). Run as root, the replica's commands run as the ``postgres`` user (the server refuses root).

    with streaming_replica("postgresql://postgres@127.0.0.1:5432/db") as url:   # the same database, on the replica
        ...
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

__all__ = ["ReplicaUnavailable", "streaming_replica", "wait_for_replay"]


class ReplicaUnavailable(Exception):
    """This machine cannot make a replica of that primary (no server binaries, no replication access ...)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _bindir(major: int) -> Path:
    """The server binaries of the primary's major version (Debian keeps each version apart), else those on PATH."""
    debian = Path(f"/usr/lib/postgresql/{major}/bin")
    if (debian / "pg_ctl").exists():
        return debian
    found = shutil.which("pg_ctl")
    if found is None:
        raise ReplicaUnavailable(f"no PostgreSQL {major} server binaries (pg_ctl, pg_basebackup)")
    return Path(found).parent


def _as_server_user(directory: Path) -> list[str]:
    """The command prefix that runs the server's tools as a user it accepts, owning `directory`."""
    if os.geteuid() != 0:
        return []
    try:
        owner = pwd.getpwnam("postgres")
    except KeyError:
        raise ReplicaUnavailable("running as root, and there is no postgres user to run the server as") from None
    os.chown(directory, owner.pw_uid, owner.pw_gid)
    return ["runuser", "-u", "postgres", "--"]


def _run(command: list[str], timeout: float) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise ReplicaUnavailable(f"{Path(command[-1]).name}: {(done.stderr or done.stdout).strip()}")


def _settings(directory: Path, port: int) -> str:
    return "\n".join(
        [
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{directory}'",
            "hot_standby = on",
            # Replay waits at most this long for a query it conflicts with (a TRUNCATE on the primary), then
            # cancels the query: a test's idle session never holds the replica a whole default 30 s behind.
            "max_standby_streaming_delay = 1s",
            "fsync = off",  # a throwaway copy
            "log_min_messages = warning",
        ]
    )


@contextmanager
def streaming_replica(primary_url: str, *, timeout: float = 120) -> Iterator[str]:
    """Start a streaming replica of the cluster behind `primary_url`; yield `primary_url` pointed at it.

    Raises :class:`ReplicaUnavailable` when the machine cannot; the replica is stopped and removed afterwards.
    """
    url = sa.make_url(primary_url)
    engine = sa.create_engine(url.set(drivername="postgresql+psycopg"), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            major = int(str(connection.exec_driver_sql("SHOW server_version_num").scalar())) // 10000
            if connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar():
                raise ReplicaUnavailable("the primary is itself a standby")
    except sa.exc.OperationalError as exc:
        raise ReplicaUnavailable(f"the primary does not answer: {exc.orig}") from exc
    finally:
        engine.dispose()
    bindir = _bindir(major)
    directory = Path(tempfile.mkdtemp(prefix="halal-trace-replica-"))
    data, port = directory / "data", _free_port()
    started, prefix = False, []
    try:
        prefix = _as_server_user(directory)
        source = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
        copy = [str(bindir / "pg_basebackup"), *source, "-D", str(data), "-R", "-X", "stream", "-c", "fast"]
        _run([*prefix, *copy, "--no-sync"], timeout)
        # Debian keeps a cluster's configuration outside its data directory: the copy gets its own.
        conf = {
            "postgresql.conf": _settings(directory, port),
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, text in conf.items():
            (data / name).write_text(text + "\n")
            if prefix:
                shutil.chown(data / name, "postgres")
        log = directory / "server.log"
        _run([*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "start"], 90)
        started = True
        yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
    finally:
        if started:
            subprocess.run(
                [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(directory, ignore_errors=True)


def wait_for_replay(primary: sa.Engine, replica: sa.Engine, *, timeout: float = 10) -> float:
    """Wait until the replica has replayed everything the primary has written; returns the seconds waited.

    The primary's current WAL position is read once; the replica's replay position is polled against it.
    """
    with primary.connect() as connection:
        target = str(connection.exec_driver_sql("SELECT pg_current_wal_lsn()").scalar())
    started = time.monotonic()
    while True:
        with replica.connect() as connection:
            done = connection.execute(
                sa.text("SELECT pg_last_wal_replay_lsn() >= CAST(:target AS pg_lsn)"), {"target": target}
            ).scalar()
        waited = time.monotonic() - started
        if done:
            return waited
        if waited > timeout:
            raise TimeoutError(f"the replica has not replayed up to {target} in {timeout} s")
        time.sleep(0.02)
