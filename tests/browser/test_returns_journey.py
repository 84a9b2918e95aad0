"""The performance team in the browser: produce the children in need census from the returns page (the page's
script polls the run's progress while the post produces it, with the run id it chose), land on the run's page,
then read the data-quality page with each child failing a rule. axe finds no violations on either page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from joinedup.accounts.models import Role
from joinedup.casework.projection import casework_project
from joinedup.ingest.models import Mention
from joinedup.people.recorded import mentions_link_recorded
from tests.browser.helpers import assert_accessible, sign_in
from tests.conftest import SYSTEM
from tests.returns.authority import faults
from tests.returns.conftest import ingest_records, richmond  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_performance_team_produces_the_census_and_reads_data_quality(page: Page, live_server, richmond,  # noqa: F811
                                                                         make_user):
    people = richmond["people"]
    ingest_records(faults())
    new = list(Mention.objects.filter(record__source_record_id="LA2-E9").values_list("pk", flat=True))
    mentions_link_recorded(mention_ids=new, person=people["LA2"], user=None, actor=SYSTEM)
    casework_project([p.pk for p in people.values()])
    officer = make_user(role=Role.PERFORMANCE, agency=richmond["agency"])

    sign_in(page, live_server, officer)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Statutory returns").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statutory returns")
    assert_accessible(page)

    page.get_by_label("Children in need census (XML)").check()
    page.get_by_label("Collection year").select_option("2026")
    with page.expect_request(re.compile(r"/returns/runs/[0-9a-f-]{36}/status/")) as polled:
        page.get_by_role("button", name="Produce the return").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Children in need census", timeout=60_000)
    run_id = re.search(r"/returns/runs/([0-9a-f-]{36})/status/", polled.value.url).group(1)
    assert page.url.endswith(f"/returns/runs/{run_id}/")  # the run the page polled is the run produced
    expect(page.locator("#run-status")).to_contain_text("Done")
    expect(page.locator("#run-children")).to_have_text("5")
    expect(page.get_by_role("link", name=re.compile("Download cin-census-2026.xml"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Each child failing a rule").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data quality")
    rows = page.locator("#dq-rows")
    expect(rows).to_contain_text("Theo Marsh")
    expect(rows).to_contain_text("The child protection plan ends before it starts")
    expect(rows).to_contain_text("Child protection plan CP2-CPP")
    assert_accessible(page)
