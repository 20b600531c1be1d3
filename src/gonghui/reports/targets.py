"""Who owes reports under an assignment, day by day: an assignment by subtree, industry or tag is a rule, not a
frozen list. `sync_targets` opens a stretch (`Target.since`, `until` open) for each enterprise that is in the
rule's scope and at work, and closes it when the enterprise is suspended, closed or leaves the scope. It runs when
the assignment is made, when an enterprise is saved or its tags change (signals, after commit), and every day
(`gonghui reports open-periods`) for changes made in bulk. Completeness, the missing list, reminders and rates
read the stretches that cover a period (`owing`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from gonghui.core import audit
from gonghui.core.deadlines import local_date
from gonghui.orgs.models import Enterprise, subtree_q
from gonghui.reports import rules
from gonghui.reports.models import Assignment, Expected, Target


def in_scope(assignment: Assignment) -> QuerySet[Enterprise]:
    """The enterprises the assignment's rule names today, suspended ones included (closed ones never)."""
    enterprises = Enterprise.objects.filter(subtree_q(assignment.unit.path, "unit__path")) \
        .exclude(status=Enterprise.Status.CLOSED)
    if assignment.industry:
        enterprises = enterprises.filter(industry=assignment.industry)
    if assignment.tag_id:
        enterprises = enterprises.filter(tags=assignment.tag_id)
    return enterprises


def owing(assignment: Assignment, period: dt.date) -> QuerySet[Target]:
    """The stretches that owe a report for `period`."""
    return Target.objects.filter(assignment=assignment, since__lte=period).filter(
        Q(until__isnull=True) | Q(until__gte=period))


@dataclass(frozen=True)
class Synced:
    opened: int = 0
    closed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.opened or self.closed)


@transaction.atomic
def sync_targets(*, assignment: Assignment, today: dt.date | None = None,
                 enterprise_ids: list[int] | None = None) -> Synced:
    """Open a stretch for each enterprise in scope and at work that has none open; close (on the day before
    `today`) the open stretch of each that is suspended, closed or out of scope. A finished assignment is left as
    it ended. Safe to run again: a second run changes nothing."""
    today = today or local_date(timezone.now())
    made_on = local_date(assignment.created_at)
    if today > assignment.end_on and today > made_on:  # over: left as it ended (an assignment made today is synced)
        return Synced()
    scope = in_scope(assignment)
    windows = Target.objects.select_for_update().filter(assignment=assignment)
    if enterprise_ids is not None:
        scope = scope.filter(pk__in=enterprise_ids)
        windows = windows.filter(enterprise_id__in=enterprise_ids)
    at_work = {pk: (unit_id, created_at, status, resumed_on) for pk, unit_id, created_at, status, resumed_on in
               scope.exclude(status=Enterprise.Status.SUSPENDED)
               .values_list("pk", "unit_id", "created_at", "status", "resumed_on")}
    open_by: dict[int, Target] = {}
    last_until: dict[int, dt.date] = {}
    for window in windows:
        if window.until is None:
            open_by[window.enterprise_id] = window
        elif window.until > last_until.get(window.enterprise_id, dt.date.min):
            last_until[window.enterprise_id] = window.until
    closed = 0
    for enterprise_id, window in open_by.items():
        if enterprise_id in at_work:
            unit_id = at_work[enterprise_id][0]
            if window.unit_id != unit_id:  # moved to another union inside the scope: it follows its union
                Target.objects.filter(pk=window.pk).update(unit_id=unit_id)
            continue
        last = today - dt.timedelta(days=1)  # suspended or gone today: today's report is no longer owed
        if last < window.since:
            window.delete()  # it never owed a period
        else:
            Target.objects.filter(pk=window.pk).update(until=last)
        closed += 1
    new = []
    for enterprise_id, (unit_id, created_at, status, resumed_on) in at_work.items():
        if enterprise_id in open_by:
            continue
        since = rules.owes_from(start_on=assignment.start_on, today=today, made_on=made_on,
                                registered_on=local_date(created_at),
                                resumed_on=resumed_on if status == Enterprise.Status.RESUMED else None,
                                previous_until=last_until.get(enterprise_id))
        if since <= assignment.end_on:
            new.append(Target(assignment=assignment, enterprise_id=enterprise_id, unit_id=unit_id, since=since))
    Target.objects.bulk_create(new, batch_size=2000)
    result = Synced(opened=len(new), closed=closed)
    if result.changed:
        recount_expected(assignment)
        audit.record(actor=None, actor_label="system", action=audit.Action.UPDATE, obj=assignment,
                     unit_path=assignment.unit.path, changes={"targets_opened": result.opened,
                                                              "targets_closed": result.closed, "on": today})
    return result


