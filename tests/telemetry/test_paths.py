"""connector/telemetry/paths.py: target paths as templates, values never kept."""

from __future__ import annotations

import pytest

from connector.telemetry import template
from connector.telemetry.paths import _template_of


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/users/00u1abcd/lifecycle/deactivate", "/api/v1/users/{}/lifecycle/deactivate"),
        ("/api/v1/users?activate=true", "/api/v1/users"),
        ("/api/v1/users/alice%40example.com", "/api/v1/users/{}"),
        ("/api/v2/accounts/42#top", "/api/v2/accounts/{}"),
        ("/people/.search", "/people/.search"),
        ("/", "/"),
    ],
)
def test_route_words_stay_and_values_go(path: str, expected: str) -> None:
    assert template(path) == expected
    hits = _template_of.cache_info().hits
    assert template(path) == expected  # the second time from what was worked out
    assert _template_of.cache_info().hits == hits + 1


def test_a_long_path_is_templated_the_same_and_not_kept() -> None:
    long_path = "/api/v1/users/" + "x" * 300 + "/lifecycle/deactivate"
    kept = _template_of.cache_info().currsize
    assert template(long_path) == "/api/v1/users/{}/lifecycle/deactivate"
    assert _template_of.cache_info().currsize == kept
