"""Numbers given on the command line: finite, whole where they must be, and in range.

Every numeric option of every `trellis` command uses one of these types, so `nan`, `inf`,
`-1` or `1e400` gets the same answer everywhere: one line naming the option, the value and the
range, and exit status 2 (never a traceback, never a solve with no time limit)."""

from __future__ import annotations

import math

import click

EXIT_BAD_OPTION = 2
# CP-SAT and numpy take a 32-bit seed.
MAX_SEED = 2**31 - 1
# A solve may run for a day at most; the default comes from the policy (30 s).
MAX_SOLVE_SECONDS = 86_400.0


class BadNumber(click.ClickException):
    """Shown by click as one line, `Error: --option: ...`, with exit status 2."""

    exit_code = EXIT_BAD_OPTION


def _option_name(param: click.Parameter | None) -> str:
    if param is None:
        return "a number"
    long_names = [name for name in param.opts if name.startswith("--")]
    return (long_names or param.opts or [param.human_readable_name])[0]


def _range_words(low, high, whole: bool) -> str:
    kind = "a whole number" if whole else "a number"
    return f"{kind} from {low:,} to {high:,}" if whole else f"{kind} from {low:g} to {high:g}"


class Bounded(click.ParamType):
    """A finite number from `low` to `high` (inclusive); whole when `whole` is set."""

    def __init__(self, low: float, high: float, *, whole: bool):
        self.low, self.high, self.whole = low, high, whole
        self.name = "integer" if whole else "float"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        if self.whole:
            return f"INTEGER {int(self.low)}..{int(self.high)}"
        return f"NUMBER {self.low:g}..{self.high:g}"

    def convert(self, value, param, ctx):
        number = self._number(value)
        if number is None or not self.low <= number <= self.high:
            raise BadNumber(
                f"{_option_name(param)}: {str(value)!r} is not allowed; give {_range_words(self.low, self.high, self.whole)}"
            )
        return number

    def _number(self, value) -> int | float | None:
        """The value as a finite int (whole) or float, or None when it is not one."""
        if isinstance(value, bool):
            return None
        if self.whole:
            if isinstance(value, int):
                return value
            text = str(value).strip().replace("_", "")
            # Digits only (with a sign): refuses '1e3', '0x10' and a 5,000-digit number alike.
            if not (text.isascii() and text.lstrip("+-").isdigit()) or len(text) > 20:
                return None
            return int(text)
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            return None
        return number if math.isfinite(number) else None


def whole(low: int, high: int) -> Bounded:
    """A whole number from `low` to `high`."""
    return Bounded(low, high, whole=True)


def number(low: float, high: float) -> Bounded:
    """A finite number from `low` to `high`."""
    return Bounded(low, high, whole=False)


SECONDS = number(0.1, MAX_SOLVE_SECONDS)
SEED = whole(0, MAX_SEED)
WORKERS = whole(1, 64)
PORT = whole(1, 65_535)