def recount_expected(assignment: Assignment) -> None:
    """`Expected`: how many enterprises at and below each unit owe reports now (open stretches) — what the
    overview reads; completeness counts the stretches of the period itself."""
    counts: Counter[int] = Counter()
    for path, n in Target.objects.filter(assignment=assignment, until__isnull=True).values_list("unit__path") \
            .annotate(n=Count("id")):
        for ancestor in path.strip("/").split("/"):
            counts[int(ancestor)] += n
    Expected.objects.filter(assignment=assignment).delete()
    Expected.objects.bulk_create([Expected(assignment=assignment, unit_id=u, count=n) for u, n in counts.items()],
                                 batch_size=2000)


def expected_on(assignment: Assignment, period: dt.date, unit_path: str, unit_ids: list[int]) -> dict[int, int]:
    """How many enterprises at and below each of `unit_ids` (the unit at `unit_path` and its children) owe the
    period's report: one grouped query over the stretches, a row per union with enterprises (cost ∝ units)."""
    wanted = set(unit_ids)
    counts: Counter[int] = Counter()
    rows = owing(assignment, period).filter(subtree_q(unit_path, "unit__path")).values_list("unit__path") \
        .annotate(n=Count("id"))
    for path, n in rows:
        for ancestor in path.strip("/").split("/"):
            if int(ancestor) in wanted:
                counts[int(ancestor)] += n
    return dict(counts)


def live_assignments_for(enterprise: Enterprise, today: dt.date) -> list[Assignment]:
    """The running or coming assignments whose scope may hold the enterprise, or that it owes under now."""
    ancestors = [int(a) for a in enterprise.unit.path.strip("/").split("/")] if enterprise.unit_id else []
    return list(Assignment.objects.filter(end_on__gte=today).filter(
        Q(unit_id__in=ancestors) | Q(targets__enterprise_id=enterprise.pk, targets__until__isnull=True))
        .select_related("unit").distinct())


def sync_enterprise(enterprise_id: int, today: dt.date | None = None) -> int:
    """After an enterprise changed (state, union, industry, tags): sync it in every live assignment."""
    enterprise = Enterprise.objects.select_related("unit").filter(pk=enterprise_id).first()
    if enterprise is None:
        return 0
    today = today or local_date(timezone.now())
    changed = 0
    for assignment in live_assignments_for(enterprise, today):
        changed += sync_targets(assignment=assignment, today=today, enterprise_ids=[enterprise_id]).changed
    return changed


def sync_all(today: dt.date | None = None) -> int:
    """The daily run: every assignment not yet over (catches changes made in bulk, without signals)."""
    today = today or local_date(timezone.now())
    changed = 0
    for assignment in Assignment.objects.filter(end_on__gte=today).select_related("unit"):
        changed += sync_targets(assignment=assignment, today=today).changed
    return changed


def _on_enterprise_saved(sender: Any, instance: Enterprise, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    transaction.on_commit(lambda: sync_enterprise(instance.pk))


def _on_tags_changed(sender: Any, instance: Any, action: str, reverse: bool, pk_set: Any, **kwargs: Any) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    ids = [instance.pk] if not reverse else list(pk_set or ())
    for pk in ids:
        transaction.on_commit(partial(sync_enterprise, pk))


def connect() -> None:
    """Called from `ReportsConfig.ready`."""
    from django.db.models.signals import m2m_changed, post_save

    post_save.connect(_on_enterprise_saved, sender=Enterprise, dispatch_uid="reports.targets.enterprise")
    m2m_changed.connect(_on_tags_changed, sender=Enterprise.tags.through, dispatch_uid="reports.targets.tags")
