"""The application as a real server on a loopback port, and browsers that talk to it.

For what only concurrency shows: several people submitting or saving at the same moment
reach the server through real sockets, worker processes and threads, and the database
decides, as in production. The server is gunicorn, as README's production set-up, on the
test session's database (a SQLite file or TEST_DATABASE_URL).
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from navigator.config import PROJECT_ROOT

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(
    database_url: str, tmp_path: Path, *, workers: int = 2, threads: int = 8, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Serve the app with gunicorn on a free loopback port; yields its base URL. The server
    runs with CSRF on and real rate limits raised only far enough for a burst of tests;
    `env` adds or overrides environment variables (the browser suite turns two-factor on)."""
    port = free_port()
    server_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "SECRET_KEY": "live-server-test-secret",
        "REQUIRE_TWO_FACTOR": "false",
        "MAIL_BACKEND": "console",
        "SELF_REFERRAL_RATE_LIMIT": "10000 per hour",
        "SIGN_IN_RATE_LIMIT": "10000 per minute",
        "NAVIGATOR_ENV": "development",
        **(env or {}),
    }
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--timeout",
            "60",
            "navigator:create_app()",
        ],
        cwd=PROJECT_ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server stopped: {(tmp_path / 'server.log').read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2):
                    break
            except urllib.error.HTTPError:
                break  # it answers (an empty search index may make it report 503)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not answer within 60 seconds")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@dataclass
class Answer:
    status: int
    url: str
    text: str


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One person's browser: its own cookies, follows redirects like a browser does."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str) -> Answer:
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, Any]) -> Answer:
        body = urllib.parse.urlencode(data, doseq=True).encode()
        return self._send(urllib.request.Request(self.base + path, data=body, method="POST"))

    def _send(self, request: urllib.request.Request) -> Answer:
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.geturl(), response.read().decode())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.geturl() or request.full_url, error.read().decode())

    def csrf_token(self, path: str) -> str:
        page = self.get(path)
        assert page.status == 200, (path, page.status)
        match = CSRF_TOKEN.search(page.text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def sign_in(self, email: str, password: str) -> None:
        token = self.csrf_token("/sign-in")
        answer = self.post("/sign-in", {"email": email, "password": password, "csrf_token": token})
        assert answer.status == 200 and "/staff" in answer.url, (answer.status, answer.url)
