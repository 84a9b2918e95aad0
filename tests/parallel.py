"""How `pytest -n N` (pytest-xdist; scripts/test.sh uses one worker a core and one more) shares the suite among its
workers.

A work unit is a test module, so a module-scoped fixture is built once; modules that share a session-scoped
fixture too costly to build in every worker (`SHARED`) go together. The costliest units are handed out first
(`SECONDS`, then a second a test), so the workers finish together instead of one waiting for another's last slow
module. The table orders the work, nothing more: a module missing from it, or a figure out of date, costs only
balance, never a test.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

# Modules sharing a session-scoped fixture (or a folder of them): one worker builds it once and runs them all.
SHARED = {
    # mid_run: the 20,000-child authority of tests/simulate/conftest.py (about 35 s to simulate)
    "tests/simulate/test_sim_casework.py": "simulate-mid-run",
    "tests/simulate/test_sim_output.py": "simulate-mid-run",
    "tests/simulate/test_sim_practice.py": "simulate-mid-run",
    "tests/simulate/test_sim_realism.py": "simulate-mid-run",
    "tests/simulate/test_sim_schema_formats.py": "simulate-mid-run",
    # linkage_result: a 300-child authority linked once (tests/people/linkage/conftest.py)
    "tests/people/linkage/": "people-linkage",
}

# About how long each slow module takes in the PostgreSQL pass, in seconds: the sum of its tests' set-up, call and
# tear-down with three workers on two quiet cores (`pytest -n 3 --durations=0`, 2026-12-07). Session fixtures a
# module shares with others (tests/people/conftest.py's authority) count where they were first built.
SECONDS = {
    "tests/api/test_schemathesis.py": 210,
    "tests/core/test_bench_crash.py": 130,
    "tests/access/test_canary.py": 104,
    "tests/returns/test_simulated.py": 95,
    "tests/people/test_link_command.py": 70,
    "tests/core/test_app_requirements.py": 65,
    "tests/browser/test_form_labels.py": 62,
    "tests/core/test_bench_load.py": 62,
    "tests/api/test_concerns_api.py": 61,
    "tests/browser/test_screen_sizes.py": 59,
    "tests/people/test_access_matrix.py": 58,
    "tests/simulate/test_bench_linkage_folder.py": 55,
    "tests/people/test_households_online.py": 55,
    "tests/people/test_linking.py": 50,
    "tests/people/linkage/test_spark_febrl.py": 48,
    "tests/web/test_demo_practice.py": 46,
    "tests/jobs/test_bench_arrival.py": 44,
    "tests/core/test_backup.py": 42,
    "tests/browser/test_casework_journey.py": 39,
    "tests/simulate/test_sim_casework.py": 38,
    "tests/api/test_meetings_api.py": 37,
    "tests/web/test_url_matrix.py": 34,
    "tests/browser/test_contact_time.py": 30,
    "tests/browser/test_concern_journey.py": 28,
    "tests/browser/test_visit_time.py": 28,
    "tests/people/linkage/test_streamed.py": 26,
    "tests/simulate/test_sim_pregnancy_given_only.py": 26,
    "tests/browser/test_people_journey.py": 25,
    "tests/browser/test_meeting_journey.py": 23,
    "tests/casework/test_pages.py": 22,
    "tests/chronology/test_marking.py": 22,
    "tests/web/test_concurrency.py": 20,
    "tests/simulate/test_sim_traps.py": 20,
    "tests/practice/test_visits.py": 19,
    "tests/browser/test_dashboard.py": 19,
    "tests/alerts/test_services.py": 18,
    "tests/web/test_plain_words.py": 18,
    "tests/people/test_search.py": 17,
    "tests/web/test_bench_access.py": 17,
    "tests/returns/test_pages.py": 17,
    "tests/ingest/test_bench.py": 17,
    "tests/people/test_people_pages.py": 16,
    "tests/ingest/test_bad_input.py": 16,
    "tests/simulate/test_sim_realism.py": 16,
    "tests/alerts/test_record_time.py": 16,
    "tests/simulate/test_bench_match.py": 15,
    "tests/browser/test_chronology_journey.py": 15,
    "tests/practice/test_supervision.py": 15,
    "tests/alerts/test_triage.py": 15,
    "tests/chronology/test_export.py": 14,
    "tests/access/test_sealing.py": 14,
    "tests/people/test_need_to_know.py": 14,
    "tests/practice/test_meetings_pages.py": 14,
    "tests/browser/test_visits_journey.py": 13,
    "tests/people/linkage/test_linking.py": 13,
    "tests/browser/test_returns_journey.py": 13,
    "tests/browser/test_alert_triage_journey.py": 13,
    "tests/browser/test_administration_journey.py": 13,
    "tests/practice/test_meetings.py": 12,
    "tests/browser/test_no_personal_data_in_browser_logs.py": 12,
}


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


class ModuleScheduling(LoadScopeScheduling):
    """`--dist loadfile` with the `SHARED` groups, the costliest unit first.

    A work unit maps each test's index in the collection (not its node id, as xdist's own scope schedulers do: an
    API schema test's cases share one node id, and a unit keyed by it would run only one of them) to whether it
    has run. The workers collect the same tests in the same order (xdist checks), so an index means one test."""

    def _split_scope(self, nodeid: str) -> str:
        module = _module(nodeid)
        for prefix, group in SHARED.items():
            if module.startswith(prefix):
                return group
        return module

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None:  # a node added later: share what is left
            for node in self.nodes:
                self._reschedule(node)
            return
        if not self._check_nodes_have_same_collection():
            self.log("**Different tests collected, aborting run**")
            return
        self.collection = list(next(iter(self.registered_collections.values())))
        if not self.collection:
            return
        units: dict[str, dict[int, bool]] = {}
        for index, nodeid in enumerate(self.collection):
            units.setdefault(self._split_scope(nodeid), {})[index] = False
        cost = {scope: sum(SECONDS.get(m, 0) for m in {_module(self.collection[i]) for i in unit}) + len(unit)
                for scope, unit in units.items()}
        for scope in sorted(units, key=lambda s: -cost[s]):  # stable: equals keep the collection's order
            self.workqueue[scope] = units[scope]  # type: ignore[assignment]
        for _ in range(len(self.nodes) - len(self.workqueue)):  # more workers than units
            unused, _assigned = self.assigned_work.popitem()
            unused.shutdown()
        for node in self.nodes:
            self._assign_work_unit(node)
        for node in self.nodes:
            self._reschedule(node)
        if not self.workqueue:
            for node in self.nodes:
                node.shutdown()

    def _assign_work_unit(self, node) -> None:
        scope, unit = self.workqueue.popitem(last=False)
        self.assigned_work.setdefault(node, {})[scope] = unit
        node.send_runtest_some([index for index, done in unit.items() if not done])

    def mark_test_complete(self, node, item_index: int, duration: float = 0) -> None:
        scope = self._split_scope(self.collection[item_index])
        self.assigned_work[node][scope][item_index] = True  # type: ignore[index]
        self._reschedule(node)

    def remove_node(self, node) -> str | None:
        """A node that crashed: its unfinished units go back to the queue; the test it was running is named."""
        workload = self.assigned_work.pop(node)
        pending = [index for unit in workload.values() for index, done in unit.items() if not done]
        if not pending:
            return None
        self.workqueue.update(workload)
        for other in self.assigned_work:
            self._reschedule(other)
        return self.collection[pending[0]]
