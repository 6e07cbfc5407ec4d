"""A throwaway PostgreSQL server from Debian's ``postgresql`` binaries, on a Unix socket in a temp folder.

Used by the web tests and the comparison benchmark; needs no running service and no configuration.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

from browser import free_port


class Server:
    """A throwaway PostgreSQL server that can be stopped and started again (for fault tests)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise FileNotFoundError("PostgreSQL is not installed (Debian's postgresql; test.sh installs it)")
        self.bin_dir = Path(found[-1]).parent
        self.root = Path(tempfile.mkdtemp(prefix="emovoice-pg-"))  # not under pytest's 0700 folders
        self.data, self.sock = self.root / "data", self.root / "sock"
        self.sock.mkdir()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sock, "postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        subprocess.run([*self.prefix, str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
        self.url = f"postgresql+psycopg://postgres@/{{db}}?host={self.sock}&port={self.port}"
        """A URL template with ``{db}`` for the database name."""

    def start(self) -> None:
        subprocess.run([*self.prefix, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "log"),
                        "-w", "-o", f"-k {self.sock} -p {self.port} -c listen_addresses=''", "start"],
                       check=True, capture_output=True)

    def stop(self, mode: str = "immediate") -> None:
        subprocess.run([*self.prefix, str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", mode, "stop"],
                       capture_output=True)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def controlled_server() -> Iterator[Server]:
    """A started :class:`Server`, stopped and removed afterwards."""
    server = Server()
    server.start()
    try:
        yield server
    finally:
        server.remove()


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """Start a server; yield a URL template with ``{db}`` for the database name; stop and remove it after."""
    with controlled_server() as server:
        yield server.url


def create_database(server: str) -> str:
    """A new empty database on ``server`` (from :func:`throwaway_server`); returns its URL."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = server.format(db="postgres").replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server.format(db=name)
