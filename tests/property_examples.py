"""How many examples each property test tries (Hypothesis). `make test`, which CI runs, tries
each test's full number; `make check`, the fast loop, loads the `fast-loop` profile
(`--hypothesis-profile=fast-loop`) and tries a quarter of them. Either way an example that once
failed is tried first (Hypothesis's example database), so a known failure is never skipped.

A test names its full number through `examples(n)`; a test that names none gets the profile's
own (100 in full, 25 in the fast loop)."""

from __future__ import annotations

from hypothesis import settings

FAST_LOOP = "fast-loop"
FAST_LOOP_SHARE = 0.25
FEWEST_EXAMPLES = 10


def register_fast_loop_profile() -> None:
    """The fast loop's profile: a quarter of the default profile's examples."""
    full = settings.get_profile("default").max_examples
    settings.register_profile(FAST_LOOP, max_examples=round(full * FAST_LOOP_SHARE))


def examples(full: int) -> int:
    """`full` under the default profile; in proportion under the loaded one (a quarter in the
    fast loop), never below FEWEST_EXAMPLES. Read when the test module is imported, after the
    profile is loaded."""
    share = settings.default.max_examples / settings.get_profile("default").max_examples
    return max(FEWEST_EXAMPLES, round(full * share))
