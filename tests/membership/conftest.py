import pytest


@pytest.fixture(autouse=True)
def _demo(demo_tree):  # noqa: ANN001, ANN202
    """Every membership test starts from the demo tree (with its memberships and applications)."""
    return demo_tree
