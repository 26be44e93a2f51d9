"""The fast loop (`make check`) and the full suite (`make test`): the fast loop tries a quarter of
each property test's examples, the full suite all of them (tests/property_examples.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import settings
from property_examples import FAST_LOOP, FEWEST_EXAMPLES, examples

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def _recipe(target: str) -> str:
    """The commands of one Makefile target (its tab-indented lines, continuations joined)."""
    text = MAKEFILE.read_text().replace("\\\n", " ")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n?)+)", text, re.MULTILINE)
    assert match, f"no {target} target in the Makefile"
    return match.group(1)


@contextmanager
def profile_loaded(name: str) -> Iterator[None]:
    """Hypothesis's profile `name` loaded, then whichever the run had loaded."""
    before = settings.get_current_profile_name()
    settings.load_profile(name)
    try:
        yield
    finally:
        settings.load_profile(before)


def test_the_full_suite_tries_each_property_tests_full_number_of_examples():
    with profile_loaded("default"):
        assert examples(300) == 300 and examples(40) == 40


def test_the_fast_loop_tries_a_quarter_never_fewer_than_ten():
    with profile_loaded(FAST_LOOP):
        assert examples(300) == 75 and examples(150) == 38 and examples(40) == FEWEST_EXAMPLES
        assert settings.default.max_examples == 25  # a test naming no number


def test_make_check_loads_the_fast_loop_profile_and_make_test_does_not():
    assert f"--hypothesis-profile={FAST_LOOP}" in _recipe("check")
    assert "--hypothesis-profile" not in _recipe("test")
