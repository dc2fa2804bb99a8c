"""The Python examples of the repository's README ("From Python") and of python/README.md run
as written and pass their own asserts: a README whose example fails or hangs fails here."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def python_blocks(path, section=None):
    text = path.read_text(encoding="utf-8")
    if section is not None:
        start = text.index(f"## {section}\n")
        end = text.find("\n## ", start + 1)
        text = text[start : end if end != -1 else len(text)]
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


CASES = [
    (f"README.md#{i}", code)
    for i, code in enumerate(python_blocks(ROOT / "README.md", "From Python"))
] + [(f"python/README.md#{i}", code) for i, code in enumerate(python_blocks(ROOT / "python" / "README.md"))]


def test_readmes_have_examples():
    names = [name for name, _ in CASES]
    assert sum(n.startswith("README.md") for n in names) == 2, names
    assert any(n.startswith("python/README.md") for n in names), names


@pytest.mark.parametrize("name,code", CASES, ids=[name for name, _ in CASES])
def test_readme_example(name, code):
    exec(compile(code, name, "exec"), {"__name__": "__readme__"})
