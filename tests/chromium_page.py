"""Load a page from disk in headless Chromium and report what a reader's browser would see.

    with Chromium() as browser:                       # skips nothing: raises if absent
        seen = browser.load(Path("out/index.html"), screenshot=Path("out/shot.png"))
    seen.errors        # console errors, uncaught exceptions, failed loads, CSP violations
    seen.requests      # every URL the page asked for that is not file: or data:
    seen.images        # [{"src": "data:image/png;base64,...", "width": 1200}, ...]
    seen.cells         # the accuracy-table cells' data-* attributes
    seen.links         # hrefs of the page's links

Test helper, no dependency beyond the standard library: Chromium's DevTools protocol over
``--remote-debugging-pipe`` (JSON messages separated by NUL on file descriptors 3 and
4). ``CHROMIUM`` names the executable (default: ``chromium`` on PATH).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND",  # a page that needs the network cannot get it
)  # fmt: skip
PROBE = """(() => ({
  images: [...document.images].map(i => ({src: i.currentSrc.slice(0, 40), width: i.naturalWidth,
                                          complete: i.complete})),
  cells: [...document.querySelectorAll('td[data-length]')].map(c => ({
    model: c.dataset.model, task: c.dataset.task, length: Number(c.dataset.length),
    n: Number(c.dataset.n), accuracy: c.dataset.accuracy === undefined ? null : Number(c.dataset.accuracy)})),
  links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')),
  title: document.title,
}))()"""


def find_chromium() -> str | None:
    return (
        os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    )


@dataclass
class Seen:
    """What one page load produced."""

    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    images: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    title: str = ""


def _high_fd(fd: int) -> int:
    """A copy of ``fd`` numbered 10 or more (so moving it onto 3 / 4 clobbers nothing)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class Chromium:
    """One headless Chromium driven over the DevTools pipe; a fresh profile per instance."""

    def __init__(self, executable: str | None = None, timeout: float = 120.0) -> None:
        self.executable = executable or find_chromium()
        if not self.executable:
            raise FileNotFoundError("chromium")
        self.timeout = timeout
        self._next_id = 0
        self._replies: dict[int, dict[str, Any]] = {}
        self._events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._lock = threading.Condition()

    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="rmt-bench-chromium-")
        to_browser_r, to_browser_w = (_high_fd(fd) for fd in os.pipe())
        from_browser_r, from_browser_w = (_high_fd(fd) for fd in os.pipe())

        def child_fds() -> None:  # in the child: fd 3 = commands in, fd 4 = replies out
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self._process = subprocess.Popen(
            [self.executable, *FLAGS, f"--user-data-dir={self._profile.name}",
             "--remote-debugging-pipe", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=child_fds,
        )  # fmt: skip
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._write_fd, self._read_fd = to_browser_w, from_browser_r
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._send("Browser.close", wait=False)
            self._process.wait(timeout=10)
        except Exception:
            self._process.kill()
            self._process.wait()
        os.close(self._write_fd)
        self._profile.cleanup()

    def _read_loop(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._read_fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                os.close(self._read_fd)
                with self._lock:
                    self._lock.notify_all()
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        self._replies[message["id"]] = message
                        self._lock.notify_all()
                else:
                    self._events.put(message)

    def _send(self, method: str, params: dict | None = None, session: str | None = None,
              wait: bool = True) -> dict[str, Any]:  # fmt: skip
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._write_fd, json.dumps(message).encode() + b"\0")
        if not wait:
            return {}
        deadline = time.monotonic() + self.timeout
        with self._lock:
            while self._next_id not in self._replies:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise TimeoutError(f"chromium did not answer {method}")
                self._lock.wait(0.1)
            reply = self._replies.pop(self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def load(self, page: Path, screenshot: Path | None = None, width: int = 1280) -> Seen:
        """Open ``page`` (a file) in a new tab, wait for it to load, and probe it."""
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self._send(f"{domain}.enable", session=session)
        self._send("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                   session=session)  # fmt: skip
        seen = Seen()
        self._send("Page.navigate", {"url": Path(page).resolve().as_uri()}, session=session)
        self._collect(seen, session, until="Page.loadEventFired")
        self._collect(seen, session, until=None, seconds=0.5)  # late console messages
        probe = self._send("Runtime.evaluate", {"expression": PROBE, "returnByValue": True},
                           session=session)  # fmt: skip
        value = probe.get("result", {}).get("value") or {}
        seen.images, seen.cells = value.get("images", []), value.get("cells", [])
        seen.links, seen.title = value.get("links", []), value.get("title", "")
        if screenshot is not None:
            shot = self._send("Page.captureScreenshot",
                              {"format": "png", "captureBeyondViewport": True}, session=session)  # fmt: skip
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        self._send("Target.closeTarget", {"targetId": target})
        return seen

    def _collect(
        self, seen: Seen, session: str, until: str | None, seconds: float | None = None
    ) -> None:
        deadline = time.monotonic() + (seconds if seconds is not None else self.timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if until is not None:
                    raise TimeoutError(f"page did not fire {until}")
                return
            try:
                event = self._events.get(timeout=min(left, 0.1))
            except queue.Empty:
                continue
            if event.get("sessionId") != session:
                continue
            method, params = event.get("method"), event.get("params", {})
            _record(seen, method, params)
            if method == until:
                return


def _record(seen: Seen, method: str, params: dict[str, Any]) -> None:
    if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
        text = " ".join(
            str(a.get("value", a.get("description", ""))) for a in params.get("args", [])
        )
        seen.errors.append(f"console.{params['type']}: {text}")
    elif method == "Runtime.exceptionThrown":
        details = params.get("exceptionDetails", {})
        seen.errors.append(
            f"exception: {details.get('text')} {details.get('exception', {}).get('description', '')}"
        )
    elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
        entry = params["entry"]
        seen.errors.append(
            f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}"
        )
    elif method == "Network.requestWillBeSent":
        url = params.get("request", {}).get("url", "")
        if not url.startswith(("file:", "data:", "about:")):
            seen.requests.append(url)
    elif method == "Network.loadingFailed" and not params.get("canceled"):
        seen.errors.append(
            f"load failed: {params.get('errorText')} ({params.get('blockedReason', '')})"
        )
