"""The one exception type of the schedule core and its user-facing messages.

Messages are module constants so forms, commands and tests share the exact wording. Each is a
`str.format` template; the placeholders name the offending part so the user can fix it.
"""


class ScheduleError(ValueError):
    """A schedule the user has to fix. The message is meant to be shown as is."""


# RRULE syntax and values
EMPTY_RULE = "Enter a recurrence rule, for example FREQ=WEEKLY;BYDAY=MO."
EXTRA_LINE = "Only one RRULE line is accepted: remove '{line}'."
DTSTART_IN_RULE = "Remove DTSTART from the rule: the start date and time are their own fields."
BAD_PART = "'{part}' is not a rule part: write NAME=VALUE, for example FREQ=DAILY."
UNKNOWN_PART = "Unknown rule part '{name}'."
DUPLICATE_PART = "'{name}' appears more than once in the rule."
EMPTY_VALUE = "{name} has no value."
TIME_PART = (
    "{name} is not supported: a schedule runs once on each of its days, at the time of day "
    "set in its own field."
)
MISSING_FREQ = "The rule needs a FREQ, for example FREQ=DAILY."
UNKNOWN_FREQ = "Unknown frequency FREQ={value}: use DAILY, WEEKLY, MONTHLY or YEARLY."
SUB_DAILY_FREQ = (
    "FREQ={value} repeats within a day, but schedules repeat by day: use DAILY, WEEKLY, "
    "MONTHLY or YEARLY and set the time of day in its own field."
)
BAD_INTERVAL = "INTERVAL must be a whole number of at least 1, not '{value}'."
BAD_COUNT = "COUNT must be a whole number of at least 1, not '{value}'."
COUNT_AND_UNTIL = "Use either COUNT or UNTIL, not both."
BAD_UNTIL = "UNTIL={value} is not a date: write YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ."
BAD_NUMBER = "{name}={value} is not valid: {allowed}."
BAD_WEEKDAY = "{name}={value} is not valid: use MO, TU, WE, TH, FR, SA or SU{extra}."
NTH_WEEKDAY_NEEDS_MONTHLY = (
    "BYDAY={value}: a number before the weekday only works with FREQ=MONTHLY or FREQ=YEARLY."
)
NTH_WEEKDAY_WITH_WEEKNO = "BYDAY={value}: a numbered weekday cannot be combined with BYWEEKNO."
PART_NOT_WITH_FREQ = "{name} cannot be used with FREQ={freq}."
SETPOS_ALONE = "BYSETPOS needs another BY… part to pick from, for example BYDAY=MO,TU,WE,TH,FR."

# The rule against its start, time zone and today
BAD_TZ = "'{tz}' is not a known time zone: use an IANA name such as Europe/Berlin."
BAD_START = "'{value}' is not a valid start date: use YYYY-MM-DD."
START_OUT_OF_RANGE = "The start date {value} is out of range: use a year between {lo} and {hi}."
BAD_TIME = "'{value}' is not a valid time of day: use HH:MM."
TIME_WITH_ZONE = "The time of day must not carry a time zone: the zone is its own field."
UNTIL_BEFORE_START = "UNTIL ({until}) is before the start date ({start})."
UNTIL_PAST = "UNTIL ({until}) is in the past: this rule has no occurrences after today."
NO_FUTURE = "This rule has no occurrences after today."
NEVER_OCCURS = (
    "This rule never produces a date (for example 30 February, or a month its interval never "
    "reaches): check its BY… parts."
)

# The plain-language form
NEED_WEEKDAYS = "Choose at least one weekday."
BAD_WEEKDAY_INDEX = "{value} is not a weekday: use 0 (Monday) to 6 (Sunday)."
BAD_DAY_OF_MONTH = "Day {value} is not a day of the month: use 1 to 31."
BAD_NTH = "'{value}' is not a week of the month: use 1 to 5, or -1 for the last."
BAD_MONTH = "{value} is not a month: use 1 to 12."
BAD_YEARLY_DATE = "{day}/{month} is not a date in any year."
NEED_SHORT_MONTH_POLICY = (
    "Day {day} does not exist in every month: choose 'last day of shorter months' or "
    "'skip shorter months'."
)
NEED_LEAP_DAY_POLICY = (
    "29 February only exists in leap years: choose '28 February in other years' or "
    "'only in leap years'."
)
FIELD_REQUIRED = "{field} is required for a {kind} schedule."
UNTIL_DATE_BEFORE_START = "The end date ({until}) is before the start date ({start})."

# Cron import
CRON_EMPTY = "Enter a cron expression, for example '0 9 * * 1'."
CRON_FIELD_COUNT = (
    "A cron expression has 5 fields (minute hour day-of-month month day-of-week); "
    "'{expr}' has {count}{hint}."
)
CRON_SECONDS_HINT = ": a seconds or year field is not supported"
CRON_MACRO = "Cron '{macro}' is not supported: only @daily, @weekly, @monthly and @yearly are."
CRON_ONCE_A_DAY = (
    "Cron {field} '{value}' runs more than once a day: schedules run once a day, so give a "
    "single number."
)
CRON_QUARTZ = "Cron {field} '{value}' uses '{token}', which is not supported."
CRON_BAD_VALUE = "Cron {field} '{value}' is not valid: use {lo}–{hi}{names}."
CRON_DAY_OR_WEEKDAY = (
    "Cron '{expr}' runs when either the day of month ({dom}) or the weekday ({dow}) matches; "
    "one schedule cannot say 'or'. Import it as two rules: '{first}' and '{second}'."
)

# Working days
UNKNOWN_COUNTRY = "'{country}' is not a country the holiday calendar knows."
UNKNOWN_SUBDIVISION = "'{subdivision}' is not a subdivision of {country}."
SUBDIVISION_WITHOUT_COUNTRY = "Choose a country before a subdivision."
BAD_WEEKEND = "The weekend must be a set of weekdays 0 (Monday) to 6 (Sunday), not all seven."
NO_WORKING_DAY = "There is no working day within {days} days {direction} {day}."
UNKNOWN_CHOICE = "'{value}' is not a valid {what}: use {choices}."

# Generation
TOO_MANY_AT_ONCE = (
    "This rule would create {count} tasks at once, more than the limit of {limit}: nothing was "
    "created. Use the catch-up policy 'latest' or 'none', or move the start date closer."
)
TOO_MANY_TO_SCAN = (
    "This rule has more than {limit} occurrences to consider at once: nothing was created. "
    "Move its start date closer to today."
)
