"""Bargaining tests start from the demo tree: 北院门's hotel (陕西美丽豪酒店: chair `meilihao`, employer representative
`hr_meilihao`, worker1) with its wage talks before the congress; 青年路's shop (`qingnianlu`, `hr_qingnian`, worker2)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from gonghui.bargaining import services
from gonghui.bargaining.models import Bargaining, Clause
from gonghui.core.models import Notification
from gonghui.orgs.models import Enterprise, Person, User


@pytest.fixture(autouse=True)
def _demo(demo_tree):  # noqa: ANN001, ANN202
    Notification.objects.all().delete()
    return demo_tree


@pytest.fixture
def chair(persona) -> User:  # noqa: ANN001
    return persona("meilihao")


@pytest.fixture
def hr1(persona) -> User:  # noqa: ANN001
    return persona("hr_meilihao")


@pytest.fixture
def hotel(persona) -> Enterprise:  # noqa: ANN001
    return Person.objects.get(user=persona("worker1")).employer


@pytest.fixture
def new_bargaining(chair: User, hotel: Enterprise) -> Callable[..., Bargaining]:
    def make(kind: str = "comprehensive", received_on: date | None = None) -> Bargaining:
        return services.request_bargaining(actor=chair, kind=kind, title="集体合同", enterprises=[hotel],
                                           request_text="提出协商签订集体合同。", received_on=received_on)

    return make


@pytest.fixture
def talking(new_bargaining: Callable[..., Bargaining], chair: User, hr1: User) -> Callable[..., Bargaining]:
    """Answered, three a side seated (the chair as worker chief), one clause agreed."""

    def make(kind: str = "comprehensive") -> Bargaining:
        bargaining = new_bargaining(kind=kind)
        services.answer_request(actor=hr1, bargaining=bargaining, agree=True, answer="同意")
        for index, name in enumerate([chair.display_name, "王秀兰", "刘建国"]):
            services.seat_representative(actor=chair, bargaining=bargaining, seating=services.Seating(
                side="worker", name=name, chief=index == 0))
        for index, name in enumerate(["高总", "何人事", "陈会计"]):
            services.seat_representative(actor=hr1, bargaining=bargaining, seating=services.Seating(
                side="employer", name=name, chief=index == 0))
        clause = services.save_clause(actor=chair, bargaining=bargaining, area="pay")
        services.save_clause(actor=chair, bargaining=bargaining, clause=clause, state=Clause.State.AGREED)
        return Bargaining.objects.get(pk=bargaining.pk)

    return make


@pytest.fixture
def voters(hotel: Enterprise, persona) -> list[User]:  # noqa: ANN001
    """The hotel's accounts: worker1 and the demo's congress representatives daibiao1–4."""
    return list(User.objects.filter(person__employer=hotel).order_by("username"))


def told(user: User, fragment: str) -> bool:
    return Notification.objects.filter(recipient=user, text__contains=fragment).exists()


def fresh(obj: Any) -> Any:
    return type(obj).objects.get(pk=obj.pk)
