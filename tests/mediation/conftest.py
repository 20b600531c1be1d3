"""Mediation tests start from the demo tree: 北院门's committee (mediator `tiaojie`), worker1 and the
representative of worker1's employer (`hr_meilihao`); 青年路's committee, worker2 and `hr_qingnian`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from gonghui.core.models import Notification
from gonghui.mediation import services
from gonghui.mediation.models import Case, MediationBody
from gonghui.orgs.models import Person, User


@pytest.fixture(autouse=True)
def _demo(demo_tree):  # noqa: ANN001, ANN202
    """The demo's own notices are cleared, so that what a test finds in an inbox is what the test caused."""
    Notification.objects.all().delete()
    return demo_tree


@pytest.fixture
def body() -> MediationBody:
    return MediationBody.objects.get(name="北院门街道劳动争议调解委员会")


@pytest.fixture
def worker1(persona) -> User:  # noqa: ANN001
    return persona("worker1")


@pytest.fixture
def hr1(persona) -> User:  # noqa: ANN001
    return persona("hr_meilihao")


@pytest.fixture
def mediator(persona) -> User:  # noqa: ANN001
    return persona("tiaojie")


@pytest.fixture
def employer1(worker1: User) -> Any:
    return Person.objects.get(user=worker1).employer


@pytest.fixture
def new_case(body: MediationBody, worker1: User, employer1: Any) -> Callable[..., Case]:
    """worker1 applies online (unpaid wages, knew of it `knew_on`)."""

    def make(knew_on: date | None = None, category: str = "wages", **extra: Any) -> Case:
        from django.utils import timezone

        return services.apply_online(actor=worker1, body=body, employer=employer1, category=category,
                                     claims="支付拖欠工资", facts="两个月未发工资", knew_on=knew_on or timezone.localdate(),
                                     **extra)

    return make


@pytest.fixture
def accepted(new_case: Callable[..., Case], hr1: User, mediator: User) -> Callable[..., Case]:
    """A case the employer agreed to and the body accepted, with `tiaojie` as its mediator."""

    def make(**extra: Any) -> Case:
        case = new_case(**extra)
        services.answer_mediation(actor=hr1, case=case, agree=True)
        services.decide_acceptance(actor=mediator, case=case, accept=True, in_scope=True)
        services.assign_mediator(actor=mediator, case=case, mediator=mediator, declaration="与当事人无利害关系")
        return Case.objects.get(pk=case.pk)

    return make


def told(user: User, fragment: str) -> bool:
    return Notification.objects.filter(recipient=user, text__contains=fragment).exists()
