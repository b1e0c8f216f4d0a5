"""The layers of ARCHITECTURE.md hold (import-linter contracts in pyproject.toml), and the
contracts do catch an area importing a sibling or a higher layer."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(source_root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=source_root.parent, env={"PYTHONPATH": str(source_root), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300, check=False)


def copy_of_the_code(tmp_path: Path) -> Path:
    source = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "groundswell", source / "groundswell",
                    ignore=shutil.ignore_patterns("static", "templates", "locale", "*.pyc"))
    return source


def test_the_code_keeps_every_contract():
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(("area", "module", "line"), [
    ("events", "services/rsvps.py", "from groundswell.canvass import models as _c  # noqa\n"),
    ("geo", "views.py", "from groundswell.canvass.services import last_outcomes  # noqa\n"),
    ("events", "views.py", "from groundswell.programs import models as _programs  # noqa\n"),
    ("geo", "services.py", "from groundswell.messaging import models as _messaging  # noqa\n"),
    ("core", "views.py", "from groundswell.people import models as _people  # noqa\n"),
])
def test_an_import_of_a_sibling_or_a_higher_area_breaks_the_layers(tmp_path, area, module,
                                                                     line):
    source = copy_of_the_code(tmp_path)
    target = source / "groundswell" / area / module
    target.write_text(line + target.read_text())
    result = lint_imports(source)
    assert result.returncode != 0
    assert "Areas import only the layers below them, never a sibling BROKEN" in result.stdout
    dotted = module.removesuffix(".py").replace("/", ".")
    assert f"groundswell.{area}.{dotted} -> groundswell." in result.stdout


def test_django_in_a_pure_module_breaks_its_contract(tmp_path):
    source = copy_of_the_code(tmp_path)
    target = source / "groundswell" / "geo" / "routing.py"
    target.write_text("import django  # noqa\n" + target.read_text())
    result = lint_imports(source)
    assert result.returncode != 0
    assert "Pure algorithm modules import no Django (and nothing that does) BROKEN" \
        in result.stdout


def test_a_role_is_only_ever_assigned_by_the_membership_services():
    """No code borrows a role in memory (a canvasser's membership copied as organizer
    once let door-step writes through): only core/services.py sets ``.role``."""
    import ast

    setters = []
    for path in (ROOT / "src" / "groundswell").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "role":
                    setters.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert setters == ["src/groundswell/core/services.py:117"] or all(
        s.startswith("src/groundswell/core/services.py:") for s in setters), setters
    assert setters
