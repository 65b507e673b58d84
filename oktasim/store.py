"""The user directory: records, the lifecycle state machine, validation and login uniqueness."""

from __future__ import annotations

import copy
import random
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from oktasim.errors import OktaError, user_not_found, validation_failed
from oktasim.ids import new_token, new_type_suffix, new_user_id
from oktasim.index import Clock, LaggedIndex
from oktasim.profile import NOT_UNIQUE, ProfileSchema, body_profile, drop_nulls
from oktasim.timestamps import utc_now

STATUSES = (
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "LOCKED_OUT",
    "PASSWORD_EXPIRED",
    "SUSPENDED",
    "DEPROVISIONED",
)
PROVIDER_TYPES = ("OKTA", "ACTIVE_DIRECTORY", "LDAP", "FEDERATION", "SOCIAL", "IMPORT")
MAX_GROUP_IDS = 20
MAX_PASSWORD = 72
# How an org answers profile updates of DEPROVISIONED users (see README, "Deactivated users").
REFUSE_403 = "refuse"  # 403 E0000038: Okta's support articles, the default of every org
REFUSE_404 = "refuse-404"  # 404 E0000007: one third-party report (okta-sdk-java#721)
ALLOW = "allow"  # "Edit Deactivated User Profile Updates" turned on
DEPROVISIONED_UPDATES = (REFUSE_403, REFUSE_404, ALLOW)


@dataclass
class User:
    id: str
    status: str
    created: datetime
    status_changed: datetime
    last_updated: datetime
    profile: dict[str, Any]
    activated: datetime | None = None
    last_login: datetime | None = None
    password_changed: datetime | None = None
    has_password: bool = False
    recovery_question: str | None = None
    provider: tuple[str, str] = ("OKTA", "OKTA")
    activating_until: float = 0.0  # on the store's clock: when the asynchronous activation ends

    def activating(self, now: float) -> bool:
        return now < self.activating_until

    def set_status(self, status: str, at: datetime) -> None:
        if status != self.status:
            self.status = status
            self.status_changed = at
        self.last_updated = at


class InitialGroups(Protocol):
    """Where a new user's `groupIds` go: the group store, called under the shared lock."""

    def check_joinable(self, group_ids: list[str]) -> None:
        """Raises the OktaError adding a user to one of these groups would get."""

    def join(self, user_id: str, group_ids: list[str], at: datetime) -> None: ...


@dataclass
class Email:
    """A message Okta would have sent; lets tests assert that provisioning stayed silent."""

    user_id: str
    kind: str


def login_key(login: str) -> str:
    """Okta's uniqueness key: logins equal ignoring case and diacritics collide."""
    decomposed = unicodedata.normalize("NFKD", login)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _dig(body: dict[str, Any], *path: str) -> Any:
    node: Any = body
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


