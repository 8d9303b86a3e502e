"""The one kind of cache: a bounded, thread-safe LRU, by entries or by bytes, that counts its hits.

Every cache in the app is one of these (docs/architecture.md, "Caches"): keys are values the
caller normalised first (a bank's content hash, a token and a language), never raw request text,
and losing an entry only costs recomputing it. `caches()` lists them all with their hit rates, for
bench/inprocess.py. Pure: usable by every layer, the bank format and the engine included.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_ALL: list[LRU] = []


class LRU:
    """At most `max_entries` entries, or at most `max_bytes` by `size(value)`; least recently used
    out first. An entry larger than `max_bytes` by itself is not kept."""

    def __init__(self, name: str, *, max_entries: int | None = None, max_bytes: int | None = None,
                 size: Callable[[Any], int] = len) -> None:
        if max_entries is None and max_bytes is None:
            raise ValueError("a cache needs a bound")
        self.name, self.max_entries, self.max_bytes, self._size = name, max_entries, max_bytes, size
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = self.hits = self.misses = 0
        _ALL.append(self)

    def get(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def __setitem__(self, key: Hashable, value: Any) -> None:
        cost = self._size(value) if self.max_bytes is not None else 0
        if self.max_bytes is not None and cost > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.bytes -= old[1]
            self._items[key] = (value, cost)
            self.bytes += cost
            while (self.max_entries is not None and len(self._items) > self.max_entries) or \
                    (self.max_bytes is not None and self.bytes > self.max_bytes):
                _key, (_value, dropped) = self._items.popitem(last=False)
                self.bytes -= dropped

    def discard_where(self, predicate: Callable[[Hashable], bool]) -> None:
        """Drop every entry whose key satisfies `predicate` (a deleted result's pages)."""
        with self._lock:
            for key in [k for k in self._items if predicate(k)]:
                self.bytes -= self._items.pop(key)[1]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    @property
    def hit_rate(self) -> float | None:
        asked = self.hits + self.misses
        return self.hits / asked if asked else None


def caches() -> list[LRU]:
    """Every cache made in this process, in the order they were made."""
    return list(_ALL)
