"""The casework fixtures (an authority with a front door, a partner hospital, their people) for the API tests."""

from tests.casework.conftest import (  # noqa: F401 - fixtures
    case_at_strategy,
    csc,
    front_door,
    front_door_team,
    hospital,
    manager,
    nurse,
)
