"""Every runtime import is in requirements/app.txt (issue 18): a fresh virtualenv with app.txt alone, and beside it
only the product as pyproject.toml packages it (joinedup/ and config/: not the lab, not the tests), passes
`check --deploy`, migrates, ingests agencies' records and serves pages, with production settings.

On its own scratch database on the suite's PostgreSQL server (dropped after), or on the embedded SQLite file when
the suite runs on SQLite. Unmarked: it runs once, in the PostgreSQL pass."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
HOST = "joinedup.example"
# Imported by the product, deliberately not in app.txt: each only inside the function that needs it, and each
# pinned in the requirements file of where it runs.
ELSEWHERE = {  # module: (requirements file, its distribution there)
    "pyspark": ("spark.txt", "pyspark"),  # `joinedup link --engine spark` only (docs/linkage.md)
    # The statutory returns' validators, run as a subprocess in their own virtualenv (docs/returns.md).
    "cin_validator": ("returns.txt", "csc-validator-be-cin"),
    "lac_validator": ("returns.txt", "csc-validator-be-903"),
}
# Agencies' records from the format's own examples (docs/formats/examples), as a folder the ingest command reads.
AGENCIES = {"northbrook-childrens-services": "childrens_social_care", "northbrook-police": "police",
            "northbrook-general-hospital": "acute_hospital"}

PROBE = r"""
import ast, importlib, importlib.util, json, pkgutil, re, sys
from pathlib import Path
import django
from joinedup.cli import configure_settings
configure_settings()  # as the console script does: JOINEDUP_ENV=production
django.setup()
from django.conf import settings
from django.test import Client
from django.urls import reverse
import config, joinedup

