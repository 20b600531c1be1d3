"""The JSON API under /api/v1, assembled from each app's router. Schema: /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI

from gonghui.api import errors
from gonghui.api.auth import ActiveSession, BearerToken
from gonghui.bargaining.api import router as bargaining_router
from gonghui.mediation.api import router as mediation_router
from gonghui.membership.api import router as membership_router
from gonghui.orgs.api import auth_router, orgs_router
from gonghui.orgs.registry_api import enterprises_router, people_router, tasks_router
from gonghui.relief.api import router as relief_router
from gonghui.reports.api import router as reports_router


class GonghuiAPI(NinjaAPI):
    """The schema also says what every operation answers when it refuses: the error shape of `errors`."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None):  # noqa: ANN201
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["ApiError"] = errors.ERROR_SCHEMA
        refusal = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}}
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, description in errors.REFUSALS.items():
                    operation["responses"].setdefault(status, {"description": description, **refusal})
        return schema


api = GonghuiAPI(
    title="工会 Gonghui API",
    version="1",
    description="网上工会的接口。除 /auth/token 外，请求须带 `Authorization: Bearer <token>`。",
    auth=[BearerToken(), ActiveSession()],
    urls_namespace="api",
    docs_url=None,  # the Swagger page loads from a CDN: not served; use openapi.json
)
errors.install(api)
api.add_router("/auth", auth_router)
api.add_router("/orgs", orgs_router)
api.add_router("/people", people_router)
api.add_router("/enterprises", enterprises_router)
api.add_router("/tasks", tasks_router)
api.add_router("/relief", relief_router)
api.add_router("/membership", membership_router)
api.add_router("/mediation", mediation_router)
api.add_router("/bargaining", bargaining_router)
api.add_router("/reports", reports_router)
