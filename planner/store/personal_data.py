"""Where one person appears in the store, in any table and any column, so their data can be
exported and erased completely (UK GDPR rights of access and erasure).

A person is named by their person id, their name, and their sign-in accounts (the account's
username, and `user:N` as the audit trail names an account by number). `Subject` recognises
those in text and in JSON; `walk_store` visits every table of the database (reflected, so
tables added by later migrations are covered without a change here).

The rules, each a small function:
- `mentions_in_text`: a text names the person when it holds their id or account (`user:N`) as
  a word of its own, or their full name; a cell holding exactly their username names them too.
- `entries_about`: in JSON, the parts about the person are objects with their `person_id`,
  entries keyed by their id, and texts that name them (e.g. an infeasible plan's conflicts).
- `erased_text`: erasing replaces their id and name with a pseudonym drawn at random for this
  erasure (so rows about the same erased person still read together, but nothing leads back to
  them) and their account with `deleted-user:N`.
- `erased_json`: erasing cuts the objects about them out of JSON and erases the texts.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator

from sqlalchemy import JSON, Connection, MetaData, String, Table, Text, select

# Tables no person data can be in: the migration bookkeeping.
NOT_PERSONAL = frozenset({"alembic_version"})


@dataclass(frozen=True)
class Subject:
    """One person as the store may name them."""

    person_id: str
    name: str | None = None
    accounts: tuple[tuple[int, str], ...] = ()  # (account number, username)
    pseudonym: str = field(default_factory=lambda: f"erased-{secrets.token_hex(4)}")

    @property
    def account_targets(self) -> tuple[str, ...]:
        """How the audit trail names their accounts."""
        return tuple(f"user:{number}" for number, _ in self.accounts)

    @property
    def usernames(self) -> tuple[str, ...]:
        return tuple(username for _, username in self.accounts)

    @cached_property
    def _replacements(self) -> tuple[tuple[re.Pattern, str], ...]:
        """What names them in text, and what each becomes when they are erased."""
        patterns = [(_word(self.person_id), self.pseudonym)]
        if self.name and self.name.strip():
            patterns.append((_word(self.name.strip()), self.pseudonym))
        for number, _ in self.accounts:
            # `deleted-user:N` is already the pseudonym: the lookbehind leaves it alone.
            patterns.append((re.compile(rf"(?<![\w-])user:{number}(?!\d)"), f"deleted-user:{number}"))
        return tuple(patterns)

    @cached_property
    def _any_mention(self) -> re.Pattern:
        return re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _ in self._replacements))

    def mentions_in_text(self, text: str) -> bool:
        """Does this text name the person (id, full name, account number, or exactly a username)?"""
        return text in self.usernames or self._any_mention.search(text) is not None

    def erased_text(self, text: str) -> str:
        """The text with every mention of the person replaced by its pseudonym."""
        for number, username in self.accounts:
            if text == username:
                return f"deleted-user:{number}"
        for pattern, replacement in self._replacements:
            text = pattern.sub(replacement, text)
        return text

    def mentions(self, value: Any) -> bool:
        """Does this JSON value (or text) name the person anywhere?"""
        return any(True for _ in self.entries_about(value)) or (
            isinstance(value, (dict, list)) and any(self.mentions_in_text(k) for k in _keys(value)))

    def _about(self, item: Any) -> bool:
        return isinstance(item, dict) and item.get("person_id") == self.person_id

    def entries_about(self, value: Any) -> Iterator[Any]:
        """The parts of a JSON value about the person: objects with their `person_id`, entries
        keyed by their id, and texts that name them."""
        if isinstance(value, str):
            if self.mentions_in_text(value):
                yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                if key == self.person_id or self._about(item):
                    yield {key: item} if key == self.person_id else item
                else:
                    yield from self.entries_about(item)
        elif isinstance(value, list):
            for item in value:
                if self._about(item):
                    yield item
                else:
                    yield from self.entries_about(item)

    def erased_json(self, value: Any) -> Any:
        """The JSON value with the objects about the person cut out and every text naming them
        erased (keys too)."""
        if isinstance(value, str):
            return self.erased_text(value)
        if isinstance(value, dict):
            return {self.erased_text(key): self.erased_json(item) for key, item in value.items()
                    if key != self.person_id and not self._about(item)}
        if isinstance(value, list):
            return [self.erased_json(item) for item in value if not self._about(item)]
        return value


def _word(text: str) -> re.Pattern:
    """`text` standing as a word of its own (P1 is not found in P10)."""
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")


def _keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from _keys(item)


# --------------------------------------------------------------------------------------------
# Walking the store
# --------------------------------------------------------------------------------------------


def every_table(connection: Connection) -> list[Table]:
    """Every table of the database that may hold personal data, as it is now (reflected)."""
    reflected = MetaData()
    reflected.reflect(connection)
    return [table for name, table in sorted(reflected.tables.items()) if name not in NOT_PERSONAL]


def text_columns(table: Table) -> list:
    """Columns that can hold a name or an id: text and JSON."""
    return [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]


@dataclass
class Mention:
    """One row of one table that names the person, with the cells that do."""

    table: Table
    key: dict[str, Any]
    row: dict[str, Any]
    columns: list[str]


def is_a_record_of_people(table: Table) -> bool:
    """A table with one row per person, keyed by `person_id` (the people of the scenario)."""
    return [c.name for c in table.primary_key.columns] == ["person_id"]


def walk_store(connection: Connection, subject: Subject, tables: list[Table] | None = None) -> Iterator[Mention]:
    """Every row of every table (or of `tables`) with a cell that names the person. In a table
    of people's records only their own row is about them: a namesake's record is the
    namesake's, not a mention of this person."""
    for table in tables if tables is not None else every_table(connection):
        columns = text_columns(table)
        if not columns:
            continue
        key = list(table.primary_key.columns) or list(table.columns)
        query = select(table)
        if is_a_record_of_people(table):
            query = query.where(table.c.person_id == subject.person_id)
        for row in connection.execute(query).mappings():
            named = [c.name for c in columns if row[c.name] is not None and _cell_mentions(subject, row[c.name])]
            person_column = "person_id" in table.c and row["person_id"] == subject.person_id
            if named or person_column:
                yield Mention(table, {k.name: row[k.name] for k in key}, dict(row), named)


def _cell_mentions(subject: Subject, cell: Any) -> bool:
    if isinstance(cell, str):
        return subject.mentions_in_text(cell)
    return subject.mentions(cell)


def erased_cell(subject: Subject, cell: Any) -> Any:
    if isinstance(cell, str):
        return subject.erased_text(cell)
    return subject.erased_json(cell)
