import logging
import subprocess
import sys

import pytest

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


def test_cli_log_records_are_redacted(caplog: pytest.LogCaptureFixture) -> None:
    original = logging.getLogRecordFactory()
    try:
        with pytest.raises(SystemExit):
            main(["--help"])
        with caplog.at_level(logging.WARNING):
            logging.getLogger("deskpilot.test").warning("lookup for %s failed", "jo@example.com")
        assert "jo@example.com" not in caplog.text and "[EMAIL" in caplog.text
    finally:
        logging.setLogRecordFactory(original)
