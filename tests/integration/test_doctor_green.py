import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_doctor_is_all_green_on_embedded_defaults(tmp_path: Path) -> None:
    env = {"DESKPILOT_DATA_DIR": str(tmp_path / "d"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "cli.main", "doctor"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 6
    assert all(line.startswith("ok ") for line in lines)