out = {"absent": [m for m in ("joinedup_lab", "tests", "pytest") if importlib.util.find_spec(m) is not None]}
# 1. Every module of the product imports.
names = [m.name for pkg in (joinedup, config) for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
failed = []
for name in names:
    try:
        importlib.import_module(name)
    except Exception as exc:
        failed.append(f"{name}: {type(exc).__name__}: {exc}")
out.update(modules=len(names), failed=failed)
# 2. Every module any of its files imports, at the top or inside a function, is installed (or the standard library).
wanted = {}
for path in sorted(Path(".").rglob("*.py")):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found = [node.module]
        else:
            continue
        for name in found:
            top = name.split(".")[0]
            if top not in sys.stdlib_module_names and top not in ("joinedup", "config", "__future__"):
                wanted.setdefault(top, str(path))
out["imported"] = sorted(wanted)
out["missing"] = {m: where for m, where in sorted(wanted.items()) if importlib.util.find_spec(m) is None}
out["elsewhere_loaded"] = sorted(m for m in out["missing"] if m in sys.modules)
# 3. Pages, through the whole middleware, as a browser behind the TLS proxy asks for them.
c = Client()
health = c.get("/healthz", HTTP_HOST="10.0.0.7")  # the load balancer, by address
ready = c.get("/readyz", HTTP_HOST="10.0.0.7")
plain = c.get(reverse("web:sign-in"), HTTP_HOST=settings.ALLOWED_HOSTS[0])  # plain HTTP: sent to HTTPS
page = c.get(reverse("web:sign-in"), HTTP_HOST=settings.ALLOWED_HOSTS[0], secure=True)
html = page.content.decode()
css = re.search(r'href="(/static/[^"]+\.css)"', html)
sheet = c.get(css.group(1), HTTP_HOST=settings.ALLOWED_HOSTS[0], secure=True) if css else None
from joinedup.ingest.models import SourceRecord
from joinedup.jobs.models import WorkerHeartbeat
out.update(
    health=[health.status_code, health.json()], ready=[ready.status_code, ready.json()],
    plain=[plain.status_code, plain.get("Location", "")], page=page.status_code, service=settings.JOINEDUP_SERVICE_NAME,
    title=re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip(), css=css and css.group(1),
    sheet=sheet and [sheet.status_code, sheet["Content-Type"], sheet.get("Cache-Control", "")],
    hsts=page.get("Strict-Transport-Security", ""), records=SourceRecord.objects.count(),
    workers=WorkerHeartbeat.objects.count(),
)
print(json.dumps(out))
"""


@pytest.fixture
def database(tmp_path):
    """Where the product's data goes: a scratch database on the suite's PostgreSQL server, or the embedded file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield {"JOINEDUP_EMBEDDED": "1"}  # var/joinedup.sqlite3 in the product's own var folder
        return
    import psycopg
    from psycopg import sql

    name = f"joinedup_app_txt_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield {"DATABASE_URL": urlunsplit(urlsplit(url)._replace(path=f"/{name}"))}
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def authority(folder: Path) -> int:
    """Three agencies and their records from docs/formats/examples, laid out as `joinedup ingest` reads a folder
    (agencies.json and agencies/<id>/records.jsonl); returns how many records."""
    records: dict[str, list[dict]] = {code: [] for code in AGENCIES}
    for example in sorted((ROOT / "docs" / "formats" / "examples").glob("*.json")):
        record = json.loads(example.read_text(encoding="utf-8"))
        if record.get("agency_id") in records:
            records[record["agency_id"]].append(record)
    (folder / "agencies.json").write_text(json.dumps(
        [{"id": code, "name": code.replace("-", " ").title(), "kind": kind} for code, kind in AGENCIES.items()]))
    for code, theirs in records.items():
        assert theirs, f"docs/formats/examples has no record of {code}"
        (folder / "agencies" / code).mkdir(parents=True)
        (folder / "agencies" / code / "records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in theirs))
    return sum(len(r) for r in records.values())


def test_app_txt_alone_runs_the_product_check_deploy_migrate_ingest_and_pages(tmp_path, database):
    assert (ROOT / "joinedup" / "web" / "static" / "build" / "app.css").is_file(), "run `make setup` first"
    venv, app, var, folder = tmp_path / "venv", tmp_path / "app", tmp_path / "app" / "var", tmp_path / "authority"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DJANGO", "VIRTUAL_ENV"))}
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile",
                          "--disable-pip-version-check", "-r", str(ROOT / "requirements" / "app.txt")],
                         env=pip_env, capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stderr[-3000:]
    for package in ("joinedup", "config"):  # pyproject.toml's packages, and nothing else of the checkout
        shutil.copytree(ROOT / package, app / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    var.mkdir()  # the operator's var folder (JOINEDUP_VAR_DIR): static files, and the embedded database if used
    folder.mkdir()
    records = authority(folder)

    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "JOINEDUP_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": HOST,
           "JOINEDUP_VAR_DIR": str(var), **database}

    def run(*args: str, timeout: int = 180) -> subprocess.CompletedProcess:
        done = subprocess.run([str(venv / "bin" / "python"), *args], cwd=app, env=env, capture_output=True,
                              text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(args)[:60]}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done

    joinedup = ("-m", "joinedup.cli")  # the console script's entry point (pyproject.toml: joinedup.cli:main)
    checked = run(*joinedup, "check", "--deploy", "--fail-level", "WARNING")
    assert "System check identified no issues (0 silenced)." in checked.stdout + checked.stderr
    run(*joinedup, "migrate", "--no-input", "-v", "0")
    run(*joinedup, "collectstatic", "--no-input", "-v", "0")
    # (--link-follows: six records are too few to train a linkage model on; the worker's own tests queue links.)
    ingested = run(*joinedup, "ingest", "--register-agencies", "--link-follows", "--no-progress", "--json",
                   str(folder))
    summary = json.loads(ingested.stdout.strip().splitlines()[-1])
    assert (summary["records"], summary["created"], summary["refused"]) == (records, records, 0), ingested.stdout
    assert records >= 5
    # The worker (ADR 0017) from app.txt alone: its heartbeat makes /readyz ready.
    run(*joinedup, "worker", "--once", "--no-schedule")

    seen = json.loads(run("-c", PROBE, timeout=240).stdout.strip().splitlines()[-1])
    assert seen["absent"] == [], "the lab, the tests or pytest were importable beside the product"
    assert seen["failed"] == [] and seen["modules"] > 200, seen["failed"]
    assert {"django", "rest_framework", "splink", "duckdb", "pyarrow", "reportlab"} <= set(seen["imported"])  # found
    missing = {m: where for m, where in seen["missing"].items() if m not in ELSEWHERE}
    assert missing == {}, f"imported by the product but not installed by requirements/app.txt: {missing}"
    assert seen["elsewhere_loaded"] == []  # those are imported only where they are used, never on loading a module
    for requirements, distribution in ELSEWHERE.values():
        pinned = (ROOT / "requirements" / requirements).read_text().splitlines()
        assert any(line.startswith(f"{distribution}==") for line in pinned), (requirements, distribution)
    assert seen["health"] == [200, {"status": "up"}]
    assert seen["ready"][0] == 200 and seen["ready"][1]["status"] == "ready", seen["ready"]
    assert seen["plain"] == [301, f"https://{HOST}/sign-in/"]  # production settings are in force
    assert seen["page"] == 200 and seen["title"] == f"Sign in – {seen['service']}" and seen["service"] == "joinedup"
    assert seen["hsts"].startswith("max-age=63072000")
    assert seen["css"] and seen["css"] != "/static/build/app.css"  # collectstatic's manifest: a hashed name
    assert seen["sheet"][0] == 200 and seen["sheet"][1].startswith("text/css") and "immutable" in seen["sheet"][2]
    assert seen["records"] == records
    assert seen["workers"] == 1