@dataclass
class Store:
    """Thread-safe; every public method is one atomic step under the store lock."""

    schema: ProfileSchema
    rng: random.Random
    search_lag_s: float = 0.0
    activation_s: float = 0.0
    deprovisioned_updates: str = REFUSE_403
    type_suffix: str = field(default_factory=lambda: new_type_suffix(random.Random()))
    emails: list[Email] = field(default_factory=list)
    _users: dict[str, User] = field(default_factory=dict)
    _logins: dict[str, str] = field(default_factory=dict)  # login_key -> id, for uniqueness
    _exact: dict[str, str] = field(default_factory=dict)  # casefolded login -> id, for GET
    _short: dict[str, set[str]] = field(default_factory=dict)  # casefolded shortname -> ids
    clock: Clock = time.monotonic  # drives the search index lag and asynchronous activation
    # Called under the store lock with (user id, time) once a user exists / no longer exists.
    created_listeners: list[Callable[[str, datetime], None]] = field(default_factory=list)
    removed_listeners: list[Callable[[str, datetime], None]] = field(default_factory=list)
    initial_groups: InitialGroups | None = None
    _lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self._index: LaggedIndex[User] = LaggedIndex(self.search_lag_s, self.clock)

    @property
    def lock(self) -> threading.RLock:
        """The store's lock, which the group store shares so memberships stay consistent."""
        return self._lock

    @property
    def type_id(self) -> str:
        return "oty" + self.type_suffix

    @property
    def schema_id(self) -> str:
        return "osc" + self.type_suffix

    # -- reads -------------------------------------------------------------------------------

    def get(self, id_or_login: str) -> User:
        with self._lock:
            return self._find(id_or_login)

    def by_id(self, user_id: str) -> User:
        """Only by id, as paths that take a `userId` (not a login) resolve it."""
        with self._lock:
            return self._by_id(user_id)

    def ids(self) -> list[str]:
        with self._lock:
            return list(self._users)

    def some_by_id(self, user_ids: Iterable[str]) -> list[User]:
        """The users of those ids that still exist, in the ids' order."""
        with self._lock:
            found = map(self._users.get, user_ids)
            return [user for user in found if user is not None]

    def live(self) -> list[User]:
        with self._lock:
            return list(self._users.values())

    def indexed(self) -> list[User]:
        """What the eventually consistent search index shows: writes older than the lag."""
        with self._lock:
            return self._index.view()

    def clear(self) -> None:
        with self._lock:
            self._users.clear()
            self._logins.clear()
            self._exact.clear()
            self._short.clear()
            self._index.clear()
            self.emails.clear()

    # -- writes ------------------------------------------------------------------------------

    def create(
        self, body: dict[str, Any], activate: bool, provider: bool, next_login: str | None
    ) -> User:
        profile = drop_nulls(body_profile(body))
        credentials = body.get("credentials") or {}
        if not isinstance(credentials, dict):
            raise OktaError("E0000003")
        group_ids = body.get("groupIds") or []
        if not isinstance(group_ids, list) or not all(isinstance(g, str) for g in group_ids):
            raise OktaError("E0000003")
        if len(group_ids) > MAX_GROUP_IDS:
            raise OktaError("E0000093")
        group_ids = list(dict.fromkeys(group_ids))
        has_password = isinstance(credentials.get("password"), dict) and bool(
            credentials["password"]
        )
        if next_login is not None:
            if next_login != "changePassword":
                raise validation_failed([("nextLogin", "Invalid value")])
            if not activate:
                raise OktaError("E0000125")
            if not has_password:
                raise OktaError("E0000124")
        self.schema.validate(profile)
        self._check_password(credentials, profile)
        question = self._recovery_question(credentials)
        provider_pair = self._provider(credentials) if provider else ("OKTA", "OKTA")
        with self._lock:
            self._check_unique(profile["login"], None)
            if group_ids and self.initial_groups is not None:
                self.initial_groups.check_joinable(group_ids)
            now = utc_now()
            user = User(
                id=self._fresh_id(),
                status="STAGED",
                created=now,
                status_changed=now,
                last_updated=now,
                profile=profile,
                has_password=has_password,
                password_changed=now if has_password else None,
                recovery_question=question,
                provider=provider_pair,
            )
            if activate:
                federated = provider_pair[0] in ("FEDERATION", "SOCIAL")
                self._activate(user, now)
                if federated:
                    user.set_status("ACTIVE", now)
                if next_login is not None:
                    user.set_status("PASSWORD_EXPIRED", now)
                if not has_password and not federated:
                    self.emails.append(Email(user.id, "activation"))
            self._index_login(user)
            self._commit(user)
            for listener in self.created_listeners:
                listener(user.id, now)
            if group_ids and self.initial_groups is not None:
                self.initial_groups.join(user.id, group_ids, now)
            return user

    def update(self, user_id: str, body: dict[str, Any], replace: bool) -> User:
        sent = body_profile(body)
        credentials = body.get("credentials") or {}
        if not isinstance(credentials, dict):
            raise OktaError("E0000003")
        with self._lock:
            user = self._edit(user_id)
            if user.status == "DEPROVISIONED" and self.deprovisioned_updates == REFUSE_403:
                raise OktaError("E0000038")
            if user.status == "DEPROVISIONED" and self.deprovisioned_updates == REFUSE_404:
                raise user_not_found(user_id)
            if user.activating(self.clock()):
                raise OktaError("E0000112")
            merged = {} if replace else dict(user.profile)
            if replace or "profile" in body:
                merged.update(sent)
            profile = drop_nulls(merged)
            self.schema.validate(profile)
            self._check_password(credentials, profile)
            question = self._recovery_question(credentials)
            self._check_unique(profile["login"], user.id)
            now = utc_now()
            self._unindex_login(user)
            user.profile = profile
            self._index_login(user)
            if isinstance(credentials.get("password"), dict) and credentials["password"]:
                user.has_password = True
                user.password_changed = now
            if question is not None:
                user.recovery_question = question
            user.last_updated = now
            self._commit(user)
            return user

    def delete(self, user_id: str) -> None:
        """Okta's double delete: the first call deactivates, the second removes."""
        with self._lock:
            user = self._edit(user_id)
            if user.status != "DEPROVISIONED":
                user.set_status("DEPROVISIONED", utc_now())
                self._commit(user)
                return
            del self._users[user.id]
            self._unindex_login(user)
            self._enqueue(user.id, None)
            now = utc_now()
            for listener in self.removed_listeners:
                listener(user.id, now)

    def activate(self, user_id: str, send_email: bool) -> str:
        with self._lock:
            user = self._edit(user_id)
            if user.status not in ("STAGED", "DEPROVISIONED"):
                raise OktaError("E0000016")
            now = utc_now()
            self._activate(user, now)
            if send_email:
                self.emails.append(Email(user.id, "activation"))
            self._commit(user)
            return new_token(self.rng)

    def reactivate(self, user_id: str, send_email: bool) -> str:
        with self._lock:
            user = self._edit(user_id)
            if user.status not in ("PROVISIONED", "RECOVERY"):
                raise OktaError("E0000038")
            if send_email:
                self.emails.append(Email(user.id, "activation"))
            user.last_updated = utc_now()
            self._commit(user)
            return new_token(self.rng)

    def deactivate(self, user_id: str, send_email: bool) -> None:
        with self._lock:
            user = self._edit(user_id)
            if user.status == "DEPROVISIONED":
                # Undocumented; a third-party report (okta-sdk-java#721) saw this 404.
                raise user_not_found(user_id)
            user.set_status("DEPROVISIONED", utc_now())
            if send_email:
                self.emails.append(Email(user.id, "deactivation"))
            self._commit(user)

    def suspend(self, user_id: str) -> None:
        self._transition(
            user_id, {"ACTIVE"}, "SUSPENDED", "Cannot suspend a user that is not active"
        )

    def unsuspend(self, user_id: str) -> None:
        self._transition(
            user_id, {"SUSPENDED"}, "ACTIVE", "Cannot unsuspend a user that is not suspended"
        )

    def unlock(self, user_id: str) -> None:
        with self._lock:
            user = self._edit(user_id)
            # Okta's reference: LOCKED_OUT only, anything else 403 E0000032. (The spec also lets
            # an ACTIVE user blocked from unknown devices be unlocked; the simulator tracks no
            # device blocks, so an ACTIVE user is never one, and is refused: the hard case.)
            if user.status != "LOCKED_OUT":
                raise OktaError("E0000032", causes=["The user is not locked out."])
            user.set_status("ACTIVE", utc_now())
            self._commit(user)

    def reset_password(self, user_id: str, send_email: bool) -> str:
        with self._lock:
            user = self._edit(user_id)
            if user.status in ("STAGED", "DEPROVISIONED", "SUSPENDED"):
                raise OktaError("E0000017")
            user.set_status("RECOVERY", utc_now())
            if send_email:
                self.emails.append(Email(user.id, "reset_password"))
            self._commit(user)
            return new_token(self.rng)

    def expire_password(self, user_id: str, temporary: bool) -> tuple[User, str | None]:
        with self._lock:
            user = self._edit(user_id)
            # Suspended users "can only be unsuspended or deactivated" (spec, suspendUser).
            if user.status in ("STAGED", "DEPROVISIONED", "SUSPENDED"):
                raise OktaError("E0000038")
            now = utc_now()
            user.set_status("PASSWORD_EXPIRED", now)
            temp = None
            if temporary:
                temp = new_token(self.rng)[:12]
                user.has_password = True
                user.password_changed = now
            self._commit(user)
            return user, temp

    def reset_factors(self, user_id: str) -> None:
        with self._lock:
            self._find(user_id)

    def strip_attribute(self, name: str) -> None:
        """A custom attribute left the schema: its values leave every profile."""
        with self._lock:
            for user in list(self._users.values()):
                if name in user.profile:
                    edited = copy.deepcopy(user)
                    del edited.profile[name]
                    self._commit(edited)

    def force_status(self, user_id: str, status: str) -> None:
        """Test hook for states only an end user reaches (LOCKED_OUT, completed activation...)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        with self._lock:
            user = self._edit(user_id)
            now = utc_now()
            if status == "ACTIVE" and user.activated is None:
                user.activated = now
            user.set_status(status, now)
            self._commit(user)

    # -- internals ---------------------------------------------------------------------------

    def _activate(self, user: User, now: datetime) -> None:
        user.activating_until = self.clock() + self.activation_s
        if user.has_password:
            user.activated = now
            user.set_status("ACTIVE", now)
        else:
            user.set_status("PROVISIONED", now)

    def _transition(self, user_id: str, allowed: set[str], target: str, why: str) -> None:
        with self._lock:
            user = self._edit(user_id)
            if user.status not in allowed:
                raise validation_failed([("status", why)])
            user.set_status(target, utc_now())
            self._commit(user)

    def _fresh_id(self) -> str:
        while True:
            candidate = new_user_id(self.rng)
            if candidate not in self._users:
                return candidate

    def _edit(self, id_or_login: str) -> User:
        """A private copy to change; stored records are never mutated, so readers need no copy.

        `/api/v1/users/{id}` and its lifecycle paths take "an ID, login, or login shortname (as
        long as the shortname is unambiguous)" (spec, parameter pathId), for writes as for GET.
        """
        return copy.deepcopy(self._find(id_or_login))

    def _by_id(self, user_id: str) -> User:
        user = self._users.get(user_id)
        if user is None:
            raise user_not_found(user_id)
        return user

    def _find(self, id_or_login: str) -> User:
        if "/" in id_or_login or "?" in id_or_login:
            raise user_not_found(id_or_login)
        user = self._users.get(id_or_login)
        if user is not None:
            return user
        wanted = id_or_login.casefold()
        user_id = self._exact.get(wanted)
        if user_id is None:
            short = self._short.get(wanted, set())
            user_id = next(iter(short)) if len(short) == 1 else None
        if user_id is None:
            raise user_not_found(id_or_login)
        return self._users[user_id]

    def _index_login(self, user: User) -> None:
        login = str(user.profile["login"])
        self._logins[login_key(login)] = user.id
        self._exact[login.casefold()] = user.id
        self._short.setdefault(_shortname(login), set()).add(user.id)

    def _unindex_login(self, user: User) -> None:
        login = str(user.profile["login"])
        del self._logins[login_key(login)]
        del self._exact[login.casefold()]
        holders = self._short[_shortname(login)]
        holders.discard(user.id)
        if not holders:
            del self._short[_shortname(login)]

    def _check_unique(self, login: str, owner: str | None) -> None:
        holder = self._logins.get(login_key(login))
        if holder is not None and holder != owner:
            raise validation_failed([("login", NOT_UNIQUE)])

    @staticmethod
    def _check_password(credentials: dict[str, Any], profile: dict[str, Any]) -> None:
        value = _dig(credentials, "password", "value")
        if value is None:
            return
        if not isinstance(value, str) or not _meets_default_policy(value, profile):
            raise validation_failed(
                [
                    (
                        "password",
                        "Password requirements were not met. Password requirements: at least "
                        "8 characters, a lowercase letter, an uppercase letter, a number, no "
                        "parts of your username.",
                    )
                ]
            )

    @staticmethod
    def _recovery_question(credentials: dict[str, Any]) -> str | None:
        recovery = credentials.get("recovery_question")
        if recovery is None:
            return None
        question = _dig(credentials, "recovery_question", "question")
        answer = _dig(credentials, "recovery_question", "answer")
        causes = [
            (name, "The field must be between 1 and 100 characters")
            for name, text in (("recovery_question", question), ("recovery_answer", answer))
            if not isinstance(text, str) or not 1 <= len(text) <= 100
        ]
        if causes:
            raise validation_failed(causes)
        assert isinstance(question, str)
        return question

    @staticmethod
    def _provider(credentials: dict[str, Any]) -> tuple[str, str]:
        kind = _dig(credentials, "provider", "type")
        name = _dig(credentials, "provider", "name")
        if kind not in PROVIDER_TYPES:
            raise validation_failed([("provider", "Invalid provider type")])
        return str(kind), str(name or kind)

    def _commit(self, user: User) -> None:
        self._users[user.id] = user
        self._enqueue(user.id, user)

    def _enqueue(self, user_id: str, snapshot: User | None) -> None:
        self._index.publish(user_id, snapshot)


def _shortname(login: str) -> str:
    return login.split("@", 1)[0].casefold()


def _meets_default_policy(password: str, profile: dict[str, Any]) -> bool:
    """Okta's default policy: 8-72 chars, upper, lower, digit, no login part of 4+ chars."""
    if not 8 <= len(password) <= MAX_PASSWORD:
        return False
    if not (
        any(ch.islower() for ch in password)
        and any(ch.isupper() for ch in password)
        and any(ch.isdigit() for ch in password)
    ):
        return False
    return not any(
        len(part) >= 4 and part.casefold() in password.casefold()
        for part in _login_parts(str(profile.get("login", "")))
    )


def _login_parts(login: str) -> Iterable[str]:
    for chunk in login.replace("@", ".").split("."):
        yield from chunk.replace("-", "_").split("_")
