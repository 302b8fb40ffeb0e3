"""Builders of home-care test data (through the services, as the app writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from onewindow.accounts.constants import Role
from onewindow.accounts.tests.factories import make_credit_code, make_id_number, staff_make
from onewindow.homecare import constants as c
from onewindow.homecare import services
from onewindow.homecare.models import Carer, Provider, Service

HOME = (102.71, 25.01)  # inside 拓东社区 (square 102.70–102.725, 25.00–25.025)
NEAR = (102.7105, 25.0102)  # about 60 m from HOME
FAR = (102.73, 25.01)  # about 2 km east


def elder_id_number(seq: int, *, born: str = "19450101") -> str:
    return make_id_number(seq, born=born)


def service_make(*, code: str, name: str, category: str, price: str, minutes: int, covered: bool,
                 kinds: Sequence[str] = ()) -> Service:
    return services.service_save(actor=None, code=code, name=name, category=category, price=Decimal(price),
                                 duration_minutes=minutes, allowance_covered=covered, provider_kinds=list(kinds))


def provider_make(actor: Any, name: str, seq: int, streets: list, offered: list, *,
                  kind: str = c.ProviderKind.COMPANY, approve: bool = True, beds: int = 0) -> Provider:
    provider = services.provider_register(
        actor=None, name=name, kind=kind, credit_code=make_credit_code(seq), phone="0871-63123456",
        address="拓东路100号", streets=streets, lng=102.71, lat=25.012, contract_no=f"HT-{seq:03d}",
        contract_until=date(2027, 12, 31), services=offered, beds_total=beds)
    if approve:
        services.provider_set_status(actor=actor, provider=provider, status=c.ProviderStatus.APPROVED)
    return provider


def carer_make(actor: Any, provider: Provider, username: str, name: str) -> Carer:
    staff = staff_make(username=username, region=provider.streets.first(), roles=[Role.CARE_PROVIDER], name=name)
    return services.carer_add(actor=actor, provider=provider, name=name, phone="13700003333",
                              qualifications=[c.Qualification.CARER_4, c.Qualification.HEALTH_CERT], user=staff.user)


def png_bytes() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 100, 50)).save(buf, format="PNG")
    return buf.getvalue()


def photo() -> services.PhotoIn:
    return services.PhotoIn(name="现场.png", content=png_bytes())


__all__ = ["FAR", "HOME", "NEAR", "carer_make", "elder_id_number", "photo", "provider_make", "service_make"]
