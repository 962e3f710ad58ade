"""Pathways: workflow templates with a colour. Managers and admins maintain them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case as sql_case
from sqlalchemy import func
from sqlmodel import select

from caseapp import access, audit
from caseapp.actor import Actor
from caseapp.db import session_scope
from caseapp.errors import NoAccess, PermissionDenied, ValidationFailed
from caseapp.models import Case, Pathway, Status
from caseapp.textinput import HEX_COLOUR, clean_line, required_line


@dataclass
class PathwayView:
    id: int
    name: str
    colour: str
    description: str
    archived: bool
    open_cases: int
    total_cases: int


def list_pathways(actor: Actor, include_archived: bool = False) -> list[PathwayView]:
    """Every signed-in user may read pathways: they label the cases everyone sees."""
    with session_scope() as db:
        total = func.count(Case.id)
        open_ = func.sum(sql_case((Case.status == Status.OPEN.value, 1), else_=0))
        q = (select(Pathway, total, open_).outerjoin(Case, Case.pathway_id == Pathway.id)
             .group_by(Pathway.id).order_by(Pathway.archived, Pathway.name))
        if not include_archived:
            q = q.where(Pathway.archived.is_(False))  # type: ignore[attr-defined]
        return [PathwayView(id=p.id, name=p.name, colour=p.colour, description=p.description,
                            archived=p.archived, open_cases=int(o or 0), total_cases=int(t or 0))
                for p, t, o in db.exec(q).all()]


def _validate(name: str, colour: str, description: str) -> tuple[str, str, str]:
    errors: dict[str, str] = {}
    clean_name = required_line(errors, "name", "Name", name, 80)
    colour = (colour or "").strip()
    if not HEX_COLOUR.match(colour):
        errors["colour"] = "Choose a colour like #2563eb"
    desc = clean_line(description)
    if len(desc) > 1000:
        errors["description"] = "Description is too long (at most 1000 characters)"
    if errors:
        raise ValidationFailed(errors)
    return clean_name, colour.lower(), desc


def save_pathway(actor: Actor, pathway_id: int | None, name: str, colour: str,
                 description: str) -> int:
    """Create (``pathway_id`` None) or edit a pathway."""
    if not access.can_manage_pathways(actor):
        raise PermissionDenied("Only managers and admins can change pathways")
    clean_name, colour, desc = _validate(name, colour, description)
    with session_scope() as db:
        # Compared in Python: SQLite's lower() folds only ASCII, so "Ærø" and "ærø" (or the same
        # name twice) would get past a SQL comparison to the unique index, an error not a message.
        # Pathways are tens of rows.
        clash = next((p for p in db.exec(select(Pathway))
                      if p.name.casefold() == clean_name.casefold()), None)
        if clash is not None and clash.id != pathway_id:
            raise ValidationFailed({"name": "A pathway with that name already exists"})
        if pathway_id is None:
            pathway = Pathway(name=clean_name, colour=colour, description=desc)
            old = None
        else:
            found = db.get(Pathway, pathway_id)
            if found is None:
                raise NoAccess("That pathway does not exist")
            pathway = found
            old = {"name": pathway.name, "colour": pathway.colour,
                   "description": pathway.description}
            pathway.name, pathway.colour, pathway.description = clean_name, colour, desc
        db.add(pathway)
        db.flush()
        audit.record(db, actor, "pathway.create" if old is None else "pathway.update",
                     "pathway", pathway.id, old=old,
                     new={"name": clean_name, "colour": colour, "description": desc})
        assert pathway.id is not None
        return pathway.id


def set_archived(actor: Actor, pathway_id: int, archived: bool) -> None:
    """Archived pathways keep their cases but are not offered for new ones."""
    if not access.can_manage_pathways(actor):
        raise PermissionDenied("Only managers and admins can change pathways")
    with session_scope() as db:
        pathway = db.get(Pathway, pathway_id)
        if pathway is None:
            raise NoAccess("That pathway does not exist")
        pathway.archived = archived
        db.add(pathway)
        audit.record(db, actor, "pathway.archive" if archived else "pathway.restore",
                     "pathway", pathway_id)
