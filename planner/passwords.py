"""What makes a password acceptable, following NCSC guidance and NIST SP 800-63B: length over
complexity, long passphrases welcome, and common, breached or easily guessed passwords refused.
No rules about mixing letters, digits and symbols, and no forced expiry.

One rule, used wherever a password is set (`trellis users add`, the admin page). The deny-list
and the guessability estimate come from zxcvbn (Dropbox's estimator): its 30,000 most common
passwords from breach corpora, plus patterns (repeats, keyboard walks, sequences, dates, words
with digits on the end)."""

from __future__ import annotations

import unicodedata
from functools import cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# zxcvbn scores 0-4; 3 means about 10^8 guesses or more ("safely unguessable" for an online attack
# and a slow hash such as Argon2id).
MIN_GUESSABILITY_SCORE = 3
# zxcvbn's matching grows quickly with length; the first 72 characters say enough of a passphrase.
ESTIMATED_CHARACTERS = 72


@cache
def common_passwords() -> frozenset[str]:
    """The deny-list, loaded once: common passwords from breach corpora, lower-cased."""
    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def password_problem(password: str, account_name: str = "") -> str | None:
    """A password has at least 12 characters (up to 1024: long passphrases, spaces included, are
    welcome), is not only spaces, is not a common or breached password, does not contain the
    account name, and is not easy to guess. Returns what is wrong in plain words, or None."""
    text = unicodedata.normalize("NFKC", password)
    if not text.strip():
        return f"the password cannot be blank or only spaces; choose at least {MIN_PASSWORD_LENGTH} characters"
    if len(text) < MIN_PASSWORD_LENGTH:
        return (f"the password needs at least {MIN_PASSWORD_LENGTH} characters; "
                "a passphrase of three or four random words is easy to remember")
    if len(text) > MAX_PASSWORD_LENGTH:
        return f"the password may have at most {MAX_PASSWORD_LENGTH} characters"
    folded = text.casefold()
    if folded in common_passwords() or "".join(folded.split()) in common_passwords():
        return "that password is on the list of common or breached passwords; choose another"
    name = account_name.strip().casefold()
    if len(name) >= 3 and name in folded:
        return "the password must not contain the account name"
    estimate = zxcvbn(text[:ESTIMATED_CHARACTERS], user_inputs=[name, "trellis"] if name else ["trellis"])
    if estimate["score"] < MIN_GUESSABILITY_SCORE:
        why = estimate["feedback"]["warning"] or "it follows a common pattern"
        return (f"that password is too easy to guess ({why[0].lower()}{why[1:].rstrip('.')}); "
                "a passphrase of three or four random words is better")
    return None
