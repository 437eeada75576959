"""A report's CSV: counts as they are, and nothing a spreadsheet would run as a formula."""

from __future__ import annotations

from chalicelib.reports.service import to_csv


def test_counts_are_written_as_they_are_and_a_negative_one_is_read_as_text() -> None:
    rows = [["day", "opened", "backlog"], ["2026-11-30", 3, 0], ["2026-12-01", 0, -2]]
    assert to_csv(rows) == "day,opened,backlog\r\n2026-11-30,3,0\r\n2026-12-01,0,'-2\r\n"


def test_text_that_a_spreadsheet_would_run_is_read_as_text_and_empty_cells_stay_empty() -> None:
    rows = [["=1+1", "+cmd", "@sum", "-x", "\tx", None, 1.5, True, "plain, with a comma"]]
    assert to_csv(rows) == "'=1+1,'+cmd,'@sum,'-x,'\tx,,1.5,True,\"plain, with a comma\"\r\n"
