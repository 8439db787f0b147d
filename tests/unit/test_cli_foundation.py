import subprocess
import sys

from cli.main import main


def test_help_lists_design_commands(capsys) -> None:  # type: ignore[no-untyped-def]
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    for command in ("ingest", "search", "ask", "triage", "eval", "keys", "worker", "doctor", "serve"):
        assert command in out


def test_unknown_command_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "cli.main", "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "frobnicate" in proc.stderr
