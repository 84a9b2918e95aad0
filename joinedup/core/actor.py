"""Who is acting: the facts about a user that an audit row keeps, frozen at the moment of acting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class ActorRef:
    """A user as the audit trail records them: identity, agency and role at the time of the act."""

    id: uuid.UUID | None
    username: str
    agency_id: uuid.UUID | None = None
    agency_name: str = ""
    role: str = ""

    @classmethod
    def system(cls, name: str = "system") -> ActorRef:
        """joinedup itself acting (a scheduled job, a migration, the demo loader)."""
        return cls(id=None, username=name, role="system")
