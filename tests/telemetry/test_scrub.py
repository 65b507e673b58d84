"""scrub() keeps an error reason's words and drops every value it quotes, whatever its length.

The reasons come from SCIM error details, and a detail can quote what Entra sent or what the
target echoed back: a long displayName, a whole filter, a value over several lines.
"""

from __future__ import annotations

import pytest

from connector.telemetry import scrub

LONG = "Leaky Displayname " * 20  # 360 characters, as a long displayName would be


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"displayName {LONG!r} is too long", "displayName '…' is too long"),
        (f'filter "userName eq {LONG}" is not supported', "filter '…' is not supported"),
        ("title must be one of A, B, got 'Leaky\nTitle'", "title must be one of A, B, got '…'"),
    ],
)
def test_a_long_or_multi_line_quoted_value_is_masked(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_an_apostrophe_in_a_word_does_not_unmask_the_value_after_it() -> None:
    reason = scrub("Okta can't store the name 'Leaky Displayname' for this user")
    assert reason == "Okta can't store the name '…' for this user"


@pytest.mark.parametrize(
    "value",
    ["O'Leary", 'Leaky"Double', "Leaky'Single\"Both"],
)
def test_a_value_holding_quotes_is_masked_whole(value: str) -> None:
    # `{value!r}` is how the REST target quotes a refused value (connector/targets/rest/values.py).
    reason = scrub(f"title must be one of A, B, got {value!r}")
    assert reason == "title must be one of A, B, got '…'"


def test_a_value_cut_short_is_masked_to_the_end() -> None:
    assert scrub("Okta answered 400: displayName 'Leaky Display") == (
        "Okta answered 400: displayName '…'"
    )


def test_the_words_between_values_stay() -> None:
    assert scrub("login 'a' and 'b' are both taken") == "login '…' and '…' are both taken"


def test_a_text_of_many_unclosed_quotes_is_scrubbed_whole() -> None:
    text = "'Leaky " * 5000
    assert "Leaky" not in scrub(text)
