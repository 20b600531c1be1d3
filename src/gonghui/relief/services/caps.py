"""A household is its members: what one household has been granted, across every file that belongs to it.

Spouses, or parents and grown children, may each have a hardship file of their own. The seed's caps are per
household (5 万元/户/年, 18 个月低保/户, 2000 元/户, 1000 元 每户), so the files of one household share them: two
files are one household when one file's applicant or member has the same ID number (the keyed hash of
`HouseholdMember.id_hash`, computed as a registry person's `Person.id_hash`) as the other's applicant or a member.
The match is one step (a file and the files that share a person with it), not a chain through third files.

The trace of every quote says which file's payments counted (`household_facts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from gonghui.core import ledger
from gonghui.core.crypto import lookup_hash
from gonghui.core.models import PaymentEntry
from gonghui.orgs import rules as org_rules
from gonghui.orgs.models import Person
from gonghui.relief import rules
from gonghui.relief.models import Application, HardshipFile, PolicyVersion

ZERO = Decimal("0.00")


def member_identity(id_number: str, person: Person | None) -> tuple[str, str]:
    """(the ID number to seal, its hash) of a household member: from the registry file when the member is linked
    to one, else from the number typed (checked as any ID number is); ("", "") when neither is known."""
    if person is not None:
        return person.id_number, person.id_hash
    if not (id_number or "").strip():
        return "", ""
    number = org_rules.parse_id_number(id_number).number  # raises InvalidNumber with the reason
    return number, lookup_hash(number, "id")


def household_keys(file: HardshipFile) -> set[str]:
    """The ID hashes of the file's applicant and of every member whose ID number is known."""
    keys = {file.person.id_hash} if file.person.id_hash else set()
    keys.update(h for h in file.members.exclude(id_hash="").values_list("id_hash", flat=True))
    return keys


def household_files(file: HardshipFile) -> list[HardshipFile]:
    """The file itself first, then every other file (open or closed) of the same household, by id."""
    keys = household_keys(file)
    if not keys:
        return [file]
    others = (HardshipFile.objects.filter(Q(person__id_hash__in=keys) | Q(members__id_hash__in=keys))
              .exclude(pk=file.pk).select_related("person").distinct().order_by("id"))
    return [file, *others]


def household_people(files: Iterable[HardshipFile], keys: set[str]) -> set[int]:
    """The registry people of the household: each file's applicant and the members on the registry."""
    people = {f.person_id for f in files}
    if keys:
        people.update(Person.objects.filter(id_hash__in=keys).values_list("id", flat=True))
    return people


@dataclass(frozen=True)
class Counted:
    """One file's share of what the household was granted (what the trace lists)."""

    file_id: int
    name: str
    amount: Decimal


@dataclass
class Household:
    files: list[HardshipFile]
    people: set[int]

    @property
    def file_ids(self) -> list[int]:
        return [f.pk for f in self.files]

    def _file_of(self, person_id: int, file_id: int | None = None) -> HardshipFile | None:
        for f in self.files:
            if f.pk == file_id:
                return f
        for f in self.files:
            if f.person_id == person_id:
                return f
        return None


def household_of(file: HardshipFile) -> Household:
    files = household_files(file)
    return Household(files, household_people(files, household_keys(file)))


def _by_file(household: Household, rows: Iterable[tuple[int | None, int, Decimal]]) -> list[Counted]:
    totals: dict[int, Decimal] = {}
    names: dict[int, str] = {}
    for file_id, person_id, amount in rows:
        owner = household._file_of(person_id, file_id)
        key = owner.pk if owner is not None else -person_id
        totals[key] = totals.get(key, ZERO) + amount
        names[key] = owner.person.name if owner is not None else ""
    return [Counted(k, names[k], v) for k, v in sorted(totals.items()) if v]


def paid_this_year(household: Household, group: str, year: int, exclude: int | None = None) -> list[Counted]:
    """Committed and released amounts of the household in a cap group in a calendar year, per file."""
    rows = Application.objects.filter(Q(file_id__in=household.file_ids) | Q(person_id__in=household.people),
                                      year=year, state__in=Application.COUNTED)
    if exclude:
        rows = rows.exclude(pk=exclude)
    return _by_file(household, ((a.file_id, a.person_id, a.amount)
                                for a in rows.only("file_id", "person_id", "amount", "cap_groups")
                                if group in a.cap_groups))


def paid_person() -> Coalesce:
    """The person an entry paid, as a file that is not merged: the payee's file, or the file it was merged into.

    Ledger entries keep the payee they were paid to (append-only); a merge moves the rest of the duplicate's
    records and points the duplicate at the kept file, always one step (orgs.services.move_person_records)."""
    return Coalesce(F("payee_person__merged_into"), F("payee_person"))


def paid_to(entries: Any, people: Iterable[int]) -> Any:
    """`entries` paid to any of `people` or to a file merged into one of them, with `paid_person` annotated."""
    people = list(people)
    return (entries.filter(Q(payee_person_id__in=people) | Q(payee_person__merged_into__in=people))
            .annotate(paid_person=paid_person()))


def paid_in_campaign(household: Household, campaign: str, exclude: int | None = None) -> list[Counted]:
    """What the household already received from a one-off grant: ledger entries (batches) and applications,
    whichever of the person's files (merged or not) they were paid to."""
    entries = (paid_to(PaymentEntry.objects.filter(purpose_code=campaign), household.people)
               .filter(ledger.paid_q() | ledger.committed_q()).values("paid_person").annotate(t=Sum("amount")))
    apps = Application.objects.filter(Q(file_id__in=household.file_ids) | Q(person_id__in=household.people),
                                      state__in=Application.COMMITTED, version__policy__code=campaign)
    if exclude:
        apps = apps.exclude(pk=exclude)
    rows: list[tuple[int | None, int, Decimal]] = [(None, e["paid_person"], e["t"] or ZERO) for e in entries]
    rows.extend((a.file_id, a.person_id, a.amount) for a in apps.only("file_id", "person_id", "amount"))
    return _by_file(household, rows)


