"""Which API module answers a path: groups, schemas, or (for everything else) users."""

from __future__ import annotations

from oktasim.api import UsersApi
from oktasim.groups_api import GroupsApi
from oktasim.messages import Request, Response
from oktasim.schemas import SchemasApi


class Router:
    def __init__(self, users: UsersApi, groups: GroupsApi, schemas: SchemasApi) -> None:
        self.users = users
        self.groups = groups
        self.schemas = schemas

    def handle(self, request: Request, org_url: str) -> Response:
        segments = request.segments()
        if segments[:3] == ["api", "v1", "groups"] or (
            segments[:3] == ["api", "v1", "users"]
            and len(segments) == 5
            and segments[4] == "groups"
        ):
            return self.groups.handle(request, org_url)
        if segments[:4] == ["api", "v1", "meta", "schemas"]:
            return self.schemas.handle(request, org_url)
        return self.users.handle(request, org_url)
