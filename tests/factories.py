"""factory_boy factories for the registry's objects, made through the services (as a user's page makes them).

Every object is created by `gonghui.orgs.services` with the demo's administrator as the actor, so the
invariants the services keep (sealed numbers, keyed hashes, audit rows, province) hold for test data too.
Sequences give each object its own code, ID number and phone, so factories are safe to call many times
in one test and in parallel workers (each worker has its own database).
"""

from __future__ import annotations

from typing import Any

import factory
from stdnum.cn import ric, uscc

from gonghui.orgs import services
from gonghui.orgs.models import Enterprise, Level, Person, Role, Unit, User


def _admin() -> User:
    return User.objects.get(username="admin")


def _street() -> Unit:
    return Unit.objects.get(code="610104001")  # 北院门街道总工会 of the demo tree


def valid_id(body17: str) -> str:
    return body17 + ric.calc_check_digit(body17 + "0")


def valid_credit_code(body17: str) -> str:
    return body17 + uscc.calc_check_digit(body17)


class _ServiceFactory(factory.Factory):
    """Builds the keyword arguments, then calls the service named by `_service` with the admin as actor."""

    class Meta:
        abstract = True

    _service: str = ""

    @classmethod
    def _create(cls, model_class: type, *args: Any, **kwargs: Any) -> Any:
        actor = kwargs.pop("actor", None) or _admin()
        return getattr(services, cls._service)(actor=actor, **kwargs)


class GrassrootsUnitFactory(_ServiceFactory):
    class Meta:
        model = Unit

    _service = "create_unit"
    parent = factory.LazyFunction(_street)
    code = factory.Sequence(lambda n: f"F{n:05d}")
    name = factory.Sequence(lambda n: f"工厂测试{n}号工会")
    level = Level.GRASSROOTS


class AccountFactory(_ServiceFactory):
    class Meta:
        model = User

    _service = "create_account"
    username = factory.Sequence(lambda n: f"f{n:05d}")
    display_name = factory.Sequence(lambda n: f"测试账号{n}")
    role = Role.WORKER
    unit = factory.SubFactory(GrassrootsUnitFactory)


class EnterpriseFactory(_ServiceFactory):
    class Meta:
        model = Enterprise

    _service = "create_enterprise"
    credit_code = factory.Sequence(lambda n: valid_credit_code(f"91610104MA{n:07d}"))
    name = factory.Sequence(lambda n: f"工厂测试{n}号有限公司")
    unit = factory.LazyFunction(lambda: Unit.objects.get(code="610104001001"))


class PersonFactory(_ServiceFactory):
    class Meta:
        model = Person

    _service = "create_person"
    id_number = factory.Sequence(lambda n: valid_id(f"610104198203{(n % 28) + 1:02d}{(n // 28) % 1000:03d}"))
    name = factory.Sequence(lambda n: f"工厂{n}")
    unit = factory.LazyFunction(lambda: Unit.objects.get(code="610104001001"))
    phone = factory.Sequence(lambda n: f"1390000{n % 10000:04d}")
