"""The acting user, as every service receives it."""

from __future__ import annotations

from dataclasses import dataclass

from caseapp.models import Role, User


@dataclass(frozen=True)
class Actor:
    id: int
    name: str
    email: str
    role: Role
    team: str | None

    @classmethod
    def of(cls, user: User) -> Actor:
        assert user.id is not None
        return cls(id=user.id, name=user.name, email=user.email, role=Role(user.role),
                   team=user.team)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_manager_or_admin(self) -> bool:
        return self.role in (Role.ADMIN, Role.MANAGER)
