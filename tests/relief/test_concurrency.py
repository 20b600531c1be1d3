"""The yearly cap under real concurrency: two officials approve two applications of one household at once.

PostgreSQL only (real parallel transactions; SQLite lets one writer at a time and is serial anyway).
The pricing step is slowed so that, without the household lock, both approvals would read
"36,000 paid" and commit 12,000 each: 60,000 against a cap of 50,000.
"""

from __future__ import annotations

import os
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection

from gonghui.relief import services
from gonghui.relief.models import Application, DuplicateFlag, Policy

pytestmark = [
    pytest.mark.postgres,
    # Decided before any fixture builds data: on SQLite the flush after a transactional test would
    # meet the ledger's append-only triggers (PostgreSQL's flush is a TRUNCATE, which they allow).
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="real parallel transactions need PostgreSQL (`make test` runs it there too)"),
]


@pytest.mark.django_db(transaction=True)
def test_two_parallel_approvals_never_exceed_the_yearly_cap(persona, household, monkeypatch) -> None:  # noqa: ANN001
    file = household(wage="500", spouse="500")  # 12,000 a year
    acute = Policy.objects.get(code="cq-temp-acute")

    def submitted(self_paid: str) -> Application:
        application = services.submit_application(actor=persona("admin"), file=file, policy=acute, self_paid=self_paid,
                                                  bank_account="6222020200112233999", channel="official")
        # Two claims of the same amount in one household and year are a possible double claim: the reviewer
        # records why they are not one before approving (the cap is what this test is about).
        for flag in application.duplicate_flags.filter(kind__in=DuplicateFlag.DOUBLE_CLAIM):
            services.clear_duplicate_flag(actor=persona("beiyuanmen"), flag=flag, reason="两张不同的住院发票")
        return services.decide_application(actor=persona("meilihao"), application=application, decision="approve")

    earlier = submitted("36000")  # ratio 3.0: 50,000, cut to the 36,000 paid; above 20,000: three levels
    earlier = services.decide_application(actor=persona("beiyuanmen"), application=earlier, decision="approve")
    earlier = services.decide_application(actor=persona("lianhu"), application=earlier, decision="approve")
    assert (earlier.state, earlier.amount) == (Application.State.NOTICE, Decimal("36000.00"))
    # Two more, 12,000 each (ratio 1.0, cut to the cost): 14,000 is left of the 50,000 this year.
    applications = [submitted("12000"), submitted("12000")]
    assert [a.amount for a in applications] == [Decimal("12000.00")] * 2

    real_facts = services.facts_for

    def slow_facts(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        facts = real_facts(*args, **kwargs)
        time.sleep(0.5)  # both threads would be here together without the lock
        return facts

    monkeypatch.setattr(services, "facts_for", slow_facts)
    start = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def approve(application: Application, username: str) -> None:
        try:
            start.wait(timeout=10)
            outcomes[application.pk] = services.decide_application(
                actor=persona(username), application=application, decision="approve")
        except Exception as error:  # noqa: BLE001 - reported by the assertions below
            outcomes[application.pk] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(applications[0], "beiyuanmen")),
               threading.Thread(target=approve, args=(applications[1], "lianhu"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    committed = Application.objects.filter(file=file, state__in=Application.COUNTED)
    total = sum(a.amount for a in committed)
    assert total <= Decimal("50000.00"), f"the cap was exceeded: {total}"
    assert len(outcomes) == 2 and all(isinstance(o, Application) for o in outcomes.values()), outcomes
    assert {o.state for o in outcomes.values()} == {Application.State.NOTICE}, [(o.state, o.amount) for o in outcomes.values()]
    assert total == Decimal("50000.00")  # the later one was re-priced to what the cap left: 2,000
    assert sorted(a.amount for a in committed) == [Decimal("2000.00"), Decimal("12000.00"), Decimal("36000.00")]
