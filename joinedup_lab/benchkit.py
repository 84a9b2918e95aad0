"""What the benches share: progress lines, a throwaway PostgreSQL cluster, a fresh SQLite file under var/, the
environment of the processes a bench starts, and measuring a bench in a fresh database in a subprocess (migrate, then
`joinedup bench <name> --here … --json`), on SQLite and PostgreSQL.

The throwaway cluster is started the way scripts/test.sh does (initdb and pg_ctl from
/usr/lib/postgresql/*/bin, as the postgres user when run as root), durable like production (fsync, synchronous
commit, full-page writes) with the memory settings a production server would have (`SERVER_SETTINGS`).
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings

SERVER_SETTINGS = (
    "-c fsync=on -c synchronous_commit=on -c full_page_writes=on "
    "-c shared_buffers=512MB -c wal_buffers=16MB -c max_wal_size=4GB -c random_page_cost=1.1"
)
PROGRESS = re.compile(r"  [A-Za-z0-9]")  # a bench's own progress lines on stderr (not a traceback's)


def say(out: TextIO, message: str) -> None:
    out.write(message + "\n")
    out.flush()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bindir() -> Path | None:
    """The bin folder of the newest PostgreSQL under /usr/lib/postgresql (Debian's layout), if any."""
    versions = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    if not versions:
        return None
    return max(versions, key=lambda b: int(b.parent.name) if b.parent.name.isdigit() else 0)


@dataclass(frozen=True)
class Cluster:
    """A throwaway PostgreSQL cluster: its URL, and what stopping, killing and restarting it need."""

    url: str
    data: Path
    bindir: Path
    as_pg: tuple[str, ...]  # run its tools as the postgres user (when joinedup runs as root)
    options: str  # the server's command-line options (port, socket, settings)
    log: Path

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([*self.as_pg, str(self.bindir / "pg_ctl"), "-D", str(self.data), *args], check=check,
                              capture_output=True, text=True)

    def start(self) -> None:
        self.pg_ctl("-l", str(self.log), "-w", "-o", self.options, "start")

    def postmaster_pid(self) -> int | None:
        """The running server's process id (the first line of postmaster.pid), if it is running."""
        try:
            return int((self.data / "postmaster.pid").read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Start a PostgreSQL cluster on 127.0.0.1 in a temporary folder; yield it; stop and remove it."""
    bindir = postgres_bindir()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL installation under /usr/lib/postgresql")
    root = Path(tempfile.mkdtemp(prefix="joinedup-pg-"))
    root.chmod(0o755)
    data, sock, log = root / "data", root / "sock", root / "server.log"
    data.mkdir()
    sock.mkdir()
    as_pg: list[str] = []
    if os.geteuid() == 0:
        for path in (root, data, sock):
            shutil.chown(path, "postgres", "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = free_port()

    def pg(*args: str) -> None:
        subprocess.run([*as_pg, *args], check=True, capture_output=True)

    cluster = Cluster(f"postgres://postgres@127.0.0.1:{port}/joinedup_bench", data, bindir, tuple(as_pg),
                      f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 {SERVER_SETTINGS}", log)
    try:
        pg(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        cluster.start()
        pg(str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "joinedup_bench")
        yield cluster
    finally:
        cluster.pg_ctl("-m", "fast", "stop", check=False)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a PostgreSQL cluster on 127.0.0.1 in a temporary folder; yield its URL; stop and remove it."""
    with throwaway_cluster() as cluster:
        yield cluster.url


@contextlib.contextmanager
def throwaway_postgres_and_folder(prefix: str) -> Iterator[tuple[str, Path]]:
    """A throwaway cluster's URL and a temporary folder beside it (a bench's var/, simulated records); both
    removed after."""
    with throwaway_cluster() as cluster, tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        yield cluster.url, Path(tmp)


STATIC_FROM_APPS = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@contextlib.contextmanager
def static_from_apps() -> Iterator[None]:
    """Pages render with static files named as they are in the apps, so a bench measures after `make setup` alone
    (no `joinedup collectstatic`: the deployment's manifest storage needs the collected manifest)."""
    from django.test.utils import override_settings

    with override_settings(STORAGES=STATIC_FROM_APPS):
        yield


def env_for(url: str) -> dict[str, str]:
    """The environment for joinedup processes (the server, the worker, `--here` runs) against the database at `url`:
    no API rate limit (a bench posts faster than a partner's system would), the development settings unless this
    process names its own."""
    env = {**os.environ, "DATABASE_URL": url, "JOINEDUP_API_RATE": "1000000/min", "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        env.setdefault("JOINEDUP_ENV", "development")
    return env


def here_json(env: dict[str, str], bench: str, *args: str) -> dict[str, Any]:
    """`joinedup bench <bench> --here <args> --json` in a fresh process with `env`: the figures of its last line."""
    done = subprocess.run([sys.executable, "-m", "joinedup.cli", "bench", bench, "--here", *args, "--json"],
                          env=env, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"bench {bench} --here {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    return json.loads(lines[-1])


@contextlib.contextmanager
def sqlite_database(bench: str) -> Iterator[tuple[str, Path]]:
    """A fresh SQLite file in a temporary folder under var/ (a real disk, as in use): yields its URL and the folder,
    which is removed afterwards."""
    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"bench-{bench}-", dir=var_dir) as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite3'}", Path(folder)


def measure_in(name: str, url: str, bench: str, args: list[str], out: TextIO, *,
               doing: str = "building the authority and measuring") -> dict[str, Any]:
    """Migrate the empty database at `url`, then run `joinedup bench <bench> --here <args> --json` against it in
    a subprocess, its progress passed on to `out` as it comes; the figures of its last (JSON) line."""
    env = {**os.environ, "DATABASE_URL": url}
    if "DJANGO_SETTINGS_MODULE" not in env:
        env.setdefault("JOINEDUP_ENV", "development")
    say(out, f"{name}: migrating…")
    done = subprocess.run([sys.executable, "-m", "joinedup.cli", "migrate", "--noinput", "-v", "0"], env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{name}: migrate failed:\n{done.stderr[-2000:]}")
    say(out, f"{name}: {doing}…")
    proc = subprocess.Popen([sys.executable, "-m", "joinedup.cli", "bench", bench, "--here", *args, "--json"],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tail: list[str] = []
    assert proc.stderr is not None and proc.stdout is not None
    for line in proc.stderr:  # progress as it comes (the JSON line on stdout is short: no pipe deadlock)
        tail = [*tail[-40:], line]
        if PROGRESS.match(line):
            say(out, f"{name}:{line.rstrip()[1:]}")
    stdout = proc.stdout.read()
    proc.wait()
    lines = stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"{name}: bench failed (exit {proc.returncode}):\n{stdout[-2000:]}{''.join(tail)}")
    return json.loads(lines[-1])


def on_each_database(bench: str, args: list[str], out: TextIO, *, postgres_url: str | None = None,
                     postgresql: bool = True, doing: str = "building the authority and measuring") -> dict[str, Any]:
    """`measure_in` a fresh SQLite file under var/ (a real disk, as in use) and then a PostgreSQL database (the one
    at `postgres_url`, else a throwaway cluster; skipped, and said, when PostgreSQL is not installed).
    {"sqlite": figures, "postgresql": figures}."""
    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"bench-{bench}-", dir=var_dir) as db_dir:
        results["sqlite"] = measure_in("SQLite", f"sqlite:///{Path(db_dir) / 'bench.sqlite3'}", bench, args, out,
                                       doing=doing)
    if postgresql:
        if postgres_url:
            results["postgresql"] = measure_in("PostgreSQL", postgres_url, bench, args, out, doing=doing)
        elif postgres_bindir() is None:
            say(out, "PostgreSQL skipped: no installation under /usr/lib/postgresql")
        else:
            with throwaway_postgres() as url:
                results["postgresql"] = measure_in("PostgreSQL", url, bench, args, out, doing=doing)
    return results


def module_on_fresh_sqlite(bench: str, module: str, out: TextIO) -> dict[str, Any]:
    """On a fresh SQLite file under var/: migrate, then run `python -m <module>` (which seeds, serves and measures
    in one process, its progress on stderr and its figures as the last line on stdout); those figures."""
    var_dir = Path(settings.VAR_DIR)
    var_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"bench-{bench}-", dir=var_dir) as folder:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
               "DJANGO_ALLOW_ASYNC_UNSAFE": "true"}
        if "DJANGO_SETTINGS_MODULE" not in env:
            env.setdefault("JOINEDUP_ENV", "development")
        say(out, "SQLite: migrating a fresh database…")
        done = subprocess.run([sys.executable, "-m", "joinedup.cli", "migrate", "--noinput", "-v", "0"], env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{done.stderr[-2000:]}")
        proc = subprocess.run([sys.executable, "-m", module], env=env, capture_output=True, text=True, check=False)
        for line in proc.stderr.splitlines():
            if line.startswith("  "):
                say(out, line)
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
            raise RuntimeError(f"bench {bench} failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}"
                               f"{proc.stderr[-4000:]}")
        return json.loads(lines[-1])


def module_main(run_here) -> int:
    """A bench module run as `python -m`: Django set up as the console script would, `run_here(out=stderr)`, its
    figures printed as one JSON line."""
    # As the console script chooses them (a domain app may not import joinedup.cli, the layer above).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", f"config.settings.{os.environ.get('JOINEDUP_ENV', 'development')}")
    import warnings

    import django

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: static files come from the apps here
    django.setup()
    result = run_here(out=sys.stderr)
    print(json.dumps(result, sort_keys=True, default=str))
    return 0


def time_gets(client, url: str, samples: int, warmup: int = 3) -> tuple[list[float], bytes]:
    """GET `url` with a test client `warmup + samples` times; the last `samples` times in ms and the last page."""
    import time

    times, content = [], b""
    for i in range(warmup + samples):
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        if i >= warmup:
            times.append(elapsed)
            content = response.content
    return times, content
