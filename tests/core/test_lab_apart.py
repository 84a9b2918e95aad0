"""The lab (joinedup_lab: the simulator, every benchmark, the FEBRL profile, the demo loader) is development-only:
production settings do not install it, a production process never imports it, its commands are not there, and the
product's package list leaves it out (import-linter's "forbidden" contract proves the product's code never imports
it; `make test` runs it)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_PROBE = """
import sys, django
from django.conf import settings
django.setup()
from django.core.management import get_commands
import joinedup.web.urls, joinedup.api.urls  # every screen and API operation
print(any(a.startswith("joinedup_lab") for a in settings.INSTALLED_APPS))
print(sorted(m for m in sys.modules if m.startswith("joinedup_lab")))
print(sorted(c for c in ("bench", "simulate", "demo_load", "demo_code", "demo_users") if c in get_commands()))
"""


def test_a_production_process_installs_imports_and_offers_nothing_of_the_lab(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production", "JOINEDUP_ENV": "production",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "SECRET_KEY": secrets.token_urlsafe(64),
           "ALLOWED_HOSTS": "joinedup.example"}
    out = subprocess.run([sys.executable, "-c", PRODUCTION_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    installed, imported, commands = out.stdout.strip().splitlines()[-3:]
    assert (installed, imported, commands) == ("False", "[]", "[]")


def test_the_lab_is_installed_for_development_and_tests_and_packaged_for_neither():
    from django.conf import settings

    assert {"joinedup_lab", "joinedup_lab.simulate"} <= set(settings.INSTALLED_APPS)
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    assert packages["include"] == ["joinedup", "joinedup.*", "config", "config.*"]
    assert "recordlinkage" not in (ROOT / "requirements" / "app.txt").read_text()  # the lab's own requirements
    assert "recordlinkage" in (ROOT / "requirements" / "lab.txt").read_text()
