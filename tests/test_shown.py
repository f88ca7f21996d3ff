"""Commands shown to people paste back as the exact argv, and names or messages cannot fake output lines:
the CLI's text output on a real workspace, the doctor's text, and activation commands run in a real shell."""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from tf_lsp.discovery.activation import quote_cmd, quote_powershell
from tf_lsp.doctor import doctor_text
from tf_lsp.interpreters import activation_commands, candidate_for
from tf_lsp.shown import command_line, printable
from tests.wheelmaker import build_wheel, make_venv, pip_install


def tf_lsp(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "CONDA_PREFIX")}
    return subprocess.run([sys.executable, "-m", "tf_lsp", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120)


def test_fix_commands_with_redirect_characters_paste_back_as_the_argv(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    py = make_venv(root / ".venv")
    wheel = build_wheel(tmp_path / "wheels", "needs-six", "1.0", {"needs_six/__init__.py": "import six\n"},
                        requires=["six>=1.10,<2"], top_level=["needs_six"])
    pip_install(py, "--no-deps", str(wheel))
    (root / "main.py").write_text("import needs_six\n")
    data = json.loads(tf_lsp("check", "main.py", "--format", "json", cwd=root).stdout)
    argvs = [fx["command"] for d in data["files"][0]["diagnostics"] for fx in d["fixes"] if fx["command"]]
    assert any(any("<" in a or ">" in a for a in argv) for argv in argvs), argvs
    text = tf_lsp("check", "main.py", cwd=root).stdout
    shown = [line.split("  ->  ", 1)[1] for line in text.splitlines() if "  ->  " in line]
    assert shown and [shlex.split(s) for s in shown] == argvs[:len(shown)]
    assert all("'" in s for s in shown if "<" in s)             # quoted: the shell sees no redirection
    out = tmp_path / "echo"                                       # and a real shell gets the exact words back
    for s, argv in zip(shown, argvs):
        words = subprocess.run(["bash", "-c", "printf '%s\\0' " + s.split(" ", 1)[1]], capture_output=True,
                               text=True, cwd=tmp_path).stdout.split("\0")[:-1]
        assert words == argv[1:]
    assert not any(p.name.startswith(("2", "1.")) for p in tmp_path.iterdir()) and not out.exists()


def test_a_file_name_with_a_newline_and_an_ansi_escape_is_one_line_per_diagnostic(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    make_venv(root / ".venv")
    evil = "bad\n\x1b[31mfake.py:1:1: TFL100 [error] spoofed\u2028x.py"
    (root / evil).write_text("import nosuchmod_one_q\nimport nosuchmod_two_q\n")
    data = json.loads(tf_lsp("check", evil, "--format", "json", cwd=root).stdout)
    diags = data["files"][0]["diagnostics"]
    text = tf_lsp("check", evil, cwd=root).stdout
    lines = text.splitlines()
    assert "\x1b" not in text and "\u2028" not in text
    heads = [line for line in lines if not line.startswith("    ")]
    fixes = [line for line in lines if line.startswith("    fix: ")]
    assert len(heads) == len(diags) == 2 and len(lines) == len(heads) + len(fixes)
    assert all(h.startswith("bad\\n\\x1b[31mfake.py:1:1: TFL100 [error] spoofed\\u2028x.py:") for h in heads)


def test_doctor_text_quotes_commands_and_escapes_every_field():
    data = {"interpreter": {"path": "/p/bin/python\nInterpreter: /evil", "why": "x\x1b[2J", "source": "s"},
            "python": {"version": "3.11.7", "implementation": "cpython", "platform": "linux", "machine": "x86_64",
                       "static": False, "notes": ["a\rb"]},
            "packages": {"numpy": [{"version": "1.26.4", "location": "/site\u2029x", "installer": "pip"}]},
            "environments": [{"name": ".venv\n", "kind": "venv", "python": "3.11.7", "path": "/ws/.venv"}],
            "problems": [{"code": "TFL104", "severity": "error", "statement": "import tensorflow",
                          "message": "numpy 2 breaks it\nTFL000 [info] all good",
                          "fixes": [{"title": "Install numpy<2", "command": ["/p/bin/python", "-m", "pip", "install",
                                                                           "numpy>=1.23.5,<2.0.0"]}]}]}
    text = doctor_text(data)
    assert "\x1b" not in text and "\r" not in text and "\u2029" not in text
    assert "  ->  /p/bin/python -m pip install 'numpy>=1.23.5,<2.0.0'" in text
    assert not any(line.startswith(("Interpreter: /evil", "TFL000")) for line in text.splitlines())
    assert len(text.splitlines()) == 16         # as many lines as with plain values


def test_printable_and_command_line():
    assert printable("a\tb\nc\x85\u202e") == "a\\tb\\nc\\x85\\u202e" and printable("é 中 x") == "é 中 x"
    assert command_line(["pip", "install", "a>1", "b c"]) == "pip install 'a>1' 'b c'"


def test_activation_commands_quote_for_each_shell(tmp_path):
    odd = tmp_path / "it's ’odd’ 100% $(echo pwned) `x`"
    make_venv(odd)
    acts = activation_commands(candidate_for(odd))
    # (venv's own activate script does not survive such a path; what is checked is that bash reads our command
    # as the exact words ``source <path>``, running nothing of the name)
    verb, rest = acts["bash"].split(" ", 1)
    out = subprocess.run(["bash", "-c", "printf '%s\\0' " + rest], capture_output=True, text=True, timeout=30,
                         env={"PATH": "/usr/bin:/bin"}, cwd=tmp_path)
    assert verb == "source" and out.stdout.split("\0")[:-1] == [str(odd / "bin" / "activate")]
    assert acts["powershell"] == "& " + quote_powershell(str(odd / "bin" / "Activate.ps1"))
    assert quote_powershell("it's ’odd’") == "'it''s ’’odd’’'"
    assert quote_cmd(r"C:\a b\x") == r'"C:\a b\x"' and quote_cmd("C:\\100%\\x") is None and quote_cmd('a"b') is None
    assert quote_cmd("C:\\a\nb") is None
    assert Path(odd).exists()
