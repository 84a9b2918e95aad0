"""`joinedup bench match`: how fast one new mention is matched online against N known persons.

The parent process starts a worker (`python -m joinedup_lab.benches.match`) on a throwaway SQLite
database so nothing touches the real one. The worker:

1. trains the linkage model on a small simulated authority (400 children);
2. stores N synthetic persons with one identity row each, and their blocking keys, the same tables
   online matching reads in production (names from the simulator's lists, dates of birth over 0–80
   years, NHS numbers on 70% as health records have them, postcodes in the simulated town);
3. times the online match (index lookup, scoring every candidate with the model's weights, the
   decision) for `samples` new mentions: half noisy copies of stored persons (a typo, a swapped
   day and month, no NHS number), half people nobody knows;
4. times Splink's own `predict_between` for a few of the same mentions against the same N rows.

Reported: p50_ms, p95_ms, persons (and persons_stored, the Person rows written; found_by_name_and_dob, the share
of ten stored persons the people search finds by name and date of birth), plus the share of noisy copies attached to their person and of
strangers wrongly attached to someone, and Splink's predict_between seconds for comparison.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKER = "joinedup_lab.benches.match"


def run(*, persons: int, samples: int, seed: int, out) -> dict:
    """Run the worker on a throwaway database and return its JSON result."""
    with tempfile.TemporaryDirectory(prefix="joinedup-bench-match-") as tmp:
        env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", JOINEDUP_ENV="development",
                   JOINEDUP_VAR_DIR=tmp, DJANGO_SETTINGS_MODULE="config.settings.development")
        proc = subprocess.Popen(
            [sys.executable, "-m", WORKER, str(persons), str(samples), str(seed), tmp],
            env=env, stdout=subprocess.PIPE, stderr=None, text=True,
        )
        output, _ = proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"bench match worker failed with exit code {proc.returncode}")
        lines = [line for line in output.splitlines() if line.strip()]
        out.write("\n".join(lines[:-1]) + ("\n" if len(lines) > 1 else ""))
        return json.loads(lines[-1])


def _valid_nhs_numbers(rng: random.Random):
    from joinedup_lab.simulate.identifiers import nhs_check_digit

    body = 900_000_000 + rng.randrange(1000)
    while True:
        body += 1
        first9 = f"{body:09d}"
        check = nhs_check_digit(first9)
        if check is not None:
            yield first9 + str(check)


def _person_mentions(n: int, rng: random.Random, start_id: int, source: str):
    from joinedup_lab.simulate import names

    nhs_iter = _valid_nhs_numbers(rng)
    today = dt.date(2026, 1, 1)
    postcodes = [f"NB{d} {s}{a}{b}" for d in range(1, 10) for s in range(1, 10) for a in "ABDEFGHJLN" for b in "PQRSTUWXYZ"]
    for i in range(n):
        sex = rng.choice(("female", "male"))
        yield {
            "id": start_id + i,
            "source_identity": f"{source}:{start_id + i}",
            "agency": source,
            "role": "subject",
            "local_person_id": str(start_id + i),
            "given_name": names.given_for(rng, sex),
            "family_name": names.surname(rng),
            "relationship_label": "",
            "dob": (today - dt.timedelta(days=rng.randrange(0, 80 * 365))).isoformat(),
            "sex": sex,
            "nhs_number": next(nhs_iter) if rng.random() < 0.7 else None,
            "upn": None,
            "postcode": rng.choice(postcodes),
            "occurred_on": "2026-01-01",
        }


def _noisy_copy(m: dict, rng: random.Random, new_id: int) -> dict:
    from joinedup_lab.simulate import names

    copy = dict(m, id=new_id, source_identity=f"probe:{new_id}", agency="probe", local_person_id=str(new_id))
    copy["nhs_number"] = None
    choice = rng.randrange(3)
    if choice == 0:
        copy["given_name"] = names.typo(rng, m["given_name"])
    elif choice == 1:
        d = dt.date.fromisoformat(m["dob"])
        if d.day <= 12 and d.day != d.month:
            copy["dob"] = dt.date(d.year, d.day, d.month).isoformat()
    else:
        copy["family_name"] = names.typo(rng, m["family_name"])
    return copy


def _train_model(tmp: Path, seed: int) -> dict:
    from joinedup.people import engine
    from joinedup_lab.simulate.generate import SimulationConfig, generate

    out = tmp / "sim"
    generate(SimulationConfig(children=400, years=3, seed=seed), out, progress=False)
    mentions = []
    for path in sorted(out.glob("agencies/*/records.jsonl")):
        for line in path.open():
            rec = json.loads(line)
            for m in rec["mentions"]:
                local = m.get("local_person_id")
                mentions.append({
                    **m, "id": len(mentions), "agency": rec["agency_id"], "occurred_on": rec.get("occurred_on"),
                    "postcode": (m.get("address") or {}).get("postcode"),
                    "source_identity": f"{rec['agency_id']}:{local}" if local
                    else f"{rec['agency_id']}:{rec['source_record_id']}#{m['mention_id']}",
                })
    return engine.train(mentions)[0]


def _person_fields(m: dict) -> tuple:
    """A stored person's display fields and search text from their one mention, as `people.services` writes them
    (given name, family name, date of birth, sex, NHS number, search text)."""
    from joinedup.people.search import search_text, search_words

    words = search_words(m["given_name"], m["family_name"], m["nhs_number"], m["dob"])
    return (m["given_name"], m["family_name"], m["dob"], m["sex"], m["nhs_number"] or "", search_text(words))


def _store(rows: dict, progress, source: dict) -> None:
    """Persons, identity rows and blocking keys, written with executemany for speed. `source` maps each identity
    row's uid to the mention it was made from (the person's name, date of birth, sex and NHS number)."""
    import uuid

    from django.db import connection, transaction

    from joinedup.people import engine
    from joinedup.people.models import BlockingKey, IdentityRow, Person

    now = dt.datetime.now(dt.UTC).isoformat()
    uids = list(rows)
    person_table, row_table, key_table = Person._meta.db_table, IdentityRow._meta.db_table, BlockingKey._meta.db_table
    with transaction.atomic(), connection.cursor() as cur:
        for start in range(0, len(uids), 20000):
            chunk = uids[start:start + 20000]
            persons = [(uuid.uuid4().hex, uid) for uid in chunk]
            cur.executemany(
                f"INSERT INTO {person_table} (id, given_name, family_name, dob, sex, nhs_number, search_text, "  # noqa: S608
                "mention_count, agency_count, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 1, 1, %s, %s)",
                [(pid, *_person_fields(source[uid]), now, now) for pid, uid in persons],
            )
            cur.executemany(
                f"INSERT INTO {row_table} (uid, person_id, source_identity, agency_code, attrs) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s)",
                [(uid, pid, rows[uid]["source_identity"], rows[uid].get("agency") or "",
                  json.dumps(rows[uid], default=str)) for pid, uid in persons],
            )
            cur.executemany(
                f"INSERT INTO {key_table} (key, identity_id) VALUES (%s, %s)",  # noqa: S608
                [(key, uid) for uid in chunk for key in engine.keys_for(rows[uid])],
            )
            progress(f"stored {min(start + 20000, len(uids)):,} of {len(uids):,} persons")


def _splink_predict_between_seconds(rows: dict, model: dict, probes: list[dict]) -> float | None:
    """Median seconds for Splink's own `predict_between` of one new row against all stored rows (DuckDB)."""
    import duckdb
    from splink import Linker
    from splink.backends.duckdb import DuckDBAPI

    from joinedup.people.linkage.model import splink_settings
    from joinedup.people.linkage.prepare import rows_to_table

    if not probes:
        return None
    db_api = DuckDBAPI(connection=duckdb.connect())
    stored = db_api.register(rows_to_table(rows.values()), table_name="stored_rows")
    linker = Linker(stored, splink_settings(model))
    times = []
    for n, probe in enumerate(probes):
        new = db_api.register(rows_to_table([probe]), table_name=f"probe_{n}")
        t0 = time.perf_counter()
        linker.inference.predict_between(stored, new, warning_mode="never").as_pandas_dataframe()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3)


