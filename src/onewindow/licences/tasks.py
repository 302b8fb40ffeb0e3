"""Periodic job of the licence library: mark licences past their validity as expired."""

from onewindow.core.timer import periodic

from .services import licences_expire


@periodic("licences.expire")
def licences_expire_job() -> None:
    licences_expire()
