"""`python -m oktasim`: serve the simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from oktasim.simulator import NO_FAULTS_HEADER, Simulator, SimulatorOptions
from oktasim.store import DEPROVISIONED_UPDATES
from simkit.cli import add_address_options, add_fault_options, fault_options, serve_until_stopped


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m oktasim",
        description="In-memory simulator of Okta's Users, Groups and Schemas APIs "
        "(/api/v1/users, /api/v1/groups, /api/v1/meta/schemas). "
        "Never expose it beyond your machine.",
        epilog=f"Requests carrying the header '{NO_FAULTS_HEADER}: 1' are never faulted, delayed "
        "or rate limited and do not count toward any limit.",
    )
    add_address_options(parser)
    parser.add_argument(
        "--token", required=True, help="the accepted API token (Authorization: SSWS <token>)"
    )
    parser.add_argument(
        "--custom-attribute",
        action="append",
        dest="custom_attributes",
        metavar="NAME",
        help="custom profile attribute, repeatable (default: scimExternalId)",
    )
    parser.add_argument(
        "--group-custom-attribute",
        action="append",
        dest="group_custom_attributes",
        metavar="NAME",
        help="custom group profile attribute, repeatable (default: none, as in a new org)",
    )
    parser.add_argument(
        "--rate-limit-per-minute",
        type=int,
        default=None,
        metavar="N",
        help="the token's requests per minute in every rate-limit bucket (default: the "
        "token's share of the Workforce limits 600 GET/POST /users, 600 POST/PUT/DELETE "
        "/users/{id}, 2000 GET /users/{idOrLogin}, 500 /groups and its member calls, "
        "1000 /groups/{id}, 1200 other /api/v1 incl. lifecycle, /users/{id}/groups and schemas)",
    )
    parser.add_argument(
        "--token-share-percent",
        type=int,
        default=SimulatorOptions.token_share_percent,
        metavar="P",
        help="the share of each Workforce bucket one API token may use, as Okta caps every "
        "token by default at 50%% (ignored with --rate-limit-per-minute) (default: %(default)s)",
    )
    parser.add_argument(
        "--concurrency-limit",
        type=int,
        default=SimulatorOptions.concurrency_limit,
        metavar="N",
        help="requests in flight before 429 with X-Rate-Limit-Limit 0; 0 disables "
        "(default: %(default)s)",
    )
    add_fault_options(
        parser,
        errors="500/502/503",
        hang_s=SimulatorOptions.hang_s,
        seed="reproducible faults and user and group ids",
    )
    parser.add_argument(
        "--search-lag-ms",
        type=float,
        default=SimulatorOptions.search_lag_ms,
        metavar="N",
        help="users' and groups' filter/search/q results see writes only after this delay, as "
        "Okta's eventually consistent search does; 0 turns it off (default: %(default)s)",
    )
    parser.add_argument(
        "--activation-ms",
        type=float,
        default=SimulatorOptions.activation_ms,
        metavar="N",
        help="activation completes asynchronously after this delay; meanwhile users show "
        "transitioningToStatus ACTIVE and profile updates get 409 E0000112; 0 turns it off "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--deactivate-204",
        action="store_true",
        help="lifecycle/deactivate answers 204 (2020 behaviour) instead of 200 {}",
    )
    parser.add_argument(
        "--deprovisioned-updates",
        choices=DEPROVISIONED_UPDATES,
        default=SimulatorOptions.deprovisioned_updates,
        help="profile updates of DEPROVISIONED users: refuse (403 E0000038, as Okta's support "
        "articles show for an org without 'Edit Deactivated User Profile Updates'), refuse-404 "
        "(404 E0000007, as one report saw) or allow (that org option on) (default: %(default)s)",
    )
    parser.add_argument(
        "--any-login",
        action="store_true",
        help="accept any non-empty login, as an org whose login pattern an admin relaxed to .+",
    )
    return parser


def options_from(args: argparse.Namespace) -> SimulatorOptions:
    return SimulatorOptions(
        token=args.token,
        custom_attributes=tuple(args.custom_attributes or SimulatorOptions.custom_attributes),
        group_custom_attributes=tuple(args.group_custom_attributes or ()),
        rate_limit_per_minute=args.rate_limit_per_minute,
        token_share_percent=args.token_share_percent,
        concurrency_limit=args.concurrency_limit,
        search_lag_ms=args.search_lag_ms,
        activation_ms=args.activation_ms,
        deactivate_returns_204=args.deactivate_204,
        deprovisioned_updates=args.deprovisioned_updates,
        any_login=args.any_login,
        **fault_options(args),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    banner = "oktasim serving {url} (API under {url}/api/v1)"
    return serve_until_stopped(lambda: Simulator(options_from(args)), args, banner)


if __name__ == "__main__":
    sys.exit(main())
