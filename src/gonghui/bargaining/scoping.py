"""Who reaches which bargaining rows, through the one scoping mechanism (`gonghui.orgs.scoping`).

- the worker side's union (its officials, chair and those above): its bargainings and contracts;
- an employer representative (用人单位代表): those of the enterprise they represent, and acts as its side;
- a voter on a roll: the bargaining they vote on (its draft and its result);
- a worker: the contracts in force and published that cover their employer.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from gonghui.bargaining.models import Bargaining, Contract, Reach, Round, Voter
from gonghui.orgs.models import Role
from gonghui.orgs.scoping import CHANGE, OFFICIAL_ROLES, VIEW, UnitScopedPolicy, register

UNION = frozenset({Role.OFFICIAL, Role.CHAIR})
EMPLOYER = "employer"  # acting as the employer side: answering a request, naming its representatives
VOTE = "vote"


def _authenticated(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def employer_bargainings_q(user: Any, *, acting: bool) -> Q | None:
    enterprises = user.represented_enterprise_ids() if _authenticated(user) else []
    if not enterprises:
        return None
    q = Q(pk__in=Bargaining.enterprises.through.objects.filter(enterprise_id__in=enterprises).values("bargaining_id"))
    return q & Q(reach=Reach.ENTERPRISE) if acting else q


def voter_bargainings_q(user: Any) -> Q | None:
    if not _authenticated(user):
        return None
    return Q(pk__in=Voter.objects.filter(user_id=user.pk).values("vote__bargaining_id"))


class BargainingPolicy(UnitScopedPolicy[Bargaining]):
    model = Bargaining
    url_kwargs = ("bargaining_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: UNION, EMPLOYER: frozenset(), VOTE: frozenset()}

    def own_q(self, user: Any, action: str) -> Q | None:
        if action == VOTE:
            return voter_bargainings_q(user)
        if action == EMPLOYER:
            return employer_bargainings_q(user, acting=True)
        if action == VIEW:
            employer, voter = employer_bargainings_q(user, acting=False), voter_bargainings_q(user)
            parts = [q for q in (employer, voter) if q is not None]
            if not parts:
                return None
            combined = parts[0]
            for part in parts[1:]:
                combined |= part
            return combined
        return None

    def canary(self, obj: Bargaining) -> str:
        return obj.number


class RoundPolicy(UnitScopedPolicy[Round]):
    model = Round
    url_kwargs = ("round_id",)
    unit_field = "bargaining__unit"
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: UNION}

    def own_q(self, user: Any, action: str) -> Q | None:
        employer = employer_bargainings_q(user, acting=False) if action == VIEW else None
        return Q(bargaining__in=Bargaining.objects.filter(employer)) if employer is not None else None

    def canary(self, obj: Round) -> str:
        return f"/bargaining/rounds/{obj.pk}.ics"


class ContractPolicy(UnitScopedPolicy[Contract]):
    model = Contract
    url_kwargs = ("contract_id",)
    roles_by_action = {VIEW: OFFICIAL_ROLES, CHANGE: UNION, EMPLOYER: frozenset()}

    def own_q(self, user: Any, action: str) -> Q | None:
        if not _authenticated(user) or action not in (VIEW, EMPLOYER):
            return None
        q = None
        enterprises = user.represented_enterprise_ids()
        if enterprises:
            q = Q(coverage__enterprise_id__in=enterprises)
        if action == VIEW:
            person = getattr(user, "person", None)
            if person is not None and person.employer_id:
                mine = Q(coverage__enterprise_id=person.employer_id, published_at__isnull=False)
                q = mine if q is None else q | mine
        return Q(pk__in=Contract.objects.filter(q).values("pk")) if q is not None else None

    def canary(self, obj: Contract) -> str:
        return obj.number


bargainings = register(BargainingPolicy())
rounds = register(RoundPolicy())
contracts = register(ContractPolicy())
