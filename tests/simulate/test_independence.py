"""The simulator is not written against the product (issue 16): it imports nothing from the alert rules or the
linkage, the phrases it writes are not the rules' keywords, and its name variants include ones the product's
nickname table does not hold."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from joinedup.people.linkage.nicknames import FAMILY_CANONICAL, GIVEN_CANONICAL, canonical_forms
from joinedup_lab.simulate import names

ROOT = Path(__file__).resolve().parents[2]
SIMULATOR = ROOT / "joinedup_lab" / "simulate"
RULES = ROOT / "joinedup" / "alerts" / "rules"
FORBIDDEN = ("joinedup.alerts", "joinedup.people.linkage")


def _simulator_modules() -> list[Path]:
    """The simulator's own modules: everything but the benches, which measure the product and so use it."""
    return sorted(p for p in SIMULATOR.rglob("*.py") if not p.name.startswith("bench"))


def _imports(path: Path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def test_the_simulator_imports_nothing_from_the_rules_or_the_linkage() -> None:
    modules = _simulator_modules()
    assert len(modules) > 20
    for path in modules:
        bad = sorted(m for m in _imports(path) if m.startswith(FORBIDDEN))
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"
    # nor through anything it imports: load every module in a fresh interpreter and look at what came in
    code = (
        "import importlib, pkgutil, sys\n"
        "import joinedup_lab.simulate as s\n"
        "for m in pkgutil.iter_modules(s.__path__):\n"
        "    if not m.name.startswith('bench'): importlib.import_module('joinedup_lab.simulate.' + m.name)\n"
        f"print('\\n'.join(k for k in sys.modules if k.startswith({FORBIDDEN!r})))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == ""


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _phrases(strings: set[str]) -> set[str]:
    """Free-text phrases: strings of two words or more as written (codes such as `was_not_brought` are the
    format's shared vocabulary, and single words are English, not anyone's list)."""
    return {_norm(s) for s in strings if " " in s.strip() and re.search("[A-Za-z]", s) and len(_norm(s).split()) > 1}


def _rule_keywords() -> set[str]:
    """Every string the rule modules list (the elements of their tuple, list and set literals)."""
    out: set[str] = set()
    for path in sorted(RULES.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                out.update(e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return out


def _strings(value: object, out: set[str]) -> None:
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(k, out)
            _strings(v, out)
    elif isinstance(value, (tuple, list, set, frozenset)):
        for v in value:
            _strings(v, out)


def _simulator_vocabulary(only: tuple[str, ...] = ()) -> set[str]:
    """Every string in the simulator's module-level tables (the words and codes it writes come from these), or in
    those of the modules named."""
    import importlib

    out: set[str] = set()
    for path in _simulator_modules():
        if only and path.stem not in only:
            continue
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        module = importlib.import_module(name.removesuffix(".__init__"))
        for attr, value in vars(module).items():
            if not attr.startswith("__") and isinstance(value, (dict, tuple, list, set, frozenset)):
                _strings(value, out)
    return out


def test_the_simulators_phrases_are_not_the_rules_keywords() -> None:
    ours = _phrases(_simulator_vocabulary())
    theirs = _phrases(_rule_keywords())
    assert len(ours) > 200 and len(theirs) > 10  # both sides were found
    assert not ours & theirs, sorted(ours & theirs)
    # nor does any phrase of the rules sit inside what the simulator writes about injuries, neglect and hardship
    # ("weight faltering" in "weight faltering at the review" would be the same words). Casework prose may say
    # "the police" or "mental health" as any social worker would.
    signs = _phrases(_simulator_vocabulary(("injuries", "harm", "health", "everyday", "community", "neglect")))
    inside = sorted((t, o) for t in theirs for o in signs if f" {t} " in f" {o} ")
    assert not inside, inside


def _fold(name: str) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower())


def test_many_name_variants_are_not_in_the_products_nickname_table() -> None:
    pairs = [(n, v, GIVEN_CANONICAL) for n, forms in names.NICKNAMES.items() for v in forms]
    pairs += [(n, v, FAMILY_CANONICAL if n in names.SURNAMES else GIVEN_CANONICAL)
              for n, forms in names.SPELLINGS.items() for v in forms]
    held = [set(canonical_forms(_fold(a), t)) & set(canonical_forms(_fold(b), t)) for a, b, t in pairs]
    not_held = sum(1 for h in held if not h) / len(pairs)
    assert len(pairs) > 150
    assert not_held >= 0.2, f"only {not_held:.0%} of the simulator's {len(pairs)} name variants are unknown to the table"
    assert sum(1 for h in held if h) > 0  # the table does know the common ones: the share is not vacuous
