"""`joinedup link`: the batch command, on DuckDB and on Spark (local mode), giving the same people."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command

from joinedup.people.models import LinkageRun, MentionLink


def test_link_command_on_duckdb_then_spark_gives_the_same_people(loaded, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("link", charts=str(tmp_path / "charts"), stdout=out, stderr=err)
    assert "people" in out.getvalue() and "Linked in" in err.getvalue()
    duckdb_links = dict(MentionLink.objects.values_list("mention_id", "person_id"))

    call_command("link", engine="spark", stdout=io.StringIO(), stderr=io.StringIO())
    run = LinkageRun.objects.latest("started_at")
    assert run.engine == "spark"
    assert run.links_changed == 0
    assert dict(MentionLink.objects.values_list("mention_id", "person_id")) == duckdb_links

    quiet = io.StringIO()
    call_command("link", if_needed=True, stdout=quiet)
    assert "nothing to do" in quiet.getvalue()
    with pytest.raises(CommandError, match="spark-conf"):
        call_command("link", engine="spark", spark_conf=["nonsense"])


def test_training_writes_charts_viewable_offline(loaded, tmp_path):
    call_command("link", train=True, charts=str(tmp_path / "charts"), stdout=io.StringIO(), stderr=io.StringIO())
    charts = sorted((tmp_path / "charts").glob("*.html"))
    assert charts, "no charts written"
    for chart in charts:
        html = chart.read_text()
        # Vega, Vega-Lite and the chart data are inline: no script is fetched from anywhere.
        assert not re.search(r'<script[^>]+src="https?://', html), chart.name
        assert "vega" in html.lower()
