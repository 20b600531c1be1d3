"""Relief's stored clocks, recomputed from their stored start when a year's holiday arrangement is loaded.

| clock | stored on | start | length | rolls? |
|---|---|---|---|---|
| the public notice (公示) of an approved application | `Application.notice_until` | the final approval's day (`decided_at`) | the policy version's `notice_days`, counted from the day after | yes: `core.deadlines.add_days` → `period_end` (民法典 第二百零一条至第二百零三条) |

The public-notice period is the policy's own period (the seed and no statute fix its length; the shipped policies
say 5 days), counted as a period in days: a notice whose last day is a rest day runs to the first working day,
so the members it is shown to have working days to object. Payment is possible from the day after its last day.

The relief app's other clocks are its own and do not roll, so nothing here recomputes them:
- 脱困不稳定 monitoring, 12 months after an exit (`services.exit_file`: `add_months(...) - 1 day`) — a span of
  monitoring, not a period anyone must act within;
- the helper's contact interval, 30 days (`selectors`: `today - contact_days`) — a reminder of the union's own;
- the 6 consecutive calendar months above 低保 that propose 脱困 (`rules.months_above`) — months of data.

Registered with `@clock_recomputer("relief")`; imported from `ReliefConfig.ready`.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from gonghui.core import audit
from gonghui.core.deadlines import ClockChange, add_days, clock_recomputer, local_date
from gonghui.relief.models import Application, Step


@clock_recomputer("relief")
@transaction.atomic
def recompute_notices(year: int) -> list[ClockChange]:
    """Every application still in its public notice whose notice counted on `year`: its last day recomputed from
    the approval's day; those that moved are saved, audited and listed for the applicant and the approver."""
    changes: list[ClockChange] = []
    rows = (Application.objects.select_for_update(of=("self",))
            .filter(state=Application.State.NOTICE, notice_until__year__gte=year, decided_at__isnull=False)
            .select_related("version", "person", "unit"))
    for application in rows:
        if application.decided_at is None or application.notice_until is None:
            continue
        start, old = local_date(application.decided_at), application.notice_until
        if not start.year <= year <= old.year:
            continue
        new = add_days(start, application.version.notice_days)
        if new == old:
            continue
        application.notice_until = new
        application.save(update_fields=["notice_until"])
        audit.record(actor=None, actor_label="system", action=audit.Action.UPDATE, obj=application,
                     unit_path=application.unit.path, changes={"notice_until": [str(old), str(new)]},
                     reason=f"calendar {year}")
        approvers = Step.objects.filter(application=application, action__in=("approve", "notice"),
                                        actor__isnull=False).values_list("actor_id", flat=True)
        notify = {*approvers, *([application.person.user_id] if application.person.user_id else [])}
        changes.append(ClockChange(what=_("救助申请 %(no)s：公示截止") % {"no": application.number},
                                   url=reverse("relief:application_detail", args=[application.pk]), old=old, new=new,
                                   notify=tuple(sorted(notify))))
    return changes
