"""Identifiers shaped like Okta's: 20-char `00u…` users, `00g…` groups, `0oa…` apps, `oae…` error
ids, hex request ids."""

from __future__ import annotations

import random
import secrets
import string

_ALPHABET = string.ascii_letters + string.digits


def _random_chars(rng: random.Random, length: int, alphabet: str = _ALPHABET) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


def new_user_id(rng: random.Random) -> str:
    return "00u" + _random_chars(rng, 17)


def new_group_id(rng: random.Random) -> str:
    return "00g" + _random_chars(rng, 17)


def new_app_id(rng: random.Random) -> str:
    return "0oa" + _random_chars(rng, 17)


def new_type_suffix(rng: random.Random) -> str:
    """Okta's default user type `oty…` and its schema `osc…` share the same 17-char suffix."""
    return _random_chars(rng, 17)


def new_token(rng: random.Random) -> str:
    return _random_chars(rng, 20)


def new_error_id() -> str:
    # errorIds are never part of a reproducible run, so they come from the OS generator.
    return "oae" + _random_chars(random.SystemRandom(), 22, _ALPHABET + "-_")


def new_request_id() -> str:
    return secrets.token_hex(16)
