"""A configured URL as text: whether it carries credentials, whether the connector's HTTP client
can send to it, and how an error may repeat it.

Settings and a target's description both take URLs from admins; neither may keep a password in
one, nor repeat a key in an error (which reaches the log).
"""

from __future__ import annotations


def holds_credentials(url: str) -> bool:
    """Whether `url` may carry `user:password@`. Any `@` counts: a password may hold `/`, `?`
    or `#`, which end the authority early, so parsing the URL would miss it."""
    return "@" in url


def shown(url: str) -> str:
    """`url` as an error repeats it: without its query or fragment, where a key could be."""
    return url.split("?", 1)[0].split("#", 1)[0]


def unsendable(url: str) -> str | None:
    """Why httpx refuses `url` (a port that is no number, an IPv4 address out of range, ...), or
    why no connection can be made to it, or None. Checked with the settings: found at the first
    call instead, it would fail every request without naming the setting."""
    import httpx  # only where settings are checked: the app's import does not load httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as refused:
        return str(refused)
    # httpx takes any integer as a port. A socket takes none past 65535 (asyncio's connect then
    # fails with an IndexError, not a connection error), and port 0 is taken as no port at all:
    # the call would go to the scheme's default port, not the one configured.
    if parsed.port is not None and not 0 < parsed.port < 65536:
        return f"port {parsed.port} is not 1-65535"
    return None
