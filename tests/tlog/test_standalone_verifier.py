"""The standalone verifier is one package a third party can copy out: stdlib + cryptography."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import treatyledger.tlog.verifier as verifier

FIXTURES = Path(__file__).parent.parent / "fixtures" / "tlog"


PACKAGE = Path(verifier.__file__).parent


def test_verifier_imports_only_stdlib_and_cryptography() -> None:
    roots = set()
    for module in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Import):
                roots |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                roots.add(node.module.split(".")[0])
    third_party = roots - set(sys.stdlib_module_names) - {"__future__"}
    # treatyledger.errors is imported inside try/except ImportError (see the next test)
    assert third_party == {"cryptography", "treatyledger"}


def test_verifier_copied_out_verifies_a_vector_without_treatyledger(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "tl_verifier", ignore=shutil.ignore_patterns("__pycache__"))
    script = textwrap.dedent(
        f"""
        import sys, json
        sys.modules["treatyledger"] = None  # as if TreatyLedger were not installed
        import tl_verifier as v
        vectors = json.load(open({str(FIXTURES / "c2sp_signed_note_vectors.json")!r}))
        case = vectors["vectors"][1]
        note = v.verify_note(case["note"], [v.parse_vkey(case["vkey"])])
        assert note.text == case["text"]
        try:
            v.verify_note(case["note"], [])
        except v.SignatureError as exc:
            modules = sorted(set(c.__module__ for c in type(exc).__mro__))
            assert modules == ["builtins", "tl_verifier._errors"]
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.stdout.strip() == "ok", result.stderr
