"""Who may see what: the staff scope, applied by selectors of every app.

A member of staff sees records whose region lies in their region subtree; where a record
belongs to a department, they also need that department among theirs unless their roles
span all departments (leaders, supervisors, administrators, integrated-window clerks).
Anyone else (citizens, anonymous users, inactive staff) has the empty scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from .constants import Role

ALL_DEPARTMENT_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR})


@dataclass(frozen=True)
class Scope:
    region_path: str | None = None
    department_ids: frozenset[int] = field(default_factory=frozenset)
    all_departments: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return self.region_path is None

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(str(r) for r in roles))

    def covers_region_path(self, path: str | None) -> bool:
        return bool(self.region_path and path and path.startswith(self.region_path))

    def covers(self, *, region_path: str | None, department_id: int | None = None) -> bool:
        if not self.covers_region_path(region_path):
            return False
        if department_id is None or self.all_departments:
            return True
        return department_id in self.department_ids

    def q(self, *, region_path_field: str, department_field: str | None = None) -> Q:
        """A filter for a queryset: nothing when the scope is empty."""
        if self.region_path is None:
            return Q(pk__in=[])
        condition = Q(**{f"{region_path_field}__startswith": self.region_path})
        if department_field and not self.all_departments:
            condition &= Q(**{f"{department_field}__in": sorted(self.department_ids)})
        return condition


EMPTY_SCOPE = Scope()


def scope_for(user: Any) -> Scope:
    """The scope of a signed-in user: cached on the user object for the request, and in the
    process while the auth version stays the same (``accounts.authcache``, ADR 0020)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return EMPTY_SCOPE
    cached = getattr(user, "_onewindow_scope", None)
    if cached is not None:
        return cached
    from . import authcache
    from .models import Staff

    version = getattr(user, "_onewindow_auth_version", None)
    if version is None:
        version = authcache.current_version()
    scope = authcache.scope_get(user.pk, version)
    if scope is None:
        staff = (
            Staff.objects.filter(user=user, is_active=True, user__is_active=True)
            .values_list("id", "roles", "region__path")
            .first()
        )
        if staff is None:
            scope = EMPTY_SCOPE
        else:
            staff_id, role_list, region_path = staff
            roles = frozenset(role_list)
            departments = Staff.departments.through.objects.filter(staff_id=staff_id)
            scope = Scope(
                region_path=region_path,
                department_ids=frozenset(departments.values_list("department_id", flat=True)),
                all_departments=bool(roles & {str(r) for r in ALL_DEPARTMENT_ROLES}),
                roles=roles,
            )
        authcache.scope_put(user.pk, version, scope)
    user._onewindow_scope = scope
    return scope
