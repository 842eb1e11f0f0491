"""Every message the app can show has its Chinese translation: the catalogue is refreshed from
the code (as `make messages` does) in a copy of the project and must then hold no empty or
guessed entry."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from django.conf import settings as django_settings
from django.core.management import call_command

LEFT_OUT = (".git", ".venv", "node_modules", "tests", "staticfiles", "media", "__pycache__", "*.sqlite3*")


def _missing(po: str) -> list[str]:
    """The msgids of the entries (the header aside) that are guessed or have an empty string."""
    missing = []
    for block in po.split("\n\n")[1:]:
        msgid = re.search(r'^msgid "(.*)"((?:\n".*")*)', block, re.M)
        if msgid is None:
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block.splitlines())
        strings = re.findall(r'^msgstr(?:\[\d+\])? "(.*)"((?:\n".*")*)', block, re.M)
        empty = any(not (first + "".join(re.findall(r'"(.*)"', rest))) for first, rest in strings)
        if fuzzy or empty:
            missing.append(msgid.group(1) + "".join(re.findall(r'"(.*)"', msgid.group(2))))
    return missing


def test_every_message_of_the_app_has_a_chinese_translation(tmp_path, settings, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(Path(django_settings.BASE_DIR), project, ignore=shutil.ignore_patterns(*LEFT_OUT))
    settings.LOCALE_PATHS = [project / "locale"]
    monkeypatch.chdir(project)
    call_command("makemessages", locale=["zh_Hans"], ignore_patterns=list(LEFT_OUT), verbosity=0)
    missing = _missing((project / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8"))
    assert missing == [], f"{len(missing)} message(s) without a Chinese translation (`make messages`): {missing[:10]}"


def test_the_check_finds_an_entry_left_empty_or_guessed():
    po = (
        'msgid ""\nmsgstr ""\n\nmsgid "Done"\nmsgstr "完成"\n\nmsgid "New"\nmsgstr ""\n\n#, fuzzy\nmsgid "Old"\nmsgstr "旧"'
        '\n\nmsgid ""\n"A long "\n"one"\nmsgstr ""\n\nmsgid "Two"\nmsgid_plural "Twos"\nmsgstr[0] ""'
    )
    assert _missing(po) == ["New", "Old", "A long one", "Two"]
