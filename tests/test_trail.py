"""Who has seen this case: from the audit trail, for managers only."""

from __future__ import annotations

import pytest

from caseapp import cases, interactions
from caseapp.errors import NoAccess, PermissionDenied
from caseapp.trail import case_viewers
from tests.conftest import World


def test_managers_see_who_viewed_a_case_and_how_often(world: World) -> None:
    cases.get_case(world.worker, world.case_worker)
    interactions.add_interaction(world.worker, world.case_worker,
                                 interactions.NewInteraction(text="Hello"))
    interactions.timeline(world.worker, world.case_worker)
    cases.get_case(world.worker2, world.case_worker)
    with pytest.raises(NoAccess):
        cases.get_case(world.south, world.case_worker)  # refused: not a view
    viewers = {v.name: v for v in case_viewers(world.manager, world.case_worker)}
    assert set(viewers) == {"Wren Worker", "Nell North"}
    assert viewers["Wren Worker"].views == 2 and viewers["Nell North"].views == 1
    assert viewers["Wren Worker"].role == "Case worker"


@pytest.mark.parametrize("who", ["worker", "volunteer"])
def test_others_cannot_see_the_viewers(world: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        case_viewers(getattr(world, who), world.case_volunteer)
