"""The Thai catalogue is complete: every message the code and templates show has a Thai
translation, none is fuzzy (a guess by makemessages), and placeholders survive translation."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "th" / "LC_MESSAGES" / "django.po"
SOURCES = [
    "common",
    "geocoding",
    "mapsite",
    "needs",
    "notifications",
    "opportunities",
    "places",
    "volunteers",
    "templates",
]


def placeholders(text):
    return sorted(re.findall(r"%\(\w+\)[sdf]|\{\w+\}", text))


def problems(po):
    found = [f"untranslated: {e.msgid!r}" for e in po.untranslated_entries()]
    found += [f"fuzzy: {e.msgid!r}" for e in po.fuzzy_entries()]
    for entry in po.translated_entries():
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            if placeholders(text) != placeholders(entry.msgid):
                found.append(f"placeholders differ: {entry.msgid!r} → {text!r}")
    return found


def test_every_thai_message_is_translated_and_none_is_fuzzy():
    assert problems(polib.pofile(str(CATALOGUE))) == []
    msgfmt = shutil.which("msgfmt")
    if msgfmt:  # and it compiles (a stray "#|" line stops compilemessages)
        check = subprocess.run(
            [msgfmt, "--check", "-o", "/dev/null", str(CATALOGUE)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stderr


def test_the_catalogue_holds_every_message_of_the_code(tmp_path):
    """makemessages, run on a copy of the sources, finds nothing the catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (Debian's gettext, which ./dev installs) is not on the PATH")
    for name in [*SOURCES, "manage.py"]:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "th", "--no-location", "-v", "0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)},
    )
    fresh = polib.pofile(str(tmp_path / "locale" / "th" / "LC_MESSAGES" / "django.po"))
    assert problems(fresh) == [], "run makemessages and translate the new messages"


def test_djangos_own_messages_we_translate_are_still_djangos():
    """common/django_messages.py names Django messages our catalogue translates: each must still
    be one Django says (a Django upgrade that rewords one would silently bring English back)."""
    import ast

    import django

    django_root = Path(django.__file__).parent
    django_source = "".join(p.read_text() for p in django_root.rglob("*.py"))
    tree = ast.parse((ROOT / "common" / "django_messages.py").read_text())
    messages = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in {"gettext_noop", "ngettext_lazy"}
    ]
    assert len(messages) > 20
    catalogue = {entry.msgid: entry for entry in polib.pofile(str(CATALOGUE))}
    for message in messages:
        # Django's sources split long strings over lines: compare their first words.
        assert message[:38] in django_source, message
        assert catalogue[message].translated(), message


@pytest.mark.django_db
def test_django_password_rules_are_said_in_thai(client):
    page = client.post(
        "/accounts/register/",
        {
            "email": "somchai@example.org",
            "display_name": "สมชาย",
            "password1": "12345678",
            "password2": "12345678",
            "consent": "on",
        },
        HTTP_ACCEPT_LANGUAGE="th",
    ).content.decode()
    assert "รหัสผ่านนี้เป็นตัวเลขทั้งหมด" in page
    assert "รหัสผ่านนี้มีคนใช้กันทั่วไป" in page
    assert "entirely numeric" not in page and "too common" not in page
