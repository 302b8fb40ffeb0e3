"""One shape for the commands that keep API clients with a secret shown once:
``manage.py <command> create|rotate|revoke|list`` (``service_client`` here, ``open311_client`` in
tickets). A subclass says how to find, list, create, rotate and revoke its clients and what to
print; the arguments, the ``--by`` administrator, the error handling (a DomainError becomes a
CommandError with its Chinese message) and the "shown once" output are shared.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from onewindow.core.errors import DomainError


class CredentialCommand(ABC, BaseCommand):
    """Base of ``create|rotate|revoke|list`` commands for clients holding a secret."""

    #: How ``target`` is described in --help for rotate/revoke.
    target_help = "name (create) or client id (rotate/revoke)"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["create", "rotate", "revoke", "list"])
        parser.add_argument("target", nargs="?", default="", help=self.target_help)
        parser.add_argument("--contact", default="")
        self.add_create_arguments(parser)
        parser.add_argument("--by", default="", help="user name of the administrator doing it")

    # --- what a subclass provides -------------------------------------------------------------
    def add_create_arguments(self, parser: Any) -> None:
        """Options of ``create`` besides the name and --contact."""

    @abstractmethod
    def find(self, target: str) -> Any:
        ...

    @abstractmethod
    def list_lines(self) -> Iterable[str]:
        ...

    @abstractmethod
    def create(self, *, actor: Any, name: str, options: dict[str, Any]) -> tuple[Any, str]:
        ...

    @abstractmethod
    def rotate(self, *, actor: Any, client: Any) -> tuple[Any, str]:
        ...

    @abstractmethod
    def revoke(self, *, actor: Any, client: Any) -> Any:
        ...

    @abstractmethod
    def revoked_lines(self, client: Any) -> Iterable[str]:
        ...

    @abstractmethod
    def secret_lines(self, client: Any, secret: str) -> Iterable[str]:
        """What is printed after create and rotate: the secret, this once."""

    # --- the shared flow ----------------------------------------------------------------------
    def actor(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username).first() if username else None
        if user is None:
            raise CommandError("请用 --by 指定执行操作的管理员账号")
        return user

    def handle(self, *args: Any, **options: Any) -> None:
        action, target = options["action"], options["target"]
        try:
            if action == "list":
                lines: Iterable[str] = self.list_lines()
            else:
                actor = self.actor(options["by"])
                if action == "create":
                    client, secret = self.create(actor=actor, name=target, options=options)
                    lines = self.secret_lines(client, secret)
                elif action == "rotate":
                    client, secret = self.rotate(actor=actor, client=self.find(target))
                    lines = self.secret_lines(client, secret)
                else:
                    lines = self.revoked_lines(self.revoke(actor=actor, client=self.find(target)))
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        for line in lines:
            self.stdout.write(line)
