"""A minimal Language Server Protocol client for yaml-language-server (the server behind the YAML
extensions of VS Code, Neovim, Helix, Emacs and others): open one file, return the diagnostics the
server publishes for it. Used by tests/integration/test_editor_schema.py to check that the editor
set-up in docs/authoring.md really validates a bank file, from any folder."""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import time
from typing import Any

# Where `npm install --prefix` puts the server for the tests (.ci/run does it in CI).
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "know-yourself", "yaml-language-server")


def server_command() -> list[str] | None:
    """The command that starts the server over stdio, or None when it is not installed."""
    explicit = os.environ.get("YAML_LANGUAGE_SERVER")
    candidates = [explicit] if explicit else []
    candidates += [shutil.which("yaml-language-server") or "",
                   os.path.join(CACHE, "node_modules", ".bin", "yaml-language-server")]
    for c in candidates:
        if c and os.path.isfile(c) and shutil.which("node"):
            return [c, "--stdio"]
    return None


class _Server:
    def __init__(self, command: list[str], settings: dict[str, Any]):
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.settings, self.next_id = settings, 1

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> int:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def read(self) -> dict[str, Any]:
        length = 0
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("yaml-language-server exited")
            if line in (b"\r\n", b"\n"):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return json.loads(self.proc.stdout.read(length))

    def answer_server_requests(self, message: dict[str, Any]) -> None:
        if "id" in message and "method" in message:  # the server asks us something
            result: Any = None
            if message["method"] == "workspace/configuration":
                result = [self.settings.get(item.get("section", ""), self.settings)
                          for item in message["params"]["items"]]
            self.send({"id": message["id"], "result": result})

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def diagnostics(command: list[str], path: str, schemas: dict[str, Any] | None = None,
                timeout: float = 60) -> list[dict[str, Any]]:
    """The diagnostics yaml-language-server publishes for the file at `path`, opened as an editor
    opens it, with `schemas` as the editor's `yaml.schemas` setting (None: the file's own
    `# yaml-language-server: $schema=` line). Waits until the published diagnostics stop changing."""
    path = os.path.abspath(path)
    uri = pathlib.Path(path).as_uri()
    yaml_settings = {"validate": True, "hover": True, "completion": True, "schemaStore": {"enable": False},
                     "schemas": schemas or {}}
    server = _Server(command, {"yaml": yaml_settings, "": {"yaml": yaml_settings}})
    try:
        root = pathlib.Path(os.path.dirname(path)).as_uri()
        init = server.request("initialize", {"processId": os.getpid(), "rootUri": root, "capabilities": {
            "workspace": {"configuration": True}, "textDocument": {"publishDiagnostics": {}}}})
        deadline = time.monotonic() + timeout
        while True:
            message = server.read()
            server.answer_server_requests(message)
            if message.get("id") == init and "result" in message:
                break
        server.send({"method": "initialized", "params": {}})
        server.send({"method": "workspace/didChangeConfiguration", "params": {"settings": {"yaml": yaml_settings}}})
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        server.send({"method": "textDocument/didOpen", "params": {"textDocument": {
            "uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
        latest: list[dict[str, Any]] | None = None
        while time.monotonic() < deadline:
            message = server.read()
            server.answer_server_requests(message)
            if message.get("method") == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                latest = message["params"]["diagnostics"]
                if latest:  # the schema was loaded and applied (an empty list may come first)
                    return latest
        return latest or []
    finally:
        server.close()
