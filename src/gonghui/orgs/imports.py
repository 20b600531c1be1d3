"""Importing people and enterprises from spreadsheets, as background jobs.

A job reads the file twice: first to check every row (nothing is written), then, when the
user asked to import and the file is clean (or they accepted the clean rows), to write the
clean rows in batches. Re-importing the same file changes nothing: rows are matched on the
ID number (people) or the credit code (enterprises), and only changed fields are written,
with the change in the record's history.
"""

from __future__ import annotations

import gc
import pickle
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core import attachments, excel, jobs
from gonghui.core.crypto import hasher, lookup_hash, seal_all
from gonghui.core.deadlines import local_date
from gonghui.core.masking import mask_phone
from gonghui.core.models import AuditEvent, Job
from gonghui.core.phone import InvalidPhone, normalise_mobile
from gonghui.orgs import ages, rules, scoping
from gonghui.orgs.models import Enterprise, Industry, Person, Tag, Unit, User

BATCH = 5000  # rows checked and written together (one transaction when written)
PROGRESS_SECONDS = 0.5
# Checked batches written in one transaction: fewer, larger commits write each index page to the WAL once
# rather than once a batch, and hold SQLite's write lock about two seconds at a time.
WRITE_BATCHES = 4
MAX_PROBLEMS_KEPT = 5000


def _phone(text: str) -> str:
    try:
        return normalise_mobile(text)
    except InvalidPhone as exc:
        raise ValueError(_("不是有效的11位手机号码。")) from exc


def _id_number(text: str) -> str:
    try:
        return rules.parse_id_number(text).number
    except rules.InvalidNumber as exc:
        raise ValueError(str(exc)) from exc


def _credit_code(text: str) -> str:
    try:
        return rules.parse_credit_code(text)
    except rules.InvalidNumber as exc:
        raise ValueError(str(exc)) from exc


def _bank(text: str) -> str:
    digits = text.replace(" ", "")
    if not (digits.isascii() and digits.isdigit()) or not 12 <= len(digits) <= 30:  # "²".isdigit() is true
        raise ValueError(_("银行账号应为12到30位数字。"))
    return digits


def _name(text: str) -> str:
    try:
        return rules.clean_name(text)
    except rules.InvalidName as exc:
        raise ValueError(str(exc)) from exc


def _name_optional(text: str) -> str:
    return _name(text) if text else ""


def _credit_code_optional(text: str) -> str:
    return _credit_code(text) if text else ""


def _phone_optional(text: str) -> str:
    return _phone(text) if text else ""


def _bank_optional(text: str) -> str:
    return _bank(text) if text else ""


PEOPLE = excel.Sheet(
    title=_("职工名册导入模板"),
    unique_key="id_number",
    columns=(
        excel.Column("name", "姓名", required=True, example="张小明", max_length=50, width=10, clean=_name),
        excel.Column("id_number", "身份证号", sensitive=True, required=True, example="610104199003151234",
                     help="18位居民身份证号，末位X大小写均可；性别和出生日期由此自动得出。", clean=_id_number, width=22),
        excel.Column("phone", "手机号", sensitive=True, example="13812345678", clean=_phone_optional, width=14),
        excel.Column("unit_code", "所在工会编码", example="610104001001",
                     help="留空则为导入时选择的工会；须在其下级范围内。", width=16),
        excel.Column("employer_code", "工作单位信用代码", example="916101044JURQ283FG",
                     help="工作单位的统一社会信用代码，须已在企业名录中。", clean=_credit_code_optional, width=22),
        excel.Column("job", "岗位", example="客房服务员", max_length=100),
        excel.Column("membership", "会籍", kind="choice", choices=tuple(Person.Membership.choices), example="会员"),
        excel.Column("member_since", "入会日期", kind="date", example="2015-06-01", help="会籍为“会员”时必填。"),
        excel.Column("tags", "标签", example="一线职工,农民工", help="多个标签用逗号分隔，须为已有标签。"),
        excel.Column("hukou", "户籍地", example="陕西省商洛市商州区"),
        excel.Column("residence", "现居住地", example="西安市莲湖区北院门"),
        excel.Column("emergency_name", "紧急联系人", example="张大明", max_length=50, clean=_name_optional),
        excel.Column("emergency_phone", "紧急联系人电话", sensitive=True, example="13912345678", clean=_phone_optional),
        excel.Column("bank_account", "银行账号", sensitive=True, example="6222020200112233445", clean=_bank_optional, width=22),
        excel.Column("basis", "处理依据", kind="choice", choices=tuple(Person.Basis.choices),
                     example="履行法定职责或义务所必需",
                     help="处理敏感个人信息的法律依据（个人信息保护法第十三条）；“本人单独同意”须另有签字同意书。"),
    ),
    notes=(_("身份证号、手机号、银行账号导入后加密保存，页面只显示部分号码。"),),
)

