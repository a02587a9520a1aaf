"""A throwaway local PostgreSQL server for the tests and benchmarks: ``python -m tests.support.pg_server``.

``start`` finds PostgreSQL's own programs (``initdb``, ``pg_ctl``: on PATH or in Debian's
``/usr/lib/postgresql/<version>/bin``), creates a cluster in a temporary folder of this checkout's (when
run as root, owned by the ``postgres`` user, as initdb refuses root), starts it on a free loopback port
with ``fsync=off`` (test data only) and prints its URL; ``url`` prints the URL of the running one;
``stop`` stops it and removes the folder. Nothing here is used by the bot itself.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = Path(tempfile.gettempdir()) / f"smi-bot-pg-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:10]}"
DATA = BASE / "data"
URL_FILE = BASE / "url"
DB_NAME = "smi_bot_test"
HINT = ("PostgreSQL tests skipped: no server (install Debian's `postgresql` package and run `make test`, "
        "or set TEST_DATABASE_URL=postgresql://…)")


def find_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    candidates += sorted(glob.glob(f"/usr/pgsql-*/bin/{name}"), reverse=True)      # RED OS, RHEL-like
    return candidates[0] if candidates else None


def _as_owner(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", "postgres", "--", *cmd]
    return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def running_url() -> str | None:
    if not URL_FILE.exists():
        return None
    pg_ctl = find_bin("pg_ctl")
    if pg_ctl is None:
        return None
    status = subprocess.run(_as_owner([pg_ctl, "-D", str(DATA), "status"]), capture_output=True, check=False)
    return URL_FILE.read_text().strip() if status.returncode == 0 else None


def start() -> str:
    """Start the server (or find it running) and return its URL; raises ``RuntimeError`` when impossible."""
    url = running_url()
    if url:
        return url
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    if not initdb or not pg_ctl:
        raise RuntimeError(HINT)
    if BASE.exists():
        shutil.rmtree(BASE, ignore_errors=True)
    BASE.mkdir(mode=0o755, parents=True)
    DATA.mkdir(mode=0o700)
    if os.geteuid() == 0:
        shutil.chown(BASE, "postgres", "postgres")
        shutil.chown(DATA, "postgres", "postgres")
    subprocess.run(_as_owner([initdb, "-D", str(DATA), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                              "--locale=C.UTF-8", "--no-sync"]), check=True, capture_output=True)
    port = _free_port()
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={BASE} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c shared_buffers=128MB")
    subprocess.run(_as_owner([pg_ctl, "-D", str(DATA), "-l", str(BASE / "log"), "-o", options, "-w", "start"]),
                   check=True, capture_output=True)
    psql = find_bin("psql") or "psql"
    base_url = f"postgresql://postgres@127.0.0.1:{port}"
    for _ in range(50):
        if subprocess.run([psql, f"{base_url}/postgres", "-qc", f"CREATE DATABASE {DB_NAME}"],
                          capture_output=True, check=False).returncode == 0:
            break
        time.sleep(0.1)
    url = f"{base_url}/{DB_NAME}"
    URL_FILE.write_text(url + "\n")
    return url


def stop() -> None:
    pg_ctl = find_bin("pg_ctl")
    if pg_ctl and DATA.exists():
        subprocess.run(_as_owner([pg_ctl, "-D", str(DATA), "-m", "immediate", "stop"]), capture_output=True,
                       check=False)
    shutil.rmtree(BASE, ignore_errors=True)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "start"
    if command == "start":
        try:
            print(start())
        except (RuntimeError, subprocess.CalledProcessError) as exc:
            print(str(exc) if isinstance(exc, RuntimeError) else HINT, file=sys.stderr)
            return 1
        return 0
    if command == "url":
        url = running_url()
        if url:
            print(url)
        return 0 if url else 1
    if command == "stop":
        stop()
        return 0
    print("usage: python -m tests.support.pg_server [start|url|stop]", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
