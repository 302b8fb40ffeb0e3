import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Write the OpenAPI schema of /api/v1 to a file, or --check that the file is current."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("path")
        parser.add_argument("--check", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        from config.api import api
        from onewindow.core.openapi import schema_name_collisions

        collisions = schema_name_collisions(api)
        if collisions:
            raise CommandError("OpenAPI names used by two different definitions (prefix them with the app, "
                               "e.g. CaseMaterialOut): " + "; ".join(collisions))
        schema = api.get_openapi_schema(path_prefix="/api/v1")
        # Status codes arrive as int and str keys: a JSON round trip makes every key a string.
        plain = json.loads(json.dumps(schema, ensure_ascii=False))
        text = json.dumps(plain, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        path = Path(str(options["path"]))
        if options["check"]:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} is out of date: run `make schema` and commit it")
            self.stdout.write("OpenAPI schema is current")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