ENTERPRISES = excel.Sheet(
    title=_("企业名录导入模板"),
    unique_key="credit_code",
    columns=(
        excel.Column("name", "企业名称", required=True, example="陕西美丽豪酒店管理有限公司", width=28),
        excel.Column("credit_code", "统一社会信用代码", required=True, example="916101044JURQ283FG",
                     clean=_credit_code, width=22),
        excel.Column("industry", "行业门类", kind="choice", choices=tuple(Industry.choices), example="住宿和餐饮业",
                     width=22),
        excel.Column("size", "规模", kind="choice", choices=tuple(Enterprise.Size.choices), example="小型"),
        excel.Column("employees", "职工人数", kind="int", example="86", minimum=0),
        excel.Column("unit_code", "所属工会编码", example="610104001001",
                     help="企业所属基层工会（或联合工会）的编码；留空则为导入时选择的工会。"),
        excel.Column("address", "地址", example="西安市莲湖区北院门大街"),
        excel.Column("contact_name", "联系人", example="梅丽华", max_length=50),
        excel.Column("contact_phone", "联系电话", example="029-87654321", max_length=30),
        excel.Column("status", "经营状态", kind="choice", choices=tuple(Enterprise.Status.choices), example="已复工"),
        excel.Column("resumed_on", "复工日期", kind="date", example="2020-03-02", help="经营状态为“已复工”时必填。"),
    ),
)


class Planner(ABC):
    """Checks rows against the database and writes them, a batch at a time."""

    sheet: excel.Sheet
    model: type[Any]

    def __init__(self, job: Job, actor: User, target: Unit) -> None:
        self.job, self.actor, self.target = job, actor, target
        self.in_scope = scoping.units.filter(actor, action=scoping.CHANGE)
        self._allowed_units: set[int] | None = None

    @property
    def allowed_units(self) -> set[int]:
        """The units under the target that the importer may change (asked once per import)."""
        if self._allowed_units is None:
            self._allowed_units = set(self.in_scope.filter(scoping.subtree_q(self.target.path))
                                      .values_list("id", flat=True))
        return self._allowed_units

    def spool(self, batch: list[excel.ParsedRow], planned: list[tuple[excel.ParsedRow, str, Any]]) -> Any:
        """What the writing pass needs of a checked batch: by default its clean rows, planned again then."""
        return [excel.ParsedRow(r.number, r.values, [], []) for r in batch if r.ok]

    def write(self, spooled: Any) -> dict[str, int]:
        """Write one spooled batch (inside the caller's transaction); returns the outcomes counted."""
        planned = self.plan(spooled)
        self.apply(planned)
        return _count(planned)

    @abstractmethod
    def plan(self, rows: list[excel.ParsedRow], build: bool = True) -> list[tuple[excel.ParsedRow, str, Any]]:
        """Add the problems the database reveals to the rows; say what each clean row would do.

        With build=False (the checking pass) new records are only counted, not constructed.
        """

    @abstractmethod
    def apply(self, planned: list[tuple[excel.ParsedRow, str, Any]]) -> None:
        """Write the planned rows."""

    def _units(self, rows: list[excel.ParsedRow]) -> dict[str, Unit]:
        codes = {r.values.get("unit_code") for r in rows if r.values.get("unit_code")}
        inside = Unit.objects.filter(scoping.subtree_q(self.target.path)).filter(code__in=codes)
        found = {u.code: u for u in inside}
        for row in rows:
            code = row.values.get("unit_code")
            if code and code not in found:
                row.problems.append(excel.Problem(row.number, self.sheet.column("unit_code").header, code,
                                                  _("没有这个工会编码，或它不在“%(unit)s”之下。") % {"unit": self.target.name}))
        return found


