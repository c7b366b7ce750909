"""Intermediate results computed once per run and shared by the measures that need them.

Several measures start from the same derived frame (review timeliness feeds the monthly,
quarterly and annual review tables, participation and the pack). A function decorated
with `@shared` is computed once per distinct input while a `sharing()` scope is open and
the cached frame is handed to every later caller; outside a scope it simply runs.

Inputs are matched by identity for frames (and other unhashable values) and by value
otherwise; the cache holds the inputs too, so an identity can never be reused by a new
object while its entry is alive. The scope's cache is dropped when the scope closes.
Polars frames are immutable, so sharing a result cannot let one measure change another's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

F = TypeVar("F", bound=Callable)

_CACHE: ContextVar[dict | None] = ContextVar("pipeline_shared_cache", default=None)


@contextmanager
def sharing() -> Iterator[None]:
    """Open a cache scope (nested scopes use the outermost one)."""
    if _CACHE.get() is not None:
        yield
        return
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def _key(value) -> tuple:
    if isinstance(value, list):  # e.g. a list of month ends: by value
        value = tuple(value)
    try:
        hash(value)
    except TypeError:
        return ("id", id(value))
    return ("value", type(value).__qualname__, value)


def shared(fn: F) -> F:
    """Compute `fn(*args, **kwargs)` once per distinct input inside a `sharing()` scope."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        cache = _CACHE.get()
        if cache is None:
            return fn(*args, **kwargs)
        key = (
            fn.__module__,
            fn.__qualname__,
            tuple(_key(a) for a in args),
            tuple((k, _key(v)) for k, v in sorted(kwargs.items())),
        )
        hit = cache.get(key)
        if hit is None:
            hit = cache[key] = (args, kwargs, fn(*args, **kwargs))
        return hit[2]

    return wrapper  # type: ignore[return-value]
