"""Static files collect as production serves them: the manifest storage follows every file a
CSS or JS file refers to (a vendored library's source map, its images) and fails on a missing one."""

from __future__ import annotations

import json

from django.core.management import call_command


def test_collectstatic_with_the_manifest_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    call_command("collectstatic", interactive=False, verbosity=0)
    paths = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert {"vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "js/map_picker.js"} <= set(paths)
