"""The engine on a small simulated authority: quality, determinism, Python scorer == Splink, online index."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict

from joinedup.people.linkage.model import train, write_charts
from joinedup.people.linkage.online import Scorer, blocking_keys, match_person
from joinedup.people.linkage.pipeline import ACCEPT, REVIEW_LOW, link_mentions
from joinedup.people.linkage.predict import comparison_summary, predict_pairs
from joinedup_lab.benches.linkage import pairwise


def test_small_authority_precision_and_recall(linkage_mentions, linkage_result):
    _mentions, truth = linkage_mentions
    measures = pairwise(truth, linkage_result.person_of_mention)
    # measured over seeds 1-5 at 300 children: precision 1.0, recall 0.9917-0.9927
    assert measures["precision"] >= 0.995, measures
    assert measures["recall"] >= 0.98, measures
    how = Counter(linkage_result.linked_by)
    assert how["identity"] > 0.95 * len(truth)
    assert any(k.startswith("context: unborn") for k in how) and any("mother" in k for k in how)


def test_same_input_gives_the_same_model_and_clusters(linkage_mentions, linkage_result):
    mentions, _truth = linkage_mentions
    again = link_mentions(mentions, seed=1)
    assert json.dumps(again.model, sort_keys=True) == json.dumps(linkage_result.model, sort_keys=True)
    assert again.person_of_mention == linkage_result.person_of_mention
    assert again.review == linkage_result.review


def test_python_scorer_equals_splink_and_blocking_keys_find_every_pair(linkage_result):
    table, model = linkage_result.prepared.table, linkage_result.model
    rows = linkage_result.prepared.rows()
    pairs = predict_pairs(table, model, 0.0)
    assert pairs.num_rows > 2000
    scorer = Scorer(model)
    gamma_names = [c for c in pairs.column_names if c.startswith("gamma_")]
    for record in pairs.to_pylist():
        a, b = rows[record["unique_id_l"]], rows[record["unique_id_r"]]
        probability, weight, summary = scorer.score(a, b)
        assert abs(probability - record["match_probability"]) < 1e-6
        assert abs(weight - record["match_weight"]) < 1e-6
        assert scorer.gammas(a, b) == {g[len("gamma_"):]: record[g] for g in gamma_names}
        assert summary == comparison_summary(record)
        assert set(blocking_keys(a)) & set(blocking_keys(b)), (a, b)


def test_online_match_finds_the_persons_the_batch_found(linkage_result):
    rows = linkage_result.prepared.rows()
    clusters = linkage_result.clusters
    persons: dict[int, list[dict]] = defaultdict(list)
    index: dict[str, set[int]] = defaultdict(set)
    for uid, row in rows.items():
        persons[clusters[uid]].append(row)
        for key in blocking_keys(row):
            index[key].add(clusters[uid])
    scorer = Scorer(linkage_result.model)
    agree = checked = elsewhere = 0
    for uid, row in sorted(rows.items())[:300]:
        if not (row["nhs"] or row["dob"]):
            continue
        own = clusters[uid]
        others = [r for r in persons[own] if r["unique_id"] != uid and r["src_key"] != row["src_key"]]
        if not others:
            continue
        candidates = {c: persons[c] if c != own else others for key in blocking_keys(row) for c in index[key]}
        decision = match_person(row, candidates, scorer, accept=ACCEPT, review_low=REVIEW_LOW)
        checked += 1
        agree += decision.person == own
        elsewhere += decision.person is not None and decision.person != own
    # Precision first: online matching never puts a mention with someone the batch kept apart; where it is unsure
    # (the simulator writes name variants the nickname table does not hold) it asks for review instead — 9 of 282
    # with the seed here, so at least 95% are matched as the batch matched them.
    assert checked > 100 and elsewhere == 0 and agree / checked >= 0.95


def test_charts_are_written_as_offline_html(linkage_result, tmp_path):
    written = write_charts(linkage_result.prepared.table, linkage_result.model, tmp_path, sample_rows=1500)
    names = {p.name for p in written}
    assert {"match_weights.html", "m_u_parameters.html", "waterfall.html", "comparison_viewer.html"} <= names
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"<script[^>]*\ssrc=[\"']?https?:", text), path.name  # libraries are inline
        assert "vega" in text


def test_training_is_deterministic(linkage_result):
    assert train(linkage_result.prepared.table, seed=1) == linkage_result.model
