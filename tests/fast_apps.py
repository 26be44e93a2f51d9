"""Why the tests' web apps are cheap to build: the suite builds a fresh app for nearly every test
(about 700 in `make check`), and two library steps repeat the same work in each.

- Werkzeug compiles two small Python functions per URL rule (one builds the URL, one also adds a
  query string), through `ast` and `compile`, every time an app registers its routes: 53 of the
  59 ms `create_app` takes with Trellis's hundred routes. A function depends only on the rule's
  text and parsed parts and reaches the converters through the rule it is bound to, so the tests
  compile it once per rule and every later app binds the same one (`reused_route_builders`).
- Jinja compiles each template again for each app's environment (about 5 ms a template). The
  tests share one in-memory bytecode cache (Jinja's own mechanism, `TemplateCodeInMemory`); it
  is keyed by the template's name and file and checked against the source's checksum, so an
  edited template is compiled again.

Nothing here changes what an app does: tests/web/test_fast_apps.py builds apps with and without
the reuse and compares them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from werkzeug.routing import Rule

# -- URL rules ---------------------------------------------------------------------------------

_ROUTE_BUILDERS: dict[tuple, object] = {}
_compile_rule_builder = Rule._compile_builder


def _reused_rule_builder(self: Rule, append_unknown: bool = True):
    """Werkzeug's `Rule._compile_builder`, compiled once per rule text and parsed parts.

    A rule with defaults is compiled each time: its defaults are folded into the function."""
    if self.defaults:
        return _compile_rule_builder(self, append_unknown)
    key = (self.rule, tuple(self._trace), append_unknown)
    builder = _ROUTE_BUILDERS.get(key)
    if builder is None:
        builder = _ROUTE_BUILDERS[key] = _compile_rule_builder(self, append_unknown)
    return builder


@contextmanager
def reused_route_builders() -> Iterator[None]:
    """While open, every app built reuses the URL builders an earlier app compiled."""
    Rule._compile_builder = _reused_rule_builder
    try:
        yield
    finally:
        Rule._compile_builder = _compile_rule_builder


@contextmanager
def freshly_compiled_routes() -> Iterator[None]:
    """While open, apps compile their URL builders as Werkzeug does outside the tests."""
    current = Rule._compile_builder
    Rule._compile_builder = _compile_rule_builder
    try:
        yield
    finally:
        Rule._compile_builder = current


# -- Templates ---------------------------------------------------------------------------------


class TemplateCodeInMemory(BytecodeCache):
    """Compiled templates shared by every app of the test run (Jinja checks each against the
    checksum of the template's current source before using it)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


@contextmanager
def shared_template_code(cache: BytecodeCache) -> Iterator[BytecodeCache]:
    """While open, every Flask app built keeps its compiled templates in `cache`."""
    original = Flask.jinja_options
    Flask.jinja_options = {**original, "bytecode_cache": cache}
    try:
        yield cache
    finally:
        Flask.jinja_options = original
