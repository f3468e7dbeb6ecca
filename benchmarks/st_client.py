"""A Streamlit client without a browser: the app's own websocket protocol, for the app benchmarks.

Used by `app_rerun.py` and `classroom_load.py`. `AppServer` starts `streamlit run` on 127.0.0.1 (a
free port, headless) and measures the server's CPU time and memory (its whole process tree);
`Session` speaks to it the way the browser's frontend does: one websocket at `/_stcore/stream`,
`BackMsg.rerun_script` carrying the page, the query string and the widget states (with the
fragment id when the widget lives in an `st.fragment`, as the browser sends it), and the
`ForwardMsg`s back until `script_finished`. Elements of the last run are kept by delta path, so a
widget is found by its key and its current range or options are known.

Loopback only: the server binds 127.0.0.1 and the client never connects anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
FINISHED = {
    ForwardMsg.FINISHED_SUCCESSFULLY: "full",
    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY: "fragment",
}
#: Widget element types a benchmark can move, and how their value travels in a `WidgetState`.
MOVABLE = ("slider", "selectbox")


class ProtocolError(RuntimeError):
    """The server did not answer as a Streamlit server should (closed, timed out, compile error)."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclasses.dataclass
class AppServer:
    """A `streamlit run <script>` subprocess on 127.0.0.1; use as a context manager.

    Attributes:
        script: the Streamlit script (path).
        options: extra `--name value` command-line options for `streamlit run`.
    """

    script: Path
    options: tuple[str, ...] = ()
    port: int = 0
    process: subprocess.Popen | None = None
    log: IO[bytes] | None = None
    started_s: float = 0.0

    def __enter__(self) -> AppServer:
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.address",
            HOST,
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            *self.options,
        ]
        start = time.perf_counter()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        self._wait_healthy(timeout=60)
        self.started_s = time.perf_counter() - start
        return self

    def _wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ProtocolError(f"streamlit exited: {self.output()[-2000:]}")
            health = f"{self.http_url}/_stcore/health"
            with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=2) as reply:
                if reply.status == 200:
                    return
            time.sleep(0.2)
        raise ProtocolError(f"streamlit did not answer on {self.http_url} within {timeout:g} s")

    def output(self) -> str:
        """What the server printed so far (its log)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{HOST}:{self.port}/_stcore/stream"

    def _tree(self) -> Iterator[psutil.Process]:
        root = psutil.Process(self.process.pid)
        yield root
        yield from root.children(recursive=True)

    def cpu_seconds(self) -> float:
        """User plus system CPU time (s) used so far by the server and its child processes."""
        total = 0.0
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                times = proc.cpu_times()
                total += times.user + times.system
        return total

    def rss_mb(self) -> float:
        """Resident memory (MB) of the server and its child processes now."""
        total = 0
        for proc in self._tree():
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total / 1e6


@dataclasses.dataclass
class Widget:
    """A widget of the last run: its element type, its proto (id, range or options) and its fragment."""

    kind: str
    proto: object
    fragment_id: str

    @property
    def id(self) -> str:
        return self.proto.id

    @property
    def key(self) -> str:
        """The user key the widget id ends with (Streamlit ids are `$$ID-<hash>-<key>`)."""
        return self.proto.id.rsplit("-", 1)[-1]


@dataclasses.dataclass
class Run:
    """One rerun as the client saw it."""

    seconds: float
    kind: str  # "full" or "fragment"
    exceptions: list[str]


class Session:
    """One browser tab's worth of Streamlit protocol over one websocket."""

    def __init__(self, server_ws_url: str, timeout: float = 60.0) -> None:
        self.url = server_ws_url
        self.timeout = timeout
        self.ws: websockets.ClientConnection | None = None
        self.page_name = ""
        self.page_script_hash = ""
        self.query_string = ""
        self.widgets: dict[tuple[int, ...], Widget] = {}
        self.states: dict[str, WidgetState] = {}
        self.pages: list[str] = []

    async def __aenter__(self) -> Session:
        self.ws = await websockets.connect(
            self.url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout, ping_interval=None
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def open(self, page: str = "", query_string: str = "") -> Run:
        """Load `page` (its URL path; "" for the root URL) as a fresh visit would, with `query_string`."""
        self.page_name, self.page_script_hash, self.query_string = page, "", query_string
        self.states.clear()
        return await self._rerun("")

    def widget(self, key: str) -> Widget:
        """The widget of the last run with user key `key`."""
        for item in self.widgets.values():
            if item.key == key:
                return item
        raise KeyError(f"no widget with key {key!r} on page {self.page_name!r}; keys: {self.controls()}")

    def controls(self, kinds: tuple[str, ...] = MOVABLE) -> list[str]:
        """User keys of the movable widgets of the last run, in page order."""
        return [w.key for _, w in sorted(self.widgets.items()) if w.kind in kinds]

    async def move(self, key: str, value: float | str) -> Run:
        """Set widget `key` to `value` (a number for a slider, an option's label for a select box) and rerun."""
        item = self.widget(key)
        state = WidgetState(id=item.id)
        if item.kind == "slider":
            state.double_array_value.data.append(float(value))
        else:
            state.string_value = str(value)
        self.states[item.id] = state
        return await self._rerun(item.fragment_id)

    async def _rerun(self, fragment_id: str) -> Run:
        client = ClientState(
            query_string=self.query_string,
            widget_states=WidgetStates(widgets=list(self.states.values())),
            page_script_hash=self.page_script_hash,
            page_name=self.page_name if not self.page_script_hash else "",
            fragment_id=fragment_id,
        )
        if not fragment_id:
            self.widgets.clear()
        start = time.perf_counter()
        await self.ws.send(BackMsg(rerun_script=client).SerializeToString())
        exceptions: list[str] = []
        async with asyncio.timeout(self.timeout):
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await self.ws.recv())
                kind = self._read(msg, exceptions)
                if kind is not None:
                    return Run(time.perf_counter() - start, kind, exceptions)

    def _read(self, msg: ForwardMsg, exceptions: list[str]) -> str | None:
        """Take in one message; the kind of run when it is the end of the rerun, else None."""
        which = msg.WhichOneof("type")
        if which == "navigation":
            self.page_script_hash = msg.navigation.page_script_hash
            self.pages = [p.url_pathname for p in msg.navigation.app_pages if not p.is_default]
        elif which == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif which == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            name = element.WhichOneof("type")
            path = tuple(msg.metadata.delta_path)
            if name == "exception":
                exceptions.append(f"{element.exception.type}: {element.exception.message}")
            elif name in MOVABLE:
                self.widgets[path] = Widget(name, getattr(element, name), msg.delta.fragment_id)
        elif which == "script_finished":
            status = msg.script_finished
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                raise ProtocolError("the script failed to compile")
            return FINISHED.get(status)
        return None
