"""``schildwacht serve``: gunicorn serves pages and static files (WhiteNoise)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from cryptography.fernet import Fernet

SCHILDWACHT = str(Path(sys.executable).with_name("schildwacht"))


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCHILDWACHT_")}
    env.update(
        SCHILDWACHT_HOME=str(home),
        SCHILDWACHT_SECRET_KEY=secrets.token_urlsafe(50),
        SCHILDWACHT_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        SCHILDWACHT_HTTPS="0",
    )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, deadline: float) -> tuple[int, bytes]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, b""
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_answers_pages_and_static_files(tmp_path: Path) -> None:
    env = _env(tmp_path)
    port = _free_port()
    unmigrated = subprocess.Popen(
        [SCHILDWACHT, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _get(f"http://127.0.0.1:{port}/static/schildwacht/schildwacht.css", time.monotonic() + 30)
    finally:
        unmigrated.terminate()
        _out, err = unmigrated.communicate(timeout=20)
    assert "schildwacht migrate" in err  # a warning, not a silent migration

    subprocess.run([SCHILDWACHT, "migrate", "-v", "0"], env=env, check=True)
    server = subprocess.Popen(
        [SCHILDWACHT, "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        status, _body = _get(f"http://127.0.0.1:{port}/accounts/login/", deadline)
        assert status == 200
        status, body = _get(f"http://127.0.0.1:{port}/static/schildwacht/schildwacht.css", deadline)
        assert status == 200
        css = Path(__file__).parents[1] / "src/schildwacht/static/schildwacht/schildwacht.css"
        assert body == css.read_bytes()
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=20)
    assert server.returncode == 0, err
    assert "migrate" not in err
    assert "gunicorn" in err.lower() or "Booting worker" in err
