"""The access policy: the one place that says who may do what (DESIGN.md §4, the role matrix).

Services ask these functions before they read or change anything; the UI may ask them too, to hide
what would be refused, but hiding is never the protection. Functions take the facts they need (a
case's worker and that worker's team) so they stay pure and testable without a database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, func, or_, select, true
from sqlalchemy.orm import Session

from caseapp.actor import Actor
from caseapp.models import Case, Person, Role, User


@dataclass(frozen=True)
class CaseFacts:
    """What the policy needs to know about a case."""

    worker_id: int | None
    worker_team: str | None


def can_view_case(actor: Actor, case: CaseFacts) -> bool:
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return True
    if actor.role is Role.CASE_WORKER:
        # A case worker sees their team's cases, and unassigned ones so that they can claim them.
        return (
            case.worker_id is None
            or case.worker_id == actor.id
            or (actor.team is not None and case.worker_team == actor.team)
        )
    return case.worker_id == actor.id  # volunteer: assigned only


def case_visibility_clause(actor: Actor, team_ids: list[int] | None = None
                           ) -> ColumnElement[bool]:
    """The same rule as ``can_view_case``, as SQL over ``Case``, for lists and counts.

    ``team_ids``, the actor's team members read beforehand, puts them in the query as a list:
    PostgreSQL then counts a case worker's cases from the worker index alone, where a subquery
    made it filter every case (280 ms at 200,000 cases)."""
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return true()
    if actor.role is Role.CASE_WORKER:
        clauses: list[ColumnElement[bool]] = [Case.worker_id.is_(None), Case.worker_id == actor.id]
        if actor.team is not None:
            members = team_ids if team_ids is not None else \
                select(User.id).where(User.team == actor.team)
            clauses.append(Case.worker_id.in_(members))
        return or_(*clauses)
    if actor.role is Role.VOLUNTEER:
        return Case.worker_id == actor.id
    return false()


def case_visibility_per_row(actor: Actor, team_ids: list[int] | None) -> ColumnElement[bool]:
    """``case_visibility_clause`` written as one test of each case's worker, with no index to
    start from, so that the database walks the list's order index and stops after a page of
    visible cases (a case worker sees ~5% of them). Same rule; use when many cases match."""
    if actor.role is Role.CASE_WORKER:
        visible = [0, actor.id, *(team_ids or [])]  # 0 stands for unassigned (ids start at 1)
        return func.coalesce(Case.worker_id, 0).in_(visible)
    return case_visibility_clause(actor, team_ids)


def can_read_interaction(actor: Actor, case: CaseFacts, author_id: int, private: bool) -> bool:
    if not can_view_case(actor, case):
        return False
    if not private:
        return True
    return actor.role in (Role.ADMIN, Role.MANAGER) or author_id == actor.id


def private_interaction_clause(actor: Actor, author_column: object, private_column: object) -> (
    ColumnElement[bool]
):
    """SQL: the interactions of a visible case this actor may read (private only if allowed)."""
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return true()
    return or_(private_column.is_(False), author_column == actor.id)  # type: ignore[attr-defined]


def can_create_case(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER)


def can_assign_on_create(actor: Actor, worker_id: int | None) -> bool:
    """Managers place a new case with anyone; a case worker with themselves or nobody."""
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return True
    return actor.role is Role.CASE_WORKER and worker_id in (None, actor.id)


def can_add_interaction(actor: Actor, case: CaseFacts) -> bool:
    # Volunteers only see assigned cases, so "on assigned cases" is the same test as viewing.
    return can_view_case(actor, case)


def can_change_status_or_concern(actor: Actor, case: CaseFacts) -> bool:
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return True
    return actor.role is Role.CASE_WORKER and case.worker_id == actor.id


def can_reassign(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.MANAGER)


def can_claim(actor: Actor, case: CaseFacts) -> bool:
    return (
        actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER)
        and case.worker_id is None
        and can_view_case(actor, case)
    )


def can_manage_pathways(actor: Actor) -> bool:
    return actor.role in (Role.ADMIN, Role.MANAGER)


def can_manage_users(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def can_manage_organisation(actor: Actor) -> bool:
    return actor.role is Role.ADMIN


def can_use_data_rights(actor: Actor) -> bool:
    """Subject access exports, erasure and retention: admins only (DESIGN.md §4; a manager's
    "export" there is the cases list, not everything held about a person)."""
    return actor.role is Role.ADMIN


def can_see_case_history(actor: Actor, case: CaseFacts) -> bool:
    """Status, concern and assignment history: anyone who may open the case."""
    return can_view_case(actor, case)


def can_import(actor: Actor) -> bool:
    """Bringing people and cases in from a spreadsheet: admins (it writes in bulk)."""
    return actor.role is Role.ADMIN


def can_export(actor: Actor) -> bool:
    """CSV exports for funder reports: admins and managers, of what they may read."""
    return actor.role in (Role.ADMIN, Role.MANAGER)


def person_visibility_clause(actor: Actor) -> ColumnElement[bool]:
    """SQL over ``Person``: the people this actor may find and link a new case to. Admins and
    managers: everyone. Others: people with a case they may see, or with no case at all, so a
    person supported by another team stays unknown to them (name, date of birth, postcode)."""
    if actor.role in (Role.ADMIN, Role.MANAGER):
        return true()
    any_case = select(Case.id).where(Case.person_id == Person.id)
    visible_case = any_case.where(case_visibility_clause(actor))
    return or_(~any_case.exists(), visible_case.exists())


def can_see_workload(actor: Actor) -> bool:
    """The workload page: admins and managers see everyone's, a case worker only their own."""
    return actor.role in (Role.ADMIN, Role.MANAGER, Role.CASE_WORKER)


def can_see_team_workload(actor: Actor) -> bool:
    """Everyone's workload, its CSV export and reassigning from it."""
    return actor.role in (Role.ADMIN, Role.MANAGER)


def team_member_ids(db: Session, actor: Actor) -> list[int] | None:
    """The ids of a case worker's team, for ``case_visibility_clause``; None for other roles."""
    if actor.role is not Role.CASE_WORKER or actor.team is None:
        return None
    return [int(i) for i in db.execute(select(User.id).where(User.team == actor.team)).scalars()]
