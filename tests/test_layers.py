"""Imports go one way: bot/ -> handlers/ -> models/. Checked on the source (every import statement,
including those inside functions), so no delayed import can hide a cycle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Packages a layer must not import.
FORBIDDEN = {"models": ("handlers", "bot"), "handlers": ("bot",)}


def imports(path: Path) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from bot import x` counts as importing `bot.x`
            out += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return out


def violations(layer: str) -> list[str]:
    found = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        for line, name in imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN[layer]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return found


def test_models_import_neither_handlers_nor_bot():
    assert violations("models") == []


def test_handlers_do_not_import_bot():
    assert violations("handlers") == []


def test_the_check_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from handlers import replies\n    import bot.app\n")
    assert {name for _, name in imports(module)} == {"handlers.replies", "bot.app"}
