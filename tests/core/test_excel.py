from __future__ import annotations

import io
from decimal import Decimal

from python_calamine import CalamineWorkbook

from gonghui.core import excel


def test_amounts_reach_the_sheet_exactly_and_text_never_becomes_a_formula() -> None:
    sheet = excel.Sheet(title="t", columns=(excel.Column("amount", "金额", kind="decimal"),
                                            excel.Column("note", "备注"), excel.Column("n", "人数", kind="int")))
    buffer = io.BytesIO()
    excel.write_rows(sheet, [{"amount": Decimal("0.10") + Decimal("0.20"), "note": "=1+1", "n": 3}], buffer)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(buffer.getvalue())).get_sheet_by_index(0).to_python()
    assert rows[1][0] == "0.30"  # not 0.30000000000000004
    assert rows[1][1] == "=1+1"
    assert rows[1][2] == 3