def _count(planned: list[tuple[excel.ParsedRow, str, Any]]) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for _row, outcome, _item in planned:
        counts["created" if outcome == "written_before" else outcome] += 1
    return counts


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [_show(k, before.get(k)), _show(k, v)] for k, v in after.items() if before.get(k) != v}


def _show(key: str, value: Any) -> Any:
    if key in ("phone", "emergency_phone"):
        return mask_phone(value)
    if key == "bank_account":
        return f"****{value[-4:]}" if value else ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set):
        return sorted(value)
    return value


class PeoplePlanner(Planner):
    sheet = PEOPLE
    model = Person
    fields = ("name", "phone", "job", "membership", "member_since", "hukou", "residence", "emergency_name",
              "emergency_phone", "bank_account", "basis")

    def __init__(self, job: Job, actor: User, target: Unit) -> None:
        super().__init__(job, actor, target)
        self.tags = {t.name: t for t in Tag.objects.all()}
        self.id_hash, self.phone_hash, self.bank_hash = hasher("id"), hasher("phone"), hasher("bank")
        self.inserter = _Inserter()

    def plan(self, rows: list[excel.ParsedRow], build: bool = True) -> list[tuple[excel.ParsedRow, str, Any]]:
        units = self._units(rows)
        employers = {e.credit_code: e for e in Enterprise.objects.filter(
            credit_code__in={r.values["employer_code"] for r in rows if r.values.get("employer_code")})}
        tags = self.tags
        id_hash, phone_hash, bank_hash = self.id_hash, self.phone_hash, self.bank_hash
        hashes = {id_hash(r.values["id_number"]): r for r in rows if r.values.get("id_number")}
        found = _existing_hashes(hashes)
        existing = {p.id_hash: p for p in Person.objects.filter(id_hash__in=found).select_related("unit")
                    .prefetch_related("tags")} if found else {}
        allowed_units = self.allowed_units
        planned = []
        today = local_date(timezone.now())
        refused: dict[int, list[Any]] = {}
        header, target, job_id = self.sheet.column, self.target, self.job.pk
        parse_id_number, initials = rules.parse_id_number, rules.initials
        member, non_member, duty = Person.Membership.MEMBER.value, Person.Membership.NON_MEMBER.value, Person.Basis.DUTY.value
        earliest, working_age, guardian_age = rules.EARLIEST_DATE, ages.WORKING_AGE, ages.GUARDIAN_AGE
        for digest, row in hashes.items():
            values = row.values
            if values.get("employer_code") and values["employer_code"] not in employers:
                row.problems.append(excel.Problem(row.number, header("employer_code").header, values["employer_code"],
                                                  _("企业名录中没有这个信用代码，请先导入该企业。")))
            names = ([t.strip() for t in values["tags"].replace("，", ",").split(",") if t.strip()]
                     if values.get("tags") else [])
            unknown = [t for t in names if t not in tags]
            if unknown:
                row.problems.append(excel.Problem(row.number, header("tags").header, values.get("tags", ""),
                                                  _("没有这些标签：%(t)s。") % {"t": "、".join(unknown)}))
            membership = values.get("membership") or non_member
            since = values.get("member_since")
            if membership == member and not since:
                row.problems.append(excel.Problem(row.number, header("member_since").header, "",
                                                  _("会籍为“会员”时必须填写入会日期。")))
            if since is not None and since < earliest:
                row.problems.append(excel.Problem(row.number, header("member_since").header, since.isoformat(),
                                                  _("入会日期不能早于 1900-01-01，请核对年份。")))
            unit = units.get(values.get("unit_code") or "", target)
            person = existing.get(digest)
            identity = parse_id_number(values["id_number"])
            age = ages.age_on(identity.birth_date, today)
            employer_row = employers.get(values.get("employer_code") or "")
            if employer_row is not None and age < working_age and (
                    person is None or person.employer_id != employer_row.pk):
                # 劳动法 第十五条: refused, and the enterprise's union and street are told (once per job and enterprise).
                row.problems.append(excel.Problem(row.number, header("employer_code").header, values["employer_code"],
                                                  ages.child_employment_reason(age)))
                refused.setdefault(employer_row.pk, [employer_row, []])[1].append(age)
            if person is None and age < guardian_age:
                row.problems.append(excel.Problem(row.number, header("id_number").header, identity.masked,
                                                  _("不满14周岁的未成年人，须取得监护人同意才能登记（个人信息保护法第三十一条），"
                                                    "不能批量导入：请在“新建职工档案”页面登记并填写监护人同意。")))
            if person is not None and person.unit_id not in allowed_units:
                row.problems.append(excel.Problem(row.number, header("id_number").header, identity.masked,
                                                  _("此人已在其他工会建档，请联系对方办理转移。")))
            if not row.ok:
                continue
            if person is None and not build:
                planned.append((row, "created", None))
                continue
            fields = {
                "name": values["name"], "phone": values.get("phone") or "", "job": values.get("job") or "",
                "membership": membership, "member_since": since,
                "hukou": values.get("hukou") or "", "residence": values.get("residence") or "",
                "emergency_name": values.get("emergency_name") or "",
                "emergency_phone": values.get("emergency_phone") or "",
                "bank_account": values.get("bank_account") or "",
                "basis": values.get("basis") or duty,
            }
            employer = employer_row
            tag_objects = {tags[t] for t in names} if names else set()
            if person is None:
                phone, bank = fields["phone"], fields["bank_account"]
                fields.update(id_number=identity.number, id_hash=digest, id_masked=identity.masked,
                              id_type=identity.id_type, gender=identity.gender, birth_date=identity.birth_date,
                              unit_id=unit.pk, province_id=unit.province_id,
                              employer_id=employer.pk if employer else None, source_job_id=job_id,
                              name_initials=initials(fields["name"]),
                              phone_hash=phone_hash(phone) if phone else "", phone_masked=mask_phone(phone),
                              bank_hash=bank_hash(bank) if bank else "")
                planned.append((row, "created", (fields, tag_objects)))
                continue
            before = {f: getattr(person, f) for f in self.fields}
            before.update(unit=person.unit.code, employer=person.employer_id, tags={t.name for t in person.tags.all()})
            after = dict(fields, unit=unit.code, employer=employer.pk if employer else None,
                         tags={t.name for t in tag_objects})
            changes = _diff(before, after)
            if not changes:
                # Written by an earlier run of this very job, stopped midway (its worker died): created by it.
                planned.append((row, "written_before" if person.source_job_id == self.job.pk else "unchanged", None))
                continue
            for name in self.fields:
                setattr(person, name, fields[name])
            person.unit, person.province_id, person.employer = unit, unit.province_id, employer
            person.name_initials = rules.initials(person.name)
            planned.append((row, "updated", (person, tag_objects, changes)))
        for enterprise, refused_ages in refused.values():
            with transaction.atomic():
                ages.alert_child_employment(enterprise=enterprise, age=min(refused_ages), channel="import",
                                            actor=self.actor, count=len(refused_ages),
                                            key=f"child-employment-job{self.job.pk}-e{enterprise.pk}")
        return planned

    def apply(self, planned: list[tuple[excel.ParsedRow, str, Any]]) -> None:
        created = [item for _row, outcome, item in planned if outcome == "created"]
        updated = [item for _row, outcome, item in planned if outcome == "updated"]
        self._insert(self.inserter.rows([values for values, _t in created]),
                     [(values["id_hash"], t.pk) for values, tags in created for t in tags])
        if updated:
            self._update(updated)

    def spool(self, batch: list[excel.ParsedRow], planned: list[tuple[excel.ParsedRow, str, Any]]) -> Any:
        """New people leave the checking pass as rows ready for the database (sealed, hashed): the writing
        pass only inserts them. Changed people are planned again when written; unchanged ones are not written."""
        new, links, changed = [], [], []
        for row, outcome, item in planned:
            if outcome == "created":
                values, tags = item
                new.append(values)
                links.extend((values["id_hash"], t.pk) for t in tags)
            elif outcome == "updated":
                changed.append(excel.ParsedRow(row.number, row.values, [], []))
        return self.inserter.rows(new), links, changed

    def write(self, spooled: Any) -> dict[str, int]:
        rows, links, changed = spooled
        position = self.inserter.position("id_hash")
        taken = _existing_hashes([r[position] for r in rows])
        if taken:  # filed by someone else between the check and the write: left as they are now
            rows = [r for r in rows if r[position] not in taken]
            links = [link for link in links if link[0] not in taken]
        self._insert(rows, links)
        counts = {"created": len(rows), "updated": 0, "unchanged": 0, "taken_meanwhile": len(taken)}
        if changed:
            planned = self.plan(changed)
            self.apply(planned)
            for outcome, n in _count(planned).items():
                counts[outcome] += n
        return counts

    def _insert(self, rows: list[list[Any]], links: list[tuple[str, int]]) -> None:
        if not rows:
            return
        position = self.inserter.position("id_hash")
        rows.sort(key=itemgetter(position))  # b-tree of the unique hash filled in order: far fewer page splits
        with connection.cursor() as cursor:
            cursor.executemany(self.inserter.sql, rows)
        if links:
            ids = dict(Person.objects.filter(id_hash__in={h for h, _t in links}).values_list("id_hash", "id"))
            Person.tags.through.objects.bulk_create(
                [Person.tags.through(person_id=ids[h], tag_id=t) for h, t in links], batch_size=1000)

    def _update(self, updated: list[tuple[Person, set[Tag], dict[str, list[Any]]]]) -> None:
        for person, _t, _c in updated:
            _seal_hashes(person)
        Person.objects.bulk_update([p for p, _t, _c in updated],
                                   [*self.fields, "unit", "province", "employer", "name_initials",
                                    "phone_hash", "phone_masked", "bank_hash", "updated_at"], batch_size=500)
        Person.tags.through.objects.filter(person_id__in=[p.pk for p, _t, _c in updated]).delete()
        Person.tags.through.objects.bulk_create(
            [Person.tags.through(person_id=p.pk, tag_id=t.pk) for p, tags, _c in updated for t in tags],
            batch_size=1000)
        now = timezone.now()
        label = self.actor.get_username()
        AuditEvent.objects.bulk_create([
            AuditEvent(at=now, actor=self.actor, actor_label=label, action=AuditEvent.Action.UPDATE,
                       object_type="orgs.person", object_id=str(p.pk), object_repr=p.name, unit_path=p.unit.path,
                       changes=changes, reason=_("表格导入 #%(job)s") % {"job": self.job.pk})
            for p, _t, changes in updated
        ], batch_size=500)


