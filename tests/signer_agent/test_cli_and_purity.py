"""`ebhxh signer-agent` as a real process, and the package staying free of Django."""

from __future__ import annotations

import ast
import http.client
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import ebhxh.signer_agent
from ebhxh.signer_agent.cli import run

PACKAGE = Path(ebhxh.signer_agent.__file__).parent


def test_cli_serves_on_loopback_prints_pairing_codes_and_stops_on_ctrl_c(
    softhsm_conf: Path, module_path: Path
) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ebhxh",
            "signer-agent",
            "--port",
            "0",
            "--module",
            str(module_path),
            "--allow-origin",
            "https://bhxh.example.vn/",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("Ứng dụng ký số ebhxh đang chạy tại http://127.0.0.1:")
        port = int(first.rsplit(":", 1)[1])
        lines = [process.stdout.readline() for _ in range(3)]
        assert "https://bhxh.example.vn" in lines[1]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request(
            "POST",
            "/pair/start",
            body=b"{}",
            headers={"Origin": "https://bhxh.example.vn", "Content-Type": "application/json"},
        )
        assert connection.getresponse().status == 200
        connection.close()
        shown = ""
        while "Mã ghép nối" not in shown:
            shown = process.stdout.readline()
        assert "https://bhxh.example.vn" in shown
        digits = shown.split(":")[-1].replace("*", "").split()
        assert len("".join(digits)) == 6 and "".join(digits).isdigit()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
        assert process.returncode == 0, err
        assert "Đã dừng ứng dụng ký số." in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_cli_refuses_an_origin_with_a_path(capsys) -> None:
    assert run(["--allow-origin", "https://bhxh.example.vn/ky"]) == 2
    assert "không được có đường dẫn" in capsys.readouterr().err
    assert run(["--port", "70000"]) == 2
    assert run(["--help"]) == 0
    assert "--allow-origin" in capsys.readouterr().out


def test_cli_reports_a_busy_port(capsys, softhsm_conf: Path) -> None:
    from ebhxh.signer_agent import AgentServer

    busy = AgentServer(port=0)
    try:
        assert run(["--port", str(busy.port)]) == 1
        assert "không mở được cổng" in capsys.readouterr().err
    finally:
        busy.stop()


def test_modules_import_no_django_or_web_app() -> None:
    for module in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith("django"), (module.name, name)
                if name.startswith("ebhxh."):
                    allowed = ("ebhxh.signer_agent", "ebhxh.signers", "ebhxh.pki", "ebhxh.cliparse")
                    assert name.startswith(allowed), (module.name, name)


def test_importing_the_agent_loads_no_django() -> None:
    code = (
        "import sys, json\n"
        "import ebhxh.signer_agent.cli, ebhxh.signer_agent.server\n"
        "print(json.dumps([m for m in sys.modules if m.split('.')[0] == 'django']))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    assert json.loads(done.stdout) == []
