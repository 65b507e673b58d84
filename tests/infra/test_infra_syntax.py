"""Every Bicep file parses with the tree-sitter Bicep grammar, with no error or missing node."""

from __future__ import annotations

from pathlib import Path

import pytest

from ._bicep import INFRA_DIR, MAIN_BICEP, bicep_files, modules, relative, syntax_problems

BICEP_FILES = bicep_files()


def test_templates_exist() -> None:
    assert MAIN_BICEP in BICEP_FILES
    assert len(BICEP_FILES) > 1, "main.bicep is expected to use modules under infra/"


@pytest.mark.parametrize("path", BICEP_FILES, ids=relative)
def test_bicep_file_parses_without_errors(path: Path) -> None:
    problems = syntax_problems(path.read_bytes())
    assert not problems, f"{relative(path)}:\n" + "\n".join(str(p) for p in problems)


@pytest.mark.parametrize(
    ("source", "line"),
    [
        pytest.param(b"param a string\nvar b = {\n  c: 'd'\n", 2, id="unclosed-brace"),
        pytest.param(b"param a string\nvar b = \nvar c = 1\n", 2, id="missing-expression"),
        pytest.param(b"var ok = 1\nparam a string = 'unterminated\n", 2, id="unterminated-string"),
        # `x!` is valid Bicep, but this grammar rejects it, so the templates must avoid it.
        pytest.param(b"param a string\noutput o string = a!\n", 2, id="non-null-assertion"),
    ],
)
def test_broken_bicep_is_reported_with_its_line(source: bytes, line: int) -> None:
    problems = syntax_problems(source)
    assert problems, "a broken file must not pass the syntax check"
    # The grammar reports a problem where it becomes certain: the broken line or the next one.
    assert line <= problems[0].line <= line + 1, [str(p) for p in problems]


def test_well_formed_snippet_has_no_problems() -> None:
    source = b"param a string = 'x'\nvar b = {\n  c: a\n}\noutput o string = b.c\n"
    assert syntax_problems(source) == []


@pytest.mark.parametrize("path", BICEP_FILES, ids=relative)
def test_modules_are_local_files(path: Path) -> None:
    # No registry modules (br:, br/public:, ts:): every resource is declared under infra/.
    for symbol, module in modules(path).items():
        assert module["type"] == "local", f"{relative(path)}: module {symbol} is {module['type']}"
        target = (path.parent / module["path"]).resolve()
        assert target.is_file(), f"{relative(path)}: module {symbol} -> missing {target}"
        assert INFRA_DIR in target.parents
    text = path.read_text()
    assert "br/public:" not in text
    assert "br:" not in text
