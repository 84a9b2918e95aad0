"""Practice (issue 13): one module per part."""
from joinedup.practice.services.concerns import concern_raiser_told, concern_record, concern_respond  # noqa: F401
from joinedup.practice.services.hypotheses import categories_set, hypothesis_revise, hypothesis_write  # noqa: F401
from joinedup.practice.services.meetings import meeting_approve, meeting_correct, meeting_draft_update, meeting_start  # noqa: F401
from joinedup.practice.services.meetings_escalation import dissent_escalate, escalation_outcome_record  # noqa: F401
from joinedup.practice.services.supervision import supervision_action_done, supervision_record  # noqa: F401
from joinedup.practice.services.visits import VisitResult, visit_record  # noqa: F401
