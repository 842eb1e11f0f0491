"""The layers of STYLE.md hold: `notifications` is a service below the domain (users, messages,
channels) that the domain calls; it never imports deals, leads or customers."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ("opportunities", "leads", "customers", "reports")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            modules.add(str(node.args[0].value))
    return modules


def test_notifications_imports_nothing_from_the_sales_domain():
    offending = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in (ROOT / "notifications").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in DOMAIN
    }
    assert offending == set()


def test_the_scan_finds_a_domain_import_when_there_is_one(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from opportunities.models import Opportunity\nimport leads.models\n")
    assert imported_modules(sample) == {"opportunities.models", "leads.models"}