def worker(persons: int, samples: int, seed: int, tmp: Path) -> dict:
    import django

    django.setup()
    from django.core.management import call_command

    from joinedup.people import engine
    from joinedup.people.services import match_identity_row

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    rng = random.Random(seed)
    call_command("migrate", verbosity=0)
    progress("training the model on a 400-child simulated authority…")
    model = _train_model(tmp, seed)
    progress(f"preparing {persons:,} persons…")
    base = list(_person_mentions(persons, rng, 0, "bench"))
    rows, row_of, _unlinkable = engine.prepare_rows(base)
    _store(rows, progress, {uid: base[i] for i, uid in enumerate(row_of) if uid is not None})
    scorer = engine.scorer(model)
    probes = []
    for i in range(samples):
        if i % 2 == 0:
            target = base[rng.randrange(persons)]
            probes.append((_noisy_copy(target, rng, 10_000_000 + i), target["source_identity"]))
        else:
            probes.append((next(_person_mentions(1, rng, 10_000_000 + i, "stranger")), None))
    probe_rows, probe_row_of, _ = engine.prepare_rows([p for p, _ in probes])
    from joinedup.people.models import IdentityRow

    person_of_source = {}
    timings, found, wrong, copies, strangers = [], 0, 0, 0, 0
    progress(f"matching {samples:,} new mentions online…")
    for position, (_probe, true_source) in enumerate(probes):
        uid = probe_row_of[position]
        if uid is None:
            continue
        row = probe_rows[uid]
        t0 = time.perf_counter()
        person_id = match_identity_row(uid, row, scorer, {}).person_id
        timings.append((time.perf_counter() - t0) * 1000)
        if true_source is None:
            strangers += 1
            wrong += person_id is not None
        else:
            copies += 1
            if true_source not in person_of_source:
                person_of_source[true_source] = IdentityRow.objects.filter(
                    source_identity=true_source).values_list("person_id", flat=True).first()
            found += person_id is not None and person_id == person_of_source[true_source]
    # The stored persons are found as a worker finds them (name and date of birth; `people.selectors.person_search`).
    from joinedup.people.models import Person
    from joinedup.people.selectors import person_search

    looked_up = [base[rng.randrange(persons)] for _ in range(min(10, persons))]
    found_by_search = sum(
        Person.objects.filter(pk__in=IdentityRow.objects.filter(source_identity=m["source_identity"]).values("person_id"))
        .filter(pk__in=person_search(viewer=None, name=f"{m['given_name']} {m['family_name']}",
                                     dob=dt.date.fromisoformat(m["dob"]), everyone=True).values("pk")).exists()
        for m in looked_up)
    splink_seconds = _splink_predict_between_seconds(rows, model, [probe_rows[u] for u in probe_row_of[:5] if u])
    timings.sort()
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "persons": persons,
        "persons_stored": Person.objects.count(),
        "found_by_name_and_dob": round(found_by_search / len(looked_up), 4) if looked_up else None,
        "samples": len(timings),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 2),
        "max_ms": round(timings[-1], 2),
        "noisy_copies_attached": round(found / copies, 4) if copies else None,
        "strangers_wrongly_attached": round(wrong / strangers, 4) if strangers else None,
        "splink_predict_between_seconds": splink_seconds,
        "peak_rss_mb": round(rss_kb / 1024, 1),
    }


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    result = worker(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    print(json.dumps(result, sort_keys=True))
