"""Cron strings from the previous tool become an RRULE and a time of day, or a clear refusal."""

from datetime import date, time, timedelta

import pytest

from tasks.schedules import ScheduleError, cron_to_rrule, errors, next_dates, parse_rrule


@pytest.mark.parametrize(
    ("cron", "rrule", "at"),
    [
        # The three automatic templates shipped in workflows.md
        ("0 9 * * 1", "FREQ=WEEKLY;BYDAY=MO", time(9)),  # Newsletter: Mondays
        ("0 9 * * 5", "FREQ=WEEKLY;BYDAY=FR", time(9)),  # Social Media Weekly: Fridays
        ("0 9 1 * *", "FREQ=MONTHLY;BYMONTHDAY=1", time(9)),  # Tax Report: the 1st
        # The shapes of the recurring chores and other everyday forms
        ("0 9 * * *", "FREQ=DAILY", time(9)),
        ("0 9 * * 2", "FREQ=WEEKLY;BYDAY=TU", time(9)),
        ("30 7 * * 0", "FREQ=WEEKLY;BYDAY=SU", time(7, 30)),
        ("30 7 * * 7", "FREQ=WEEKLY;BYDAY=SU", time(7, 30)),
        ("0 18 * * MON-FRI", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", time(18)),
        ("0 18 * * 1-5", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", time(18)),
        ("0 8 * * mon,wed,fri", "FREQ=WEEKLY;BYDAY=MO,WE,FR", time(8)),
        ("0 8 * * */2", "FREQ=WEEKLY;BYDAY=TU,TH,SA,SU", time(8)),
        ("0 9 1,15 * *", "FREQ=MONTHLY;BYMONTHDAY=1,15", time(9)),
        ("0 9 31 * *", "FREQ=MONTHLY;BYMONTHDAY=31", time(9)),
        ("0 9 1 1 *", "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1", time(9)),
        ("0 9 1 JAN,JUL *", "FREQ=MONTHLY;BYMONTH=1,7;BYMONTHDAY=1", time(9)),
        ("0 9 * JUL-AUG 1", "FREQ=WEEKLY;BYMONTH=7,8;BYDAY=MO", time(9)),
        ("0 9 * 12 *", "FREQ=DAILY;BYMONTH=12", time(9)),
        ("0 9 */1 * *", "FREQ=DAILY", time(9)),
        ("0 9 1-31 * *", "FREQ=DAILY", time(9)),
        ("0 9 */10 * *", "FREQ=MONTHLY;BYMONTHDAY=1,11,21,31", time(9)),
        ("0 9 1-10/3 * *", "FREQ=MONTHLY;BYMONTHDAY=1,4,7,10", time(9)),
        ("0 9 */2 * 1", "FREQ=DAILY;BYMONTHDAY=1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31;"
         "BYDAY=MO", time(9)),  # a '*' field: both must match, like cron
        ("0 9 1 * */1", "FREQ=MONTHLY;BYMONTHDAY=1", time(9)),
        ("  0   9  *  *  1 ", "FREQ=WEEKLY;BYDAY=MO", time(9)),
        ("@daily", "FREQ=DAILY", time(0)),
        ("@midnight", "FREQ=DAILY", time(0)),
        ("@weekly", "FREQ=WEEKLY;BYDAY=SU", time(0)),
        ("@monthly", "FREQ=MONTHLY;BYMONTHDAY=1", time(0)),
        ("@yearly", "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1", time(0)),
        ("@ANNUALLY", "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1", time(0)),
    ],
)  # fmt: skip
def test_cron_converts_to_an_equivalent_rrule(cron, rrule, at):
    assert cron_to_rrule(cron) == (rrule, at)
    parse_rrule(rrule, start=date(2026, 1, 1), time=at, tz="Europe/Berlin", today=date(2026, 1, 1))


def test_a_day_of_month_step_restarts_each_month_like_cron():
    rrule, at = cron_to_rrule("0 9 */2 * *")
    rule = parse_rrule(rrule, start=date(2026, 1, 27), time=at, tz="UTC", today=None)

    assert next_dates(rule, after=date(2026, 1, 26), n=5) == [
        date(2026, 1, 27), date(2026, 1, 29), date(2026, 1, 31), date(2026, 2, 1),
        date(2026, 2, 3),
    ]  # fmt: skip


def test_the_shipped_schedules_fall_on_the_right_days():
    monday, _ = cron_to_rrule("0 9 * * 1")
    rule = parse_rrule(monday, start=date(2026, 11, 25), time=time(9), tz="UTC", today=None)

    dates = next_dates(rule, after=date(2026, 11, 24), n=3)

    assert [d.weekday() for d in dates] == [0, 0, 0]
    assert dates[1] - dates[0] == timedelta(weeks=1)


def _hint(expr: str, count: int, hint: str = "") -> str:
    return errors.CRON_FIELD_COUNT.format(expr=expr, count=count, hint=hint)


REFUSED = [
    ("", errors.CRON_EMPTY),
    ("0 9 * *", _hint("0 9 * *", 4)),
    ("0 0 9 * * 1", _hint("0 0 9 * * 1", 6, errors.CRON_SECONDS_HINT)),
    ("0 0 9 * * 1 2026", _hint("0 0 9 * * 1 2026", 7, errors.CRON_SECONDS_HINT)),
    ("@reboot", errors.CRON_MACRO.format(macro="@reboot")),
    ("@hourly", errors.CRON_MACRO.format(macro="@hourly")),
    ("* 9 * * *", errors.CRON_ONCE_A_DAY.format(field="minute", value="*")),
    ("*/15 9 * * *", errors.CRON_ONCE_A_DAY.format(field="minute", value="*/15")),
    ("0 9,17 * * *", errors.CRON_ONCE_A_DAY.format(field="hour", value="9,17")),
    ("0 9-17 * * *", errors.CRON_ONCE_A_DAY.format(field="hour", value="9-17")),
    ("0 */2 * * *", errors.CRON_ONCE_A_DAY.format(field="hour", value="*/2")),
    ("0 24 * * *", errors.CRON_BAD_VALUE.format(field="hour", value="24", lo=0, hi=23, names="")),
    ("60 9 * * *", errors.CRON_BAD_VALUE.format(field="minute", value="60", lo=0, hi=59, names="")),
    ("0 9 L * *", errors.CRON_QUARTZ.format(field="day of month", value="L", token="L")),
    ("0 9 15W * *", errors.CRON_QUARTZ.format(field="day of month", value="15W", token="W")),
    ("0 9 ? * MON", errors.CRON_QUARTZ.format(field="day of month", value="?", token="?")),
    ("0 9 * * 5L", errors.CRON_QUARTZ.format(field="day of week", value="5L", token="L")),
    ("0 9 * * MON#2", errors.CRON_QUARTZ.format(field="day of week", value="MON#2", token="#")),
    ("0 9 0 * *", errors.CRON_BAD_VALUE.format(
        field="day of month", value="0", lo=1, hi=31, names="")),
    ("0 9 5-1 * *", errors.CRON_BAD_VALUE.format(
        field="day of month", value="5-1", lo=1, hi=31, names="")),
    ("0 9 5/2 * *", errors.CRON_BAD_VALUE.format(
        field="day of month", value="5/2", lo=1, hi=31, names="")),
    ("0 9 * 13 *", errors.CRON_BAD_VALUE.format(
        field="month", value="13", lo=1, hi=12, names=" or names like JAN")),
    ("0 9 * * 8", errors.CRON_BAD_VALUE.format(
        field="day of week", value="8", lo=0, hi=7, names=" or names like SUN")),
    ("0 9 * * MONDAY", errors.CRON_BAD_VALUE.format(
        field="day of week", value="MONDAY", lo=0, hi=7, names=" or names like SUN")),
    ("0 9 1 * 1", errors.CRON_DAY_OR_WEEKDAY.format(
        expr="0 9 1 * 1", dom="1", dow="1", first="0 9 1 * *", second="0 9 * * 1")),
    ("0 9 1-7 * MON", errors.CRON_DAY_OR_WEEKDAY.format(
        expr="0 9 1-7 * MON", dom="1-7", dow="MON", first="0 9 1-7 * *", second="0 9 * * MON")),
]  # fmt: skip


@pytest.mark.parametrize(("cron", "message"), REFUSED, ids=[c or "empty" for c, _ in REFUSED])
def test_unsupported_cron_is_refused_naming_the_part(cron, message):
    with pytest.raises(ScheduleError) as error:
        cron_to_rrule(cron)

    assert str(error.value) == message
