"""Print (or apply) the PostgreSQL roles: an owner for migrations, an application role that
owns nothing and may only INSERT and SELECT the audit trail."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from onewindow.core.db_roles import audit_role_report, db_roles_sql


class Command(BaseCommand):
    help = ("PostgreSQL roles for production: --owner runs migrations and owns every object, --app "
            "is what the web, worker and timer connect as (no UPDATE/DELETE/TRUNCATE on the audit "
            "trail, no ownership). Prints the SQL; --apply runs it (as a superuser). Run it again "
            "after each migrate.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", default="onewindow_owner", help="role that owns the schema")
        parser.add_argument("--app", default="onewindow_app", help="role the platform connects as")
        parser.add_argument("--schema", default="public")
        parser.add_argument("--database", default="default", help="Django database alias")
        parser.add_argument("--apply", action="store_true", help="execute the statements now")

    def handle(self, *args: Any, **options: Any) -> None:
        conn = connections[options["database"]]
        if options["owner"] == options["app"]:
            raise CommandError("属主角色与应用角色必须不同")
        statements = db_roles_sql(database=str(conn.settings_dict["NAME"]), owner=options["owner"],
                                  app=options["app"], schema=options["schema"])
        if not options["apply"]:
            self.stdout.write(";\n\n".join(statements) + ";\n")
            return
        if conn.vendor != "postgresql":
            raise CommandError("数据库角色只适用于 PostgreSQL（SQLite 没有角色）")
        with conn.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            cursor.execute(f"SET ROLE {conn.ops.quote_name(options['app'])}")
            try:
                powers, owned = audit_role_report(cursor)
            finally:
                cursor.execute("RESET ROLE")
        if powers or owned:
            raise CommandError(f"授权后应用角色仍可改写审计表：{'；'.join(powers) or f'拥有 {owned} 个对象'}")
        self.stdout.write(self.style.SUCCESS(
            f"已设置：{options['owner']} 拥有全部对象，{options['app']} 对审计表只能 INSERT/SELECT。"
            f"请为两个角色设置密码（psql: \\password {options['app']}），"
            f"迁移用 {options['owner']} 连接，web/worker/timer 用 {options['app']} 连接。"))
