"""Front-end assets: compiled at set-up, collectable for deployment, no CDN, no GOV.UK-only font or crest."""

import re

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

BUILD = settings.BASE_DIR / "joinedup" / "web" / "static" / "build"


def test_stylesheet_is_self_contained():
    css = (BUILD / "app.css").read_text()
    assert ".govuk-button" in css
    assert "GDS Transport" not in css and "@font-face" not in css
    assert not re.search(r"url\((?!\"?/static/)", css), "every url() must be served from /static/"
    assert "govuk-crest" not in css


def test_collectstatic_with_the_deployment_storage(tmp_path):
    storages = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "build/app.css" in manifest and "joinedup/app.mjs" in manifest


def test_templates_load_nothing_from_other_origins():
    templates = settings.BASE_DIR / "joinedup" / "web" / "templates"
    for path in templates.rglob("*.html"):
        text = path.read_text()
        assert not re.search(r"""(src|href)=["']https?://""", text), path
