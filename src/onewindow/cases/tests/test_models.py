"""Model-level guarantees: race-free numbers, constraints, indexes."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from onewindow.cases.models import Case, CaseCounter
from onewindow.cases.numbering import case_number_next


@pytest.mark.django_db
def test_numbers_increase_per_area_and_day():
    first = case_number_next(area_code="530103", when=date(2026, 11, 22))
    second = case_number_next(area_code="530103000000", when=date(2026, 11, 22))
    other_day = case_number_next(area_code="530103", when=date(2026, 11, 23))
    other_area = case_number_next(area_code="530102", when=date(2026, 11, 22))
    assert (first, second) == ("5301032026112200001", "5301032026112200002")
    assert other_day == "5301032026112300001"
    assert other_area == "5301022026112200001"
    assert CaseCounter.objects.get(key="53010320261122").value == 2


@pytest.mark.django_db
def test_a_rolled_back_transaction_gives_its_number_back():
    with pytest.raises(RuntimeError), transaction.atomic():
        case_number_next(area_code="530103", when=date(2026, 11, 22))
        raise RuntimeError
    assert case_number_next(area_code="530103", when=date(2026, 11, 22)) == "5301032026112200001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with its database lock; the race needs PostgreSQL")
    numbers: list[str] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            for _ in range(10):
                with transaction.atomic():
                    number = case_number_next(area_code="530103", when=date(2026, 11, 22))
                with lock:
                    numbers.append(number)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(numbers) == 80 and len(set(numbers)) == 80
    assert sorted(numbers)[-1] == "5301032026112200080"


def test_indexes_for_scoped_lists_exist():
    names = {i.name for i in Case._meta.indexes}
    assert {"case_open_dept_due", "case_open_due_id", "case_region_status_due", "case_user_idx",
            "case_clock_warn", "case_clock_due"} <= names
    assert Case._meta.get_field("number").unique


@pytest.mark.django_db
def test_a_submitted_case_needs_a_number_and_an_applicant(db):
    from onewindow.cases.tests.factories import case_make

    case = case_make()
    Case.objects.filter(pk=case.pk).update(status="draft", number=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(status="submitted")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=case.pk).update(applicant_person=None)
