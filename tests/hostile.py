"""Hostile bank files, shared by the tests and the validation benchmark."""
from __future__ import annotations

import os


def billion_laughs() -> bytes:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    return ("\n".join(lines) + "\n").encode()


def deep_flow(depth: int = 10_000) -> bytes:
    return ("id: " + "[" * depth + "]" * depth + "\n").encode()


def deep_block(depth: int = 10_000) -> bytes:
    # 10,000 levels of block mappings; truncated by the size cap long before, so it also shows
    # the cap and the depth limit agree on refusing it.
    return "".join("  " * i + f"k{i}:\n" for i in range(depth)).encode()


def deep_block_small(depth: int = 200) -> bytes:
    return "".join(" " * i + f"k{i}:\n" for i in range(depth)).encode()


def write_big(path: str, size: int = 50 * 1024 * 1024) -> None:
    with open(path, "wb") as fh:
        chunk = b"key: value\n" * 100_000
        written = 0
        while written < size:
            fh.write(chunk)
            written += len(chunk)


def binary_junk(n: int = 64 * 1024) -> bytes:
    return os.urandom(n)


HOSTILE: dict[str, tuple[bytes | None, str]] = {
    # name: (content or None when generated as a file, the code expected)
    "billion-laughs": (billion_laughs(), "YAML_003"),
    "deep-flow": (deep_flow(), "YAML_005"),
    "deep-block": (deep_block_small(), "YAML_005"),
    "fifty-megabytes": (None, "FILE_002"),
    "binary-junk": (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64, "FILE_003"),
    "empty": (b"", "FILE_004"),
    "top-level-list": (b"- id: a\n- id: b\n", "SCHEMA_001"),
    "non-utf8": ("id: caf\xe9\ntitle: d\xe9j\xe0 vu\n".encode("latin-1"), "FILE_003"),
    "nul-bytes": (b"id: a\x00b\n", "FILE_003"),
    "control-chars": (b"id: a\x07b\n", "YAML_001"),
}


def materialise(name: str, folder: str) -> str:
    content, _ = HOSTILE[name]
    path = os.path.join(folder, f"{name}.yaml")
    if content is None:
        write_big(path)
    else:
        with open(path, "wb") as fh:
            fh.write(content)
    return path
