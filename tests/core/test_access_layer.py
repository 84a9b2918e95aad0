"""One access layer (issue 15): no view or API module reads personal-data models itself.

Screens and API operations get personal data only through selectors and the access app, which take the viewer, check
the policy and write the audit row. A view may import a model module only for its constants (choices), never a model
class it could query.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from django.db import models

ROOT = Path(__file__).resolve().parents[2] / "joinedup"
SCREENS = [*sorted((ROOT / "web" / "views").glob("*.py")), *sorted((ROOT / "api").rglob("*.py"))]
PERSONAL_DATA_APPS = ("people", "ingest", "casework", "chronology", "practice", "alerts", "access", "audit",
                      "returns")


def _model_imports(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if len(parts) >= 3 and parts[0] == "joinedup" and parts[1] in PERSONAL_DATA_APPS and parts[-1] == "models":
                for alias in node.names:
                    yield node.module, alias.name, node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if len(parts) >= 3 and parts[1] in PERSONAL_DATA_APPS and parts[-1] == "models":
                    yield alias.name, "*", node.lineno


def test_views_and_api_modules_import_no_personal_data_model():
    offences = []
    for path in SCREENS:
        for module, name, line in _model_imports(path):
            value = getattr(importlib.import_module(module), name, None) if name != "*" else None
            is_constant = isinstance(value, type) and issubclass(value, models.Choices)
            if not is_constant:
                offences.append(f"{path.relative_to(ROOT.parent)}:{line} imports {module}.{name}")
    assert offences == [], "views must read personal data through selectors that take the viewer:\n" + "\n".join(
        offences)


def test_the_check_itself_catches_a_model_import(tmp_path):
    sample = tmp_path / "view.py"
    sample.write_text("from joinedup.people.models import Person, ReviewStatus\n")
    found = {(m, n) for m, n, _ in _model_imports(sample)}
    assert found == {("joinedup.people.models", "Person"), ("joinedup.people.models", "ReviewStatus")}
