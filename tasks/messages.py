"""Every sentence the work engine says to a person when it refuses something.

Services raise `ServiceError` with these; views show them as they are; tests reuse them.
"""

STALE = "This task was changed by someone else. Reload to see the latest version."
VERSION_MISSING = (
    "This form did not say which version of the task it was made from, so nothing was "
    "changed. Reload the page and try again."
)

# Completing and closing.
COMPLETE_MISSING = "Add {things} before completing."
COMPLETE_WAITING = (
    "This task is waiting on {who}. Use “Response received” or “Resolve as done” instead "
    "of ticking it."
)
ALREADY_DONE = "This task is already done."
CLOSED_NOT_APPLICABLE = "This task was closed as not applicable. Reopen it first."
TASK_ARCHIVED = "This task is archived with its workflow."
REOPEN_NOT_CLOSED = "Only a done or not-applicable task can be reopened."
NA_NOT_ALLOWED = "This task cannot be closed as not applicable: its template lists no reasons."
NA_BAD_REASON = "Pick one of the reasons this task allows: {reasons}."

# Waiting.
WAIT_ONLY_TODO = "Only a task still to do can be marked waiting."
ALREADY_WAITING = "This task is already waiting. Use “Follow-up sent” to set the next date."
WAIT_NEEDS_WHO = "Say who or what you are waiting for."
FOLLOW_UP_REQUIRED = "Pick a follow-up date."
FOLLOW_UP_IN_PAST = "Pick a follow-up date from today on."
NOT_WAITING = "This task is not waiting on anyone."

# Dates, snoozing, people.
DATE_OUT_OF_RANGE = "Pick a date between {low} and {high}."
ANCHOR_OUT_OF_RANGE = "Pick an anchor date between {low} and {high}."
SNOOZE_ONLY_TODO = "Only a task still to do can be snoozed."
SNOOZE_IN_PAST = "Snooze to a date from today on."
SNOOZE_SAME_DATE = "The task is already due on that date."
SNOOZE_NEEDS_REASON = "Say why it is snoozed."
DUE_IN_PAST = "“{title}” is due on {date}, a day already past, so it shows as overdue."
ONLY_OPEN = "Only an open task can be {verb}."
REASSIGN_SAME = "The task is already assigned to {who}."
INACTIVE_ASSIGNEE = "{who} cannot be assigned: the account is inactive."
TITLE_REQUIRED = "Give the task a title."
COMMENT_EMPTY = "Write something before posting the comment."

# Proof.
URL_NOT_HTTP = "Enter a full link starting with http:// or https://."
FILE_EMPTY = "The file is empty."
FILE_TOO_BIG = "The file is {size}; files may be at most {limit}."
FILE_TYPE = (
    "Files of type “{ext}” are not accepted. Attach a PDF, an image (PNG, JPEG, GIF, WebP), "
    "a text, CSV or Markdown file, an Office document or a ZIP."
)
FILE_CONTENT = "The file's content does not match its “{ext}” name."
NOTHING_TO_SAVE = "Add a link, a note or a status to save as proof."

# Workflows.
WORKFLOW_ARCHIVED = "This workflow is archived."
WORKFLOW_ALREADY_ARCHIVED = "This workflow is already archived."
UNKNOWN_SLOT = "This workflow has no link called “{name}”."
STAGE_SAME = "The workflow is already in the “{stage}” stage."
STAGE_UNKNOWN = "“{stage}” is not a stage."
STAGE_NEEDS_COMMENT = "Say why the stage changes: a comment is required."
TEMPLATE_EMPTY = "The template “{name}” has no tasks yet. Add task definitions first."
SAME_ANCHOR_EXISTS = (
    "A “{name}” workflow with the anchor date {anchor} exists already. Open it, or start "
    "another one anyway."
)
START_RESUBMITTED = "“{title}” was already started from this form; here it is."
START_KEY_MISSING = (
    "This form is out of date, so nothing was started. Reload the page and start again."
)

# Recurring rules and automatic templates.
RULE_TITLE_REQUIRED = "Give the recurring chore a title."
RULE_DELETE_REFUSED = (
    "This rule has generated {count} task{s}, so it cannot be deleted: pause it instead "
    "(its tasks and their history stay)."
)
RULE_DELETED = "Deleted the recurring rule “{title}”."
ALREADY_PAUSED = "“{title}” is already paused."
NOT_PAUSED = "“{title}” is not paused."
PAUSED = "Paused “{title}”: nothing is generated until it is resumed."
RESUMED = "Resumed “{title}”."
RESUMED_AFTER_GAP = (
    "Resumed “{title}”. {missed} occurrence{s} passed while it was paused; its catch-up "
    "policy “{policy}” creates {created} of them."
)
GENERATE_QUEUED = "Generating “{title}” now: its due occurrences appear in a moment."
GENERATE_AWAITS_QUEUE = "“{title}” is queued — {queue}."
GENERATE_JOINED = (
    "“{title}” is already being generated: its due occurrences appear in a moment (no second "
    "run was queued)."
)
RULE_INTERVAL_TOO_BIG = (
    "Repeat at most every 1,000 days, weeks, months or years: a longer interval is not accepted."
)
RULE_UNTIL_TOO_FAR = (
    "The end date {until} is more than 100 years ahead: pick a date up to {limit}, or leave "
    "it empty."
)
RULE_SAVED = "Saved “{title}”. Next: {next}."
RULE_SAVED_NO_NEXT = "Saved “{title}”."
EDIT_KEEPS_CHECKPOINT = (
    "Occurrences up to {date} are already generated and stay as they are; the new schedule "
    "applies after that day."
)
UNKNOWN_ASSIGNEE = "There is no active user called “{username}”."
GENERATOR_SKIPPED = "skipped: already running"
GENERATION_FAILED = "Recurring “{title}” could not generate: {error}"
PROOF_LABEL_NEEDS_URL = "Name the link the task needs (for example “Backup folder”)."