def _existing_hashes(hashes: Any) -> set[str]:
    """Which of these ID-number hashes are on file: plain parameters, since the ORM's `__in` costs more
    per value than the look-up itself."""
    hashes = list(hashes)
    chunk = min(connection.features.max_query_params or 2000, 2000)
    table, column = connection.ops.quote_name(Person._meta.db_table), connection.ops.quote_name("id_hash")
    found: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(hashes), chunk):
            part = hashes[start:start + chunk]
            cursor.execute(f"SELECT {column} FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(part))})",  # noqa: S608
                           part)
            found.update(h for (h,) in cursor.fetchall())
    return found


class _Inserter:
    """New people as rows of one INSERT, each value prepared for the database exactly as the ORM would
    (personal data sealed by the field's own cipher, dates adapted); building model instances and the
    ORM's bulk insert cost several times more per row for the same statement."""

    def __init__(self) -> None:
        from django.db import models as m

        from gonghui.core.fields import EncryptedTextField

        fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
        quote = connection.ops.quote_name
        self.sql = (f"INSERT INTO {quote(Person._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
                    f"VALUES ({', '.join(['%s'] * len(fields))})")
        self.names = [f.attname for f in fields]
        now = timezone.now()
        defaults = {f.attname: f.get_default() for f in fields}
        defaults.update(created_at=now, updated_at=now)
        self.prepared_defaults = {f.attname: f.get_db_prep_save(defaults[f.attname], connection) for f in fields}
        self.values_of = itemgetter(*self.names)
        # Personal data is sealed as the field's own cipher would (EncryptedTextField.get_prep_value), in bulk.
        self.sealed = [(index, f.attname) for index, f in enumerate(fields) if isinstance(f, EncryptedTextField)]
        self.preparers: list[tuple[int, str, Any]] = []
        for index, f in enumerate(fields):
            if isinstance(f, EncryptedTextField):
                continue
            if isinstance(f, m.DateTimeField):
                self.preparers.append((index, f.attname, connection.ops.adapt_datetimefield_value))
            elif isinstance(f, m.DateField):
                self.preparers.append((index, f.attname, connection.ops.adapt_datefield_value))
            elif not isinstance(f, m.CharField | m.TextField | m.IntegerField | m.BooleanField | m.ForeignKey):
                self.preparers.append((index, f.attname, lambda value, f=f: f.get_db_prep_save(value, connection)))

    def position(self, attname: str) -> int:
        return self.names.index(attname)

    def rows(self, many: list[dict[str, Any]]) -> list[list[Any]]:
        """New people's values (by attname; the rest take their defaults) as rows of the INSERT."""
        defaults, values_of = self.prepared_defaults, self.values_of
        rows = [list(values_of({**defaults, **values})) for values in many]
        for index, name, prepare in self.preparers:
            for row, values in zip(rows, many, strict=True):
                if name in values:
                    row[index] = prepare(row[index])
        for index, name in self.sealed:
            chosen = [row for row, values in zip(rows, many, strict=True) if values.get(name)]
            for row, sealed in zip(chosen, seal_all([row[index] for row in chosen]), strict=True):
                row[index] = sealed
        return rows


