from __future__ import annotations

import factory

from onewindow.accounts.constants import DepartmentKind, UserKind
from onewindow.accounts.models import Department, Staff, User
from onewindow.accounts.rules import credit_code_check_char, id_number_check_char


def make_id_number(seq: int, *, division: str = "530103", born: str = "19800101") -> str:
    """A checksum-valid 18-digit ID number, different for every ``seq`` (< 1000)."""
    first17 = f"{division}{born}{seq % 1000:03d}"
    return first17 + id_number_check_char(first17)


def make_credit_code(seq: int, *, division: str = "530103") -> str:
    body = f"91{division}{seq:09d}"[:17]
    return body + credit_code_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    kind = UserKind.CITIZEN
    password = factory.PostGenerationMethodCall("set_password", "Passw0rd!2026")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        if create:
            obj.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"DEPT{n:04d}")
    name = factory.Sequence(lambda n: f"部门{n}")
    kind = DepartmentKind.BUREAU


def staff_make(*, username: str, region, roles: list[str], departments=(),  # type: ignore[no-untyped-def]
               name: str = "") -> Staff:
    user = UserFactory(username=username, kind=UserKind.STAFF, display_name=name or username)
    staff = Staff.objects.create(user=user, name=name or username, employee_no=username,
                                 roles=list(roles), region=region)
    if departments:
        staff.departments.set(departments)
    return staff