def _groups(version: PolicyVersion) -> tuple[dict[str, str], list[str]]:
    groups: dict[str, str] = {}
    campaigns: list[str] = []
    for cap in version.spec.get("caps", []):
        if cap.get("kind") == "per_household_year":
            group = cap.get("group") or version.policy.code
            groups.setdefault(group, cap.get("label") or group)
        elif cap.get("kind") == "once_per_campaign":
            campaigns.append(cap.get("campaign") or version.policy.code)
    return groups, sorted(set(campaigns))


def _listing(counted: list[Counted], own: int) -> str:
    parts = []
    for c in counted:
        mine = _("本档案") if c.file_id == own else _("同户档案")
        who = f"#{c.file_id}（{c.name}，{mine}）" if c.file_id > 0 else _("档案本人")
        parts.append(f"{who} {rules.fmt(c.amount)} 元")
    return "；".join(parts)


def household_facts(file: HardshipFile, version: PolicyVersion, *, day: date,
                    exclude: int | None = None) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """paid_this_year per cap group and paid_in_campaign per campaign, for the whole household, and the words the
    trace begins with: which files make up the household and which file's payments counted."""
    groups, campaigns = _groups(version)
    household = household_of(file)
    notes: list[str] = []
    if len(household.files) > 1:
        names = "、".join(f"#{f.pk}（{f.person.name}）" for f in household.files)
        notes.append(_("同一家庭的档案（按家庭成员身份证号认定）：%(files)s，共用每户封顶和一次性救助。") % {"files": names})
    yearly: dict[str, str] = {}
    for group, label in groups.items():
        counted = paid_this_year(household, group, day.year, exclude)
        total = sum((c.amount for c in counted), ZERO)
        yearly[group] = str(total)
        if counted:
            notes.append(_("“%(label)s”本户 %(year)d 年已计入：%(list)s。")
                         % {"label": label, "year": day.year, "list": _listing(counted, file.pk)})
    once: dict[str, str] = {}
    for campaign in campaigns:
        counted = paid_in_campaign(household, campaign, exclude)
        once[campaign] = str(sum((c.amount for c in counted), ZERO))
        if counted:
            notes.append(_("一次性救助“%(c)s”本户已领：%(list)s。") % {"c": campaign, "list": _listing(counted, file.pk)})
    return yearly, once, notes


def household_applications_q(application: Application) -> Any:
    """The applications of the household of an application's file (for the double-claim check)."""
    household = household_of(application.file)
    return Q(file_id__in=household.file_ids) | Q(person_id__in=household.people)


__all__ = ["Counted", "Household", "household_applications_q", "household_facts", "household_files",
           "household_keys", "household_of", "member_identity", "paid_in_campaign", "paid_person", "paid_this_year",
           "paid_to"]


def household_repeats(files: Any, *, campaign: str, paid_through: int | None = None) -> set[int]:
    """The files of `files` (a batch's queryset) left out of a once-per-household grant: another file of their
    household already has it (an entry of `campaign`, up to entry id `paid_through`), or is paid first by this
    batch (the lowest file id of the household). Linked as `household_files` links them: one shared ID hash.

    Three queries whatever the batch's size: only files whose members carry an ID number can share a household
    with another file (one open file per person), so the rest never appear here.
    """
    from django.db.models import Subquery

    from gonghui.relief.models import HouseholdMember

    members = HouseholdMember.objects.exclude(id_hash="")
    member_hashes = Subquery(members.values("id_hash"))
    linked_q = Q(members__id_hash__gt="") | Q(person__id_hash__in=member_hashes)
    linked = HardshipFile.objects.filter(linked_q).values_list("id", "person_id", "person__id_hash").distinct()
    keys: dict[int, set[str]] = {}
    owner: dict[int, int] = {}
    for file_id, person_id, person_hash in linked:
        keys.setdefault(file_id, set()).add(person_hash)
        owner[file_id] = person_id
    if not keys:
        return set()
    for file_id, id_hash in members.filter(file_id__in=list(keys)).values_list("file_id", "id_hash"):
        keys[file_id].add(id_hash)
    live = [PaymentEntry.State.PENDING, PaymentEntry.State.EXPORTED, PaymentEntry.State.PAID]
    paid = PaymentEntry.objects.filter(purpose_code=campaign, state__in=live)
    if paid_through is not None:
        paid = paid.filter(id__lte=paid_through)
    paid = paid.annotate(paid_person=paid_person())  # a file merged into another counts as that file
    paid_people = set(paid.values_list("paid_person", flat=True))
    # What the households already granted hold: their files' keys, and a paid member's own hash.
    taken = {h for file_id, person_id in owner.items() if person_id in paid_people for h in keys[file_id]}
    taken.update(Person.objects.filter(id__in=Subquery(paid.values("paid_person")), id_hash__in=member_hashes)
                 .values_list("id_hash", flat=True))
    repeats: set[int] = set()
    for file_id in sorted(files.filter(linked_q).values_list("id", flat=True).distinct()):
        if keys[file_id] & taken:
            repeats.add(file_id)
        else:
            taken |= keys[file_id]
    return repeats
