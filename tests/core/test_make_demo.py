"""`make demo` and `joinedup serve`: what the person running the demo reads last is how to sign in, then "Serving";
gunicorn's control socket is made in joinedup's var/ directory; and the helpers the demo's long steps use (bars for
progress, `rows_update`) do what they say."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from joinedup.core.bulk import rows_update
from joinedup.core.management.commands.serve import control_socket_path, gunicorn_argv
from joinedup.core.progress import Reporter, progress_bar

ROOT = Path(__file__).resolve().parents[2]


def _demo_recipe() -> list[str]:
    """The commands `make demo` runs itself, in order (its recipe lines, continuation lines joined)."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    recipe = re.search(r"^demo: setup\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert recipe, "the Makefile has a demo target"
    return [line.strip().lstrip("@") for line in recipe.group(1).splitlines()]


def test_make_demo_prints_the_sign_in_details_last_just_before_serving():
    commands = [c for c in _demo_recipe() if "$(JOINEDUP)" in c]
    assert [c.split()[1] for c in commands[-3:]] == ["alerts", "demo-users", "serve"]
    between = _demo_recipe()[_demo_recipe().index(commands[-2]) + 1:_demo_recipe().index(commands[-1])]
    assert all(line in ("echo", 'echo ""') for line in between)  # nothing else is said in between
    loading = next(c for c in commands if c.split()[1] == "demo")
    assert "--no-sign-in-details" in loading  # the loader does not print them earlier
    link = next(c for c in commands if c.split()[1] == "link")
    assert commands.index(link) > commands.index(next(c for c in commands if c.split()[1] == "ingest"))


def test_the_demo_users_are_loaded_before_linking_so_alerts_go_to_the_demo_teams():
    text = (ROOT / "Makefile").read_text()
    database = re.search(r"^demo-database:\n((?:\t.*\n)+)", text, re.MULTILINE).group(1)
    assert "demo --users-only" in database
    recipe = _demo_recipe()
    assert recipe.index("$(MAKE) --no-print-directory -j2 demo-database demo-simulated") < next(
        i for i, c in enumerate(recipe) if "$(JOINEDUP) link" in c)


def test_gunicorns_control_socket_is_in_var_one_a_port(tmp_path, settings):
    settings.VAR_DIR = tmp_path / "var"
    argv = gunicorn_argv(host="127.0.0.1", port=8123, workers=1)
    socket = Path(argv[argv.index("--control-socket") + 1])
    assert socket == control_socket_path(8123) == tmp_path / "var" / "gunicorn-8123.ctl"
    assert control_socket_path(8124) != socket  # two servers never share one


def test_a_reporter_draws_bars_only_when_asked_and_plain_callables_get_lines():
    lines: list[str] = []
    assert progress_bar(lines.append, total=10, desc="x") is None  # a plain callable: the service says lines
    quiet = Reporter(lines.append, stream=io.StringIO())  # not a terminal: lines only
    assert progress_bar(quiet, total=10, desc="x") is None
    stream = io.StringIO()
    shown = Reporter(lines.append, stream=stream, bars=True)
    bar = progress_bar(shown, total=3, desc="Alerts", unit=" children")
    for _ in range(3):
        bar.update(1)
    bar.refresh()  # drawn now (tqdm otherwise redraws at most ten times a second)
    bar.close()
    shown("done")
    assert "Alerts" in stream.getvalue() and "3/3" in stream.getvalue() and lines == ["done"]
    assert progress_bar(shown, total=0, desc="x") is None


@pytest.mark.django_db
@pytest.mark.both_databases
def test_rows_update_writes_each_rows_own_values_as_the_orm_would():
    from joinedup.people.models import IdentityRow, Person

    first, second = Person.objects.create(), Person.objects.create()
    rows = [IdentityRow.objects.create(uid=f"u{n}", person=first, source_identity=f"s{n}", agency_code="a",
                                       attrs={"n": n}) for n in range(3)]
    rows[0].person, rows[0].attrs = second, {"given_name": "Zoë", "dob": None, "keys": [1, 2]}
    rows[2].agency_code = "b"
    rows_update(IdentityRow, rows[::2], ["person", "attrs", "agency_code"])
    got = {r.uid: (r.person_id, r.attrs, r.agency_code) for r in IdentityRow.objects.all()}
    assert got == {"u0": (second.pk, {"given_name": "Zoë", "dob": None, "keys": [1, 2]}, "a"),
                   "u1": (first.pk, {"n": 1}, "a"), "u2": (first.pk, {"n": 2}, "b")}
    first.dob, first.given_name = dt.date(2019, 2, 28), "Ann"
    rows_update(Person, [first], ["dob", "given_name"])
    assert Person.objects.filter(pk=first.pk, dob=dt.date(2019, 2, 28), given_name="Ann").exists()
    rows_update(Person, [], ["dob"])  # nothing to write: nothing done


def test_setup_counts_the_pins_its_progress_bar_waits_for(tmp_path):
    """scripts/pip_progress.py counts every pinned name of the requirement files it is given, following `-r`,
    against the distributions installed: here, the environment the tests run in has them all."""
    import importlib.util
    import sysconfig

    spec = importlib.util.spec_from_file_location("pip_progress", ROOT / "scripts" / "pip_progress.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "base.txt").write_text("Django==5.2.19\n# a comment\njsonschema_rs==0.60.3  # inline\n")
    (tmp_path / "top.txt").write_text("-r base.txt\nPyYAML==6.0.3\n-r base.txt\n")
    assert module.pins(tmp_path / "top.txt") == {"django", "jsonschema-rs", "pyyaml"}
    wanted = module.pins(ROOT / "requirements" / "test.txt")
    assert {"django", "splink", "pytest", "pyspark"} <= wanted and len(wanted) >= 100
    assert wanted <= module.installed(Path(sysconfig.get_paths()["purelib"]))


def test_no_step_of_make_demo_turns_its_progress_off():
    """Each long step shows how far it has got (issue 19): the simulator's bar, ingest's, link's, the alerts'."""
    text = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    recipes = re.findall(r"^(demo|demo-database|demo-simulated):.*\n((?:\t.*\n)+)", text, re.MULTILINE)
    assert {name for name, _ in recipes} == {"demo", "demo-database", "demo-simulated"}
    assert all("--no-progress" not in body for _, body in recipes)
    assert any("simulate --out" in body for _, body in recipes)
