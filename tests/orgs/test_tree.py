from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from hypothesis import given
from hypothesis import strategies as st

from gonghui.core.models import AuditEvent
from gonghui.orgs import services
from gonghui.orgs.models import Level, Unit, subtree_q

pytestmark = pytest.mark.django_db


def test_paths_and_province_follow_the_tree(unit) -> None:  # noqa: ANN001
    hotel = unit("610104001001")
    street = unit("610104001")
    province = unit("610000")
    assert hotel.path.startswith(street.path)
    assert hotel.path == f"{street.path}{hotel.pk}/"
    assert hotel.province == province
    assert province.province == province
    assert unit("100000").province is None


def test_a_subtree_is_one_query_whatever_its_depth(unit, django_assert_num_queries) -> None:  # noqa: ANN001
    for code, expected in (("100000", 31), ("610000", 30), ("610104", 11), ("610104001001", 1)):
        root = unit(code)
        with django_assert_num_queries(1):
            found = list(Unit.objects.subtree_of(root))
        assert len(found) == expected
        assert all(u.path.startswith(root.path) for u in found)


@given(st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6),
       st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=6))
def test_the_subtree_range_is_exactly_the_path_prefix(prefix_ids: list[int], other_ids: list[int]) -> None:
    """[path, path[:-1]+'0') holds the paths that start with `path`, and no other."""
    path = "/" + "/".join(map(str, prefix_ids)) + "/"
    other = "/" + "/".join(map(str, other_ids)) + "/"
    q = subtree_q(path)
    low, high = dict(q.children)["path__gte"], dict(q.children)["path__lt"]
    assert (low <= other < high) == other.startswith(path)


def test_an_official_creates_units_only_in_their_subtree(persona, unit) -> None:  # noqa: ANN001
    official = persona("beiyuanmen")
    created = services.create_unit(actor=official, parent=unit("610104001"), code="T001", name="测试公司工会",
                                   level=Level.GRASSROOTS, kind=Unit.Kind.ENTERPRISE)
    assert created.path.startswith(unit("610104001").path)
    assert AuditEvent.objects.filter(action="create", object_id=str(created.pk)).exists()
    with pytest.raises(PermissionDenied):
        services.create_unit(actor=official, parent=unit("610104002"), code="T002", name="越界工会",
                             level=Level.GRASSROOTS)
    assert not Unit.objects.filter(code="T002").exists()


def test_levels_must_descend(persona, unit) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        services.create_unit(actor=persona("lianhu"), parent=unit("610104"), code="T003", name="错层", level=Level.CITY)


def test_the_database_refuses_a_second_root_or_a_bad_level() -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(code="X1", name="无上级", level=Level.CITY, path="/x1/")
    with pytest.raises(IntegrityError), transaction.atomic():
        Unit.objects.create(code="X2", name="层级错", level=9, path="/x2/")


def test_moving_a_unit_moves_its_whole_subtree_and_is_audited(persona, unit) -> None:  # noqa: ANN001
    xian = persona("xian")
    street = unit("610104002")  # 青年路 under 莲湖区
    hotel_like = unit("610104002001")
    target = unit("610114")  # 阎良区
    moved = services.move_unit(actor=xian, unit=street, new_parent=target, reason="区划调整")
    hotel_like.refresh_from_db()
    assert moved.parent == target
    assert moved.path == f"{target.path}{street.pk}/"
    assert hotel_like.path == f"{moved.path}{hotel_like.pk}/"
    assert set(Unit.objects.subtree_of(moved).values_list("code", flat=True)) == {
        "610104002", "610104002001", "610104002002", "610104002003"}
    assert not Unit.objects.subtree_of(unit("610104")).filter(code__startswith="610104002").exists()
    event = AuditEvent.objects.filter(action="move", object_id=str(street.pk)).first()
    assert event is not None and event.reason == "区划调整"


def test_moving_across_provinces_updates_the_shard_key(persona, unit) -> None:  # noqa: ANN001
    national = persona("admin")
    other_province = services.create_unit(actor=national, parent=unit("100000"), code="500000", name="重庆市总工会",
                                          level=Level.PROVINCE)
    services.move_unit(actor=national, unit=unit("611000"), new_parent=other_province, reason="测试")
    assert unit("611002101001").province == other_province
    assert unit("610104001001").province == unit("610000")


def test_a_unit_cannot_go_under_its_own_descendant(persona, unit) -> None:  # noqa: ANN001
    with pytest.raises(ValidationError):
        services.move_unit(actor=persona("xian"), unit=unit("610104"), new_parent=unit("610104001"), reason="x")


def test_an_official_cannot_move_their_own_unit_or_outside_their_reach(persona, unit) -> None:  # noqa: ANN001
    from django.http import Http404

    lianhu = persona("lianhu")
    with pytest.raises(Http404):
        services.move_unit(actor=lianhu, unit=unit("610104002"), new_parent=unit("610114"), reason="x")
    assert unit("610104002").parent == unit("610104")
    # Holding a second unit does not let an official hand their own unit over to it.
    services.grant_role(actor=persona("xian"), user=lianhu, role="official", unit=unit("610114"))
    lianhu = type(lianhu).objects.get(pk=lianhu.pk)
    with pytest.raises(ValidationError):
        services.move_unit(actor=lianhu, unit=unit("610104"), new_parent=unit("610114"), reason="x")
    assert unit("610104").parent == unit("610100")
