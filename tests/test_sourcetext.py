"""The text patterns of tf_lsp/sourcetext.py (alternatives led by a literal, with ``\\b`` and line starts checked
on the bytes before a match) answer exactly as the single patterns they replace, which are written out here as the
specification: over real files (the standard library and the packages of this interpreter) and over generated text
made of the fragments the patterns look for (hypothesis)."""
from __future__ import annotations

import re
import sysconfig
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tf_lsp import sourcetext as S

SPEC = {
    "GLOBAL": re.compile(rb"^[ \t]+global[ \t]+([A-Za-z_][A-Za-z_0-9, \t]*)", re.M),
    "GLOBALS_CALL": re.compile(rb"(?<!\bin )\bglobals\(\)(?!\s*\.\s*(?:keys|items|values|get|copy)\s*\()"),
    "DYNAMIC": re.compile(rb"\bvars\(\)|\bexec\(|modules\[__name__\]|"
                          rb"\bmodules\[\s*[A-Za-z_][A-Za-z_0-9.]*\s*\]\s*=(?!=)|"
                          rb"\bsetattr\(\s*_?sys\.modules|global_enum|\b_convert_\("),
    "ALL_CHANGED": re.compile(rb"__all__\s*(?:\.\s*[a-z_]+\s*\(|\+=|\[)"),
    "SYS_PATH": re.compile(rb"\bsys\.path\.(?:insert|append|extend)\(|\bsys\.path\s*(?:\[|\+=|=[^=])|addsitedir|"
                           rb"from\s+sys\s+import\s[^\n]*\bpath\b"),
    "HOOKS": re.compile(rb"meta_path|path_hooks|modules\[[^\]\n]+\]\s*=(?!=)|"
                        rb"__path__\s*(?:=(?!=)|\+=|\.\s*(?:append|insert|extend|remove|pop|clear)\s*\(|"
                        rb"\[[^\]\n]*\]\s*=(?!=))"),
    "ALL_ATTRIBUTE": re.compile(rb"__all__(?:[\s)\\]|#[^\n]*\n)*\."),
    "CALL_OR_WALRUS": re.compile(rb"\b(?:globals|vars|exec|locals|setattr)(?:[\s)\\]|#[^\n]*\n)*\(|:="),
}


def _same(data: bytes) -> None:
    for name, spec in SPEC.items():
        pattern: S.TextPattern = getattr(S, name)
        assert pattern.found(data) == (spec.search(data) is not None), (name, data[:200])
        if len(pattern.alternatives) == 1:      # what tf-lsp counts (GLOBAL's names, GLOBALS_CALL's writes)
            assert pattern.found_all(data) == spec.findall(data), (name, data[:200])


def test_real_files_get_the_same_answers():
    roots = [Path(sysconfig.get_paths()["stdlib"]), Path(sysconfig.get_paths()["purelib"])]
    seen = hits = 0
    for root in roots:
        for path in sorted(root.rglob("*.py"))[:4000]:
            try:
                data = path.read_bytes()
            except OSError:
                continue
            _same(data)
            seen += 1
            hits += any(spec.search(data) for spec in SPEC.values())
    assert seen > 1000 and hits > 50


FRAGMENTS = [b"sys.path", b"xsys.path", b".append(", b".insert(", b" = ", b"==", b"[0]", b"+=", b"addsitedir",
             b"from sys import", b"from  sys  import ", b" path", b"os.path", b"global", b"global ", b"\n", b"\n  ",
             b"\t", b" a, b", b"globals()", b"in globals()", b"min globals()", b"for k in ", b".keys(", b".get(",
             b"vars()", b"xvars()", b"exec(", b"_exec(", b"modules[", b"modules[__name__]", b"name", b"]", b" =",
             b"setattr(", b"setattr( sys.modules", b"_sys.modules", b"global_enum", b"_convert_(", b"a_convert_(",
             b"__all__", b".extend(", b"meta_path", b"path_hooks", b"__path__", b" .append (", b"x", b"_", b"#",
             b"(", b")", b"\\", b"# c\n", b"locals", b"globals", b"exec", b"executing", b":=", b": ="]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=14))
def test_generated_text_gets_the_same_answers(parts):
    _same(b"".join(parts))
