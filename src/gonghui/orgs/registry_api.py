"""API routes of the registry: people, enterprises, their imports and exports, and task status."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from gonghui.api.errors import ApiError
from gonghui.api.pagination import Page
from gonghui.api.types import Count
from gonghui.core import excel
from gonghui.core.models import Job
from gonghui.core.pagecache import cached_read
from gonghui.orgs import ages, exports, imports, scoping, selectors, services
from gonghui.orgs.models import Enterprise, Person, Tag, Unit

people_router = Router(tags=["people"])
enterprises_router = Router(tags=["enterprises"])
tasks_router = Router(tags=["tasks"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PersonOut(Schema):
    id: int
    name: str
    id_number: str = Field(..., alias="id_masked", description="masked: 6101**********123X")
    id_type: str = Field(..., description="resident | hmt_permit (港澳台居民居住证) | foreign_pr (外国人永久居留身份证)")
    gender: str
    birth_date: date
    phone: str = Field(..., alias="phone_masked")
    unit_id: int
    unit_code: str
    employer_id: int | None
    job: str
    membership: str
    member_since: date | None
    tags: list[str]
    hukou: str
    residence: str
    basis: str

    @staticmethod
    def resolve_unit_code(obj: Person) -> str:
        return obj.unit.code

    @staticmethod
    def resolve_tags(obj: Person) -> list[str]:
        return [t.name for t in obj.tags.all()]


class PersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=50)
    id_number: str = Field(..., min_length=18, max_length=25)
    unit_id: int
    phone: str = Field("", max_length=20)
    job: str = Field("", max_length=100)
    membership: Person.Membership = Person.Membership.NON_MEMBER
    member_since: date | None = None
    tags: list[str] = []
    hukou: str = Field("", max_length=200)
    residence: str = Field("", max_length=200)
    basis: Person.Basis = Person.Basis.DUTY
    employer_id: int | None = None
    # 个人信息保护法 第三十一条: required when the person is under 14.
    guardian_name: str = Field("", max_length=50)
    guardian_relation: str = Field("", max_length=10, description="father | mother | other")
    guardian_consented_on: date | None = None


class PersonPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=50)
    phone: str | None = Field(None, max_length=20)
    job: str | None = Field(None, max_length=100)
    membership: Person.Membership | None = None
    member_since: date | None = None
    tags: list[str] | None = None
    hukou: str | None = Field(None, max_length=200)
    residence: str | None = Field(None, max_length=200)
    employer_id: int | None = None


class EnterpriseOut(Schema):
    id: int
    name: str
    credit_code: str
    industry: str
    size: str
    employees: int | None
    unit_id: int
    address: str
    status: str
    resumed_on: date | None


class EnterpriseIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    credit_code: str = Field(..., min_length=18, max_length=25)
    unit_id: int
    industry: str = Field("", max_length=1)
    size: str = Field("", max_length=10)
    employees: Count | None = None
    address: str = Field("", max_length=255)
    status: Enterprise.Status = Enterprise.Status.OPERATING
    resumed_on: date | None = None


class EnterprisePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    employees: Count | None = None
    address: str | None = Field(None, max_length=255)
    status: Enterprise.Status | None = None
    resumed_on: date | None = None


class TaskRef(Schema):
    task: int


class ProblemOut(Schema):
    row: int
    column: str
    value: str
    reason: str


class TaskOut(Schema):
    id: int
    kind: str
    state: str
    progress: int = Field(..., description="percent")
    done: int
    total: int
    counts: dict[str, Any]
    problems: list[ProblemOut]
    problem_count: int
    message: str


def _task(job: Job) -> dict[str, Any]:
    counts = {k: job.counts.get(k, 0) for k in ("created", "updated", "unchanged", "rejected")}
    return {"id": job.pk, "kind": job.kind, "state": job.state, "progress": job.percent, "done": job.progress_done,
            "total": job.progress_total, "counts": counts, "problems": job.problems, "problem_count": job.problem_count,
            "message": job.message}


def _xlsx(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _unit(request: HttpRequest, unit_id: int | None) -> Unit | None:
    return scoping.units.get_or_404(request.auth, unit_id) if unit_id else None


def _tags(names: list[str]) -> list[Tag]:
    found = list(Tag.objects.filter(name__in=names))
    unknown = set(names) - {t.name for t in found}
    if unknown:
        raise ApiError(422, "invalid", _("没有这些标签：%(t)s。") % {"t": "、".join(sorted(unknown))})
    return found


def _start_import(request: HttpRequest, kind: str, file: UploadedFile, unit: str, mode: str,
                  accept_clean: bool) -> dict[str, int]:
    if mode not in ("validate", "commit"):
        raise ApiError(422, "invalid", _("mode 只能是 validate 或 commit。"))
    target = Unit.objects.filter(code=unit).first()
    if target is None or not scoping.units.can(request.auth, scoping.CHANGE, target):
        raise ApiError(404, "not_found", _("未找到该工会编码，或不在您的权限范围内。"))
    try:
        source = imports.save_upload(file.chunks(), file.name or "upload.xlsx")
    except excel.FileRefused as refused:
        raise ApiError(422, "file_refused", str(refused)) from refused
    job = imports.start_import(actor=request.auth, kind=kind, unit=target, source=source,
                               source_name=file.name or "upload.xlsx", mode=mode, accept_clean=accept_clean)
    return {"task": job.pk}


# --- people ---

@people_router.get("", response=list[PersonOut], summary="查找职工档案")
@decorate_view(cached_read)
@paginate(Page)
def list_people(request: HttpRequest, q: str = "", unit: int | None = None, tag: str = "",
                membership: str = "") -> Any:
    return selectors.people_list(request.auth, query=q[:50], unit=_unit(request, unit), tag=tag[:30],
                                 membership=membership if membership in Person.Membership.values else "")


@people_router.get("/export.xlsx", summary="导出当前名单（默认部分隐藏）", response={200: None, 202: TaskRef})
def export_people(request: HttpRequest, q: str = "", unit: int | None = None, tag: str = "", membership: str = "",
                  full: bool = False) -> Any:
    filters = {"query": q[:50], "unit": unit, "tag": tag[:30],
               "membership": membership if membership in Person.Membership.values else ""}
    result = exports.export(actor=request.auth, what="people", filters=filters, full=full)
    if isinstance(result, Job):
        return Status(202, {"task": result.pk})
    return _xlsx(result, "people.xlsx")


@people_router.get("/import-template.xlsx", summary="导入模板", response={200: None})
def people_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(excel.template(imports.PEOPLE), "people-template.xlsx")


@people_router.post("/import", response={202: TaskRef}, summary="导入职工名册（后台任务）")
def import_people(request: HttpRequest, file: File[UploadedFile], unit: Form[str], mode: Form[str] = "validate",
                  accept_clean: Form[bool] = False) -> Status[dict[str, int]]:
    return Status(202, _start_import(request, "people.import", file, unit, mode, accept_clean))


@people_router.get("/{person_id}", response=PersonOut, summary="一份职工档案")
def get_person(request: HttpRequest, person_id: int) -> Person:
    return selectors.person_detail(request.auth, person_id)


@people_router.post("", response={201: PersonOut}, summary="新建职工档案")
def create_person(request: HttpRequest, payload: PersonIn) -> Status[Person]:
    data = payload.dict()
    unit = scoping.units.get_or_404(request.auth, data.pop("unit_id"), action=scoping.CHANGE)
    tags = _tags(data.pop("tags"))
    employer = _employer(request, data.pop("employer_id"))
    guardian_fields = (data.pop("guardian_name"), data.pop("guardian_relation"), data.pop("guardian_consented_on"))
    guardian = ages.Guardian(*guardian_fields) if any(guardian_fields) else None
    return Status(201, services.create_person(actor=request.auth, unit=unit, tags=tags, employer=employer,
                                              guardian=guardian, channel="api", **data))


@people_router.patch("/{person_id}", response=PersonOut, summary="修改职工档案")
def patch_person(request: HttpRequest, person_id: int, payload: PersonPatch) -> Person:
    person = scoping.people.get_or_404(request.auth, person_id, action=scoping.CHANGE)
    data = payload.dict(exclude_unset=True)
    tags = _tags(data.pop("tags")) if data.get("tags") is not None else None
    data.pop("tags", None)
    if "employer_id" in data:
        data["employer"] = _employer(request, data.pop("employer_id"))
    return services.update_person(actor=request.auth, person=person, tags=tags, channel="api", **data)


def _employer(request: HttpRequest, employer_id: int | None) -> Enterprise | None:
    """The employer named by id, among the enterprises the caller may see (404 otherwise)."""
    if employer_id is None:
        return None
    return scoping.enterprises.get_or_404(request.auth, employer_id, action=scoping.VIEW)


# --- enterprises ---

@enterprises_router.get("", response=list[EnterpriseOut], summary="企业名录")
@paginate(Page)
def list_enterprises(request: HttpRequest, q: str = "", unit: int | None = None, status: str = "") -> Any:
    return selectors.enterprise_list(request.auth, query=q[:50], unit=_unit(request, unit),
                                     status=status if status in Enterprise.Status.values else "")


@enterprises_router.get("/export.xlsx", summary="导出企业名录", response={200: None, 202: TaskRef})
def export_enterprises(request: HttpRequest, q: str = "", status: str = "") -> Any:
    result = exports.export(actor=request.auth, what="enterprises",
                            filters={"query": q[:50], "status": status if status in Enterprise.Status.values else ""})
    if isinstance(result, Job):
        return Status(202, {"task": result.pk})
    return _xlsx(result, "enterprises.xlsx")


@enterprises_router.get("/import-template.xlsx", summary="导入模板", response={200: None})
def enterprises_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(excel.template(imports.ENTERPRISES), "enterprises-template.xlsx")


@enterprises_router.post("/import", response={202: TaskRef}, summary="导入企业名录（后台任务）")
def import_enterprises(request: HttpRequest, file: File[UploadedFile], unit: Form[str], mode: Form[str] = "validate",
                       accept_clean: Form[bool] = False) -> Status[dict[str, int]]:
    return Status(202, _start_import(request, "enterprises.import", file, unit, mode, accept_clean))


@enterprises_router.get("/{enterprise_id}", response=EnterpriseOut, summary="一家企业")
def get_enterprise(request: HttpRequest, enterprise_id: int) -> Enterprise:
    return selectors.enterprise_detail(request.auth, enterprise_id)


@enterprises_router.post("", response={201: EnterpriseOut}, summary="登记企业")
def create_enterprise(request: HttpRequest, payload: EnterpriseIn) -> Status[Enterprise]:
    data = payload.dict()
    unit = scoping.units.get_or_404(request.auth, data.pop("unit_id"), action=scoping.CHANGE)
    return Status(201, services.create_enterprise(actor=request.auth, unit=unit, **data))


@enterprises_router.patch("/{enterprise_id}", response=EnterpriseOut, summary="修改企业信息")
def patch_enterprise(request: HttpRequest, enterprise_id: int, payload: EnterprisePatch) -> Enterprise:
    enterprise = scoping.enterprises.get_or_404(request.auth, enterprise_id, action=scoping.CHANGE)
    return services.update_enterprise(actor=request.auth, enterprise=enterprise, **payload.dict(exclude_unset=True))


# --- tasks ---

@tasks_router.get("/{task_id}", response=TaskOut, summary="后台任务的状态、进度和结果")
def get_task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    return _task(selectors.job_detail(request.auth, task_id))