def _seal_hashes(person: Person) -> None:
    person.phone_hash = lookup_hash(person.phone, "phone") if person.phone else ""
    person.phone_masked = mask_phone(person.phone)
    person.bank_hash = lookup_hash(person.bank_account, "bank") if person.bank_account else ""
    person.updated_at = timezone.now()


class EnterprisePlanner(Planner):
    sheet = ENTERPRISES
    model = Enterprise
    fields = ("name", "industry", "size", "employees", "address", "contact_name", "contact_phone", "status",
              "resumed_on")

    def plan(self, rows: list[excel.ParsedRow], build: bool = True) -> list[tuple[excel.ParsedRow, str, Any]]:
        units = self._units(rows)
        codes = {r.values["credit_code"]: r for r in rows if r.values.get("credit_code")}
        existing = {e.credit_code: e for e in Enterprise.objects.filter(credit_code__in=list(codes)).select_related("unit")}
        allowed_units = self.allowed_units
        planned = []
        for code, row in codes.items():
            values = row.values
            status = values.get("status") or Enterprise.Status.OPERATING
            if status == Enterprise.Status.RESUMED and not values.get("resumed_on"):
                row.problems.append(excel.Problem(row.number, self.sheet.column("resumed_on").header, "",
                                                  _("经营状态为“已复工”时必须填写复工日期。")))
            enterprise = existing.get(code)
            if enterprise is not None and enterprise.unit_id not in allowed_units:
                row.problems.append(excel.Problem(row.number, self.sheet.column("credit_code").header, code,
                                                  _("该企业已登记在其他工会之下。")))
            if not row.ok:
                continue
            unit = units.get(values.get("unit_code") or "", self.target)
            fields = {f: values.get(f) if values.get(f) is not None else "" for f in self.fields}
            fields.update(status=status, employees=values.get("employees"), resumed_on=values.get("resumed_on"))
            if enterprise is None:
                planned.append((row, "created", Enterprise(credit_code=code, unit=unit, province_id=unit.province_id,
                                                           **fields)))
                continue
            before = {f: getattr(enterprise, f) for f in self.fields}
            before["unit"] = enterprise.unit.code
            changes = _diff(before, dict(fields, unit=unit.code))
            if not changes:
                planned.append((row, "unchanged", None))
                continue
            for name, value in fields.items():
                setattr(enterprise, name, value)
            enterprise.unit, enterprise.province_id = unit, unit.province_id
            planned.append((row, "updated", (enterprise, changes)))
        return planned

    def apply(self, planned: list[tuple[excel.ParsedRow, str, Any]]) -> None:
        Enterprise.objects.bulk_create([e for _r, o, e in planned if o == "created"], batch_size=500)
        updated = [item for _r, o, item in planned if o == "updated"]
        if updated:
            Enterprise.objects.bulk_update([e for e, _c in updated], [*self.fields, "unit", "province"], batch_size=500)
        now = timezone.now()
        AuditEvent.objects.bulk_create([
            AuditEvent(at=now, actor=self.actor, actor_label=self.actor.get_username(),
                       action=AuditEvent.Action.UPDATE, object_type="orgs.enterprise", object_id=str(e.pk),
                       object_repr=e.name, unit_path=e.unit.path, changes=changes,
                       reason=_("表格导入 #%(job)s") % {"job": self.job.pk})
            for e, changes in updated
        ], batch_size=500)


