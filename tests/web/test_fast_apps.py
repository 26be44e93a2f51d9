"""The tests' apps reuse compiled URL builders and templates (tests/fast_apps.py): they must be
exactly the apps a fresh process builds, and the reuse must really happen (it is what keeps
`make check` fast). An app served over HTTP stops as soon as its test ends."""

from __future__ import annotations

import time
import urllib.request

import jinja2
from fast_apps import TemplateCodeInMemory, freshly_compiled_routes, shared_template_code
from flask import Flask, render_template
from helpers import serve_in_thread
from werkzeug.routing.converters import NumberConverter, PathConverter

from web import create_app


def sample_value(converter):
    """A value of the kind a route parameter takes; the odd characters test the quoting."""
    if isinstance(converter, NumberConverter):
        return 7
    return "a b/ü?x" if isinstance(converter, PathConverter) else "O-1 b/ü?x"


def app_on(engine):
    return create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "x" * 40})


def built_urls(app) -> dict[tuple[str, str, str], tuple]:
    """Every rule's URL for sample values, with and without an extra query parameter."""
    urls = {}
    for rule in app.url_map.iter_rules():
        values = {name: sample_value(converter) for name, converter in rule._converters.items()}
        key = (rule.endpoint, rule.rule, ",".join(sorted(rule.methods)))
        urls[key] = (rule.build(values, append_unknown=False), rule.build({**values, "q": "a&b c"}))
    return urls


def test_every_route_builds_the_same_url_as_in_a_freshly_compiled_app(loaded_app, store_engine):
    with freshly_compiled_routes():
        fresh = app_on(store_engine)
    assert built_urls(loaded_app) == built_urls(fresh)
    assert len(built_urls(fresh)) >= 90
    # spot checks that the comparison sees real URLs, quoted, with the query string
    urls = built_urls(fresh)
    assert urls[("staff.record", "/people/<person_id>/record", "GET,HEAD,OPTIONS")] == (
        ("", "/people/O-1%20b/%C3%BC%3Fx/record"), ("", "/people/O-1%20b/%C3%BC%3Fx/record?q=a%26b+c"))


def test_apps_of_the_run_share_the_compiled_url_builders(loaded_app, store_engine):
    again = app_on(store_engine)
    first = {(r.endpoint, r.rule): r._build_unknown.__func__ for r in loaded_app.url_map.iter_rules() if not r.defaults}
    second = {(r.endpoint, r.rule): r._build_unknown.__func__ for r in again.url_map.iter_rules() if not r.defaults}
    assert first.keys() == second.keys()
    assert all(second[key] is builder for key, builder in first.items())
    with freshly_compiled_routes():
        fresh = app_on(store_engine)
    assert all(r._build_unknown.__func__ is not first[(r.endpoint, r.rule)]
               for r in fresh.url_map.iter_rules() if not r.defaults)


def test_a_second_app_renders_its_templates_without_compiling_them(loaded_app, store_engine, monkeypatch):
    first_page = loaded_app.test_client().get("/login").get_data(as_text=True)
    compiled = []
    compile_template = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda self, *args, **kwargs: compiled.append(args) or compile_template(self, *args, **kwargs))
    again = app_on(store_engine)
    second_page = again.test_client().get("/login").get_data(as_text=True)
    assert compiled == []
    # the CSRF token differs per session; the rest of the page is the same
    assert first_page.split('name="csrf_token"')[0] == second_page.split('name="csrf_token"')[0]


def test_an_edited_template_is_compiled_again_not_taken_from_the_shared_cache(tmp_path):
    (tmp_path / "page.html").write_text("first {{ word }}")

    def render() -> str:
        app = Flask(__name__, template_folder=str(tmp_path))
        with app.app_context():
            return render_template("page.html", word="<b>")

    with shared_template_code(TemplateCodeInMemory()) as cache:
        assert render() == "first &lt;b&gt;"
        assert render() == "first &lt;b&gt;"  # from the cache
        assert cache._code, "the compiled template was not kept"
        (tmp_path / "page.html").write_text("second {{ word }}")
        assert render() == "second &lt;b&gt;"


def test_a_served_app_stops_at_once_after_its_last_request(loaded_app):
    """Serving polls for shutdown every 50 ms (helpers.SERVER_POLL_S): the default half second
    was added to the end of every test that serves over HTTP."""
    serving = serve_in_thread(loaded_app)
    url = next(serving)
    assert urllib.request.urlopen(f"{url}/login", timeout=10).status == 200
    started = time.monotonic()
    next(serving, None)
    assert time.monotonic() - started < 0.3
