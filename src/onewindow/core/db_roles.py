"""PostgreSQL roles: an owner that runs migrations, an application role that owns nothing.

The application role may read and write the ordinary tables but only INSERT and SELECT the
audit trail: no UPDATE, DELETE or TRUNCATE, and, owning nothing, it cannot ALTER the table or
DISABLE its trigger. ``manage.py db_roles`` prints (or applies) the statements;
``audit_role_report`` tells ``check --deploy`` what the running role could do to the trail.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql

AUDIT_TABLE = "core_auditentry"
# Tables the application may only append to and read.
APPEND_ONLY_TABLES = (AUDIT_TABLE,)


def _ident(name: str) -> str:
    return sql.Identifier(name).as_string(None)


def _literal(value: str) -> str:
    return sql.Literal(value).as_string(None)


def db_roles_sql(*, database: str, owner: str, app: str, schema: str = "public") -> list[str]:
    """Idempotent statements, to run as a superuser (or the database's owner with CREATEROLE)."""
    o, a, d, s = _ident(owner), _ident(app), _ident(database), _ident(schema)
    stmts = [
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(owner)}) THEN
    CREATE ROLE {o} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {_literal(app)}) THEN
    CREATE ROLE {a} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END $$""",  # noqa: S608  (identifiers and literals quoted by psycopg.sql)
        # The application role is nobody's member, and owns nothing (a former single-role
        # deployment hands everything over to the owner).
        f"""DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
           JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = {_literal(app)} LOOP
    EXECUTE format('REVOKE %I FROM %I', r.rolname, {_literal(app)});
  END LOOP;
END $$""",  # noqa: S608  (identifiers and literals quoted by psycopg.sql)
        f"REASSIGN OWNED BY {a} TO {o}",
        f"ALTER DATABASE {d} OWNER TO {o}",
        f"ALTER SCHEMA {s} OWNER TO {o}",
        f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {a}",
        f"GRANT USAGE ON SCHEMA {s} TO {a}",
        # Everything in the schema belongs to the owner (tables bring their sequences along).
        f"""DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.relname, c.relkind FROM pg_class c
           WHERE c.relnamespace = {_literal(schema)}::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
             AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = c.oid
                             AND dep.deptype IN ('a', 'i') AND c.relkind = 'S') LOOP
    EXECUTE format('ALTER %s %I.%I OWNER TO %I',
                   CASE r.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                                  WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                   {_literal(schema)}, r.relname, {_literal(owner)});
  END LOOP;
  FOR r IN SELECT p.oid::regprocedure AS fn FROM pg_proc p
           WHERE p.pronamespace = {_literal(schema)}::regnamespace LOOP
    EXECUTE format('ALTER FUNCTION %s OWNER TO %I', r.fn, {_literal(owner)});
  END LOOP;
END $$""",  # noqa: S608  (identifiers and literals quoted by psycopg.sql)
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {a}",
    ]
    for table in APPEND_ONLY_TABLES:
        t = f"{s}.{_ident(table)}"
        stmts += [
            f"REVOKE ALL ON {t} FROM PUBLIC",
            f"REVOKE ALL ON {t} FROM {a}",
            f"GRANT SELECT, INSERT ON {t} TO {a}",
        ]
    return stmts


AUDIT_ROLE_SQL = """
SELECT current_user,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
       pg_has_role(current_user, c.relowner, 'MEMBER'),
       has_table_privilege(c.oid, 'UPDATE'),
       has_table_privilege(c.oid, 'DELETE'),
       has_table_privilege(c.oid, 'TRUNCATE'),
       has_table_privilege(c.oid, 'TRIGGER'),
       (SELECT count(*) FROM pg_class o
         WHERE o.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
           AND o.relnamespace = c.relnamespace)
FROM pg_class c WHERE c.oid = to_regclass(%s)
"""


def audit_role_report(cursor: Any, table: str = AUDIT_TABLE) -> tuple[list[str], int]:
    """What the connected role could do to the audit table (Chinese phrases), and how many
    objects of the schema it owns. ([], 0) when it can only INSERT and SELECT."""
    cursor.execute(AUDIT_ROLE_SQL, [table])
    row = cursor.fetchone()
    if row is None:
        return [], 0
    _, superuser, owner, update, delete, truncate, trigger, owned = row
    powers = []
    if superuser:
        powers.append("是超级用户")
    if owner:
        powers.append("是该表的属主（可停用触发器、修改或删除表）")
    for allowed, label in ((update, "UPDATE"), (delete, "DELETE"), (truncate, "TRUNCATE"),
                           (trigger, "创建触发器")):
        if allowed:
            powers.append(f"可 {label}")
    return powers, int(owned or 0)