PLANNERS: dict[str, type[Planner]] = {"people.import": PeoplePlanner, "enterprises.import": EnterprisePlanner}


def _batches(rows: Iterator[excel.ParsedRow]) -> Iterator[list[excel.ParsedRow]]:
    batch: list[excel.ParsedRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects alive before the import (Django, the app, their caches) set aside from the cyclic garbage
    collector while it runs: each full collection would walk them all again for nothing, about a tenth of an
    import's time. Garbage the import makes is collected as before."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(thresholds[0], 50_000), *thresholds[1:])  # a batch's rows die young: fewer young collections
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run_import(job: Job) -> None:
    """The job handler: check every row, then write the clean ones if the user asked."""
    with _heap_frozen():
        _run_import(job)


def _run_import(job: Job) -> None:
    planner_class = PLANNERS[job.kind]
    actor = User.objects.get(pk=job.created_by_id)
    target = Unit.objects.get(pk=job.params["unit"])
    planner = planner_class(job, actor, target)
    path = Path(settings.MEDIA_ROOT) / job.source_file
    counts = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "rejected": 0}
    problems: list[dict[str, Any]] = []
    problem_count = 0
    write = job.params.get("mode") == "commit"
    shown_at = [0.0]

    def report(done: int, total: int) -> None:
        if time.monotonic() - shown_at[0] >= PROGRESS_SECONDS:  # a progress write costs a commit
            shown_at[0] = time.monotonic()
            jobs.progress(job, done // (2 if write else 1), total)

    # The checking pass prepares what the writing pass needs (for new people, rows ready for the
    # database) and spools it to a temporary file, so that writing needs neither a second read of
    # the workbook nor all of it in memory at once.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed below, after the second pass
    batches = 0
    resumed = 0  # rows this job wrote before its worker died (it is run again from the start)
    try:
        for batch in _batches(excel.read(path, planner.sheet, on_progress=report)):
            planned = planner.plan(batch, build=write)
            if write:
                pickle.dump(planner.spool(batch, planned), spool, protocol=pickle.HIGHEST_PROTOCOL)
                batches += 1
            for row in batch:
                counts["rows"] += 1
                if not row.ok:
                    counts["rejected"] += 1
                    problem_count += len(row.problems)
                    if len(problems) < MAX_PROBLEMS_KEPT:
                        problems.extend(p.as_dict() for p in row.problems)
            for outcome, n in _count(planned).items():
                counts[outcome] += n
            resumed += sum(1 for _row, outcome, _item in planned if outcome == "written_before")
    except excel.FileRefused as exc:
        spool.close()
        raise jobs.JobError(str(exc)) from exc
    total = counts["rows"]
    accept_clean = bool(job.params.get("accept_clean"))
    if write and problem_count and not accept_clean:
        message = _("文件中有 %(n)d 处错误，未导入任何数据。请下载标注文件改正后重新上传，或选择只导入无误的行。") % {
            "n": problem_count}
        write = False
    elif write:
        message = ""
    else:
        message = _("检查完毕：可新增 %(c)d 条、更新 %(u)d 条，%(r)d 行有错误。") % {
            "c": counts["created"], "u": counts["updated"], "r": counts["rejected"]}
    Job.objects.filter(pk=job.pk).update(counts={**counts, "checked": True, "written": False}, problems=problems,
                                         problem_count=problem_count, message=message, progress_total=total,
                                         progress_done=total // 2 if write else total)
    if not write:
        spool.close()
        return
    written = {"created": resumed, "updated": 0, "unchanged": counts["unchanged"], "taken_meanwhile": 0}
    spool.seek(0)
    with spool:
        for first in range(0, batches, WRITE_BATCHES):
            last = min(batches, first + WRITE_BATCHES)
            with transaction.atomic():
                for _batch in range(first, last):
                    spooled = pickle.load(spool)  # noqa: S301 - our own spool, written above in this process
                    for outcome, n in planner.write(spooled).items():
                        written[outcome] = written.get(outcome, 0) + n
            jobs.progress(job, total // 2 + total * last // batches // 2, total)
    counts.update(written)
    from gonghui.core import audit

    audit.record(actor=actor, action=audit.Action.CREATE, obj=job, unit_path=target.path,
                 object_repr=_("%(name)s 导入 %(file)s") % {"name": planner.sheet.title, "file": job.source_name},
                 changes={k: counts[k] for k in ("created", "updated", "unchanged", "rejected")})
    message = _("已导入：新增 %(c)d 条，更新 %(u)d 条，未变 %(s)d 条，跳过有错误的 %(r)d 行。") % {
        "c": counts["created"], "u": counts["updated"], "s": counts["unchanged"], "r": counts["rejected"]}
    if resumed:
        message += _("（其中 %(n)d 条在工作进程中断前已写入。）") % {"n": resumed}
    if counts["taken_meanwhile"]:
        message += _("另有 %(n)d 人在检查之后已由他人建档，未覆盖；如需更新，请再导入一次本文件。") % {
            "n": counts["taken_meanwhile"]}
    Job.objects.filter(pk=job.pk).update(counts={**counts, "checked": True, "written": True}, progress_done=total,
                                         message=message)


def save_upload(content: Iterator[bytes], original_name: str) -> str:
    """Store an uploaded file under MEDIA_ROOT/imports; returns its relative name."""
    relative = f"imports/{timezone.now():%Y%m%d}/{uuid.uuid4().hex}.xlsx"
    limit = settings.GONGHUI_UPLOAD_MAX_MB * 1024 * 1024
    try:
        attachments.write_file(Path(settings.MEDIA_ROOT) / relative, content, limit=limit, too_big=lambda: excel.FileRefused(
            _("文件超过 %(mb)d MB，请分成几个文件上传。") % {"mb": settings.GONGHUI_UPLOAD_MAX_MB}))
    except attachments.StorageFull as full:
        raise excel.FileRefused(str(full)) from full
    return relative


@transaction.atomic
def start_import(*, actor: User, kind: str, unit: Unit, source: str, source_name: str, mode: str = "validate",
                 accept_clean: bool = False) -> Job:
    """Queue an import of an uploaded file into `unit` (which must be in the actor's reach)."""
    unit = scoping.units.get_or_404(actor, unit.pk, action=scoping.CHANGE)
    if kind not in PLANNERS:
        raise ValueError(kind)
    job = Job.objects.create(kind=kind, created_by=actor, unit_path=unit.path, source_file=source,
                             source_name=source_name[:255],
                             params={"unit": unit.pk, "mode": mode, "accept_clean": accept_clean})
    return jobs.start(job)


jobs.register("people.import", run_import)
jobs.register("enterprises.import", run_import)
