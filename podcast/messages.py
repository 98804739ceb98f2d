"""What the podcast pages say when they refuse or confirm something (tests reuse these)."""

NO_ROLE = "The podcast pages are for operators and admins; your account has no role yet."

GUEST_POSSIBLE_DUPLICATE = (
    "This looks like a guest we already have. Open the existing one, or create a new guest anyway."
)
GUEST_MERGED = "“{name}” was merged into “{into}”: changes go to that guest."
STATUS_NEEDS_REASON = "Say why the guest is {status}: the reason is kept with the status."
STATUS_SAME = "The guest is already {status}."
MERGE_SAME_GUEST = "Choose another guest to keep: a guest cannot be merged into itself."
MERGE_ALREADY_MERGED = "“{name}” was merged already."
MERGE_ADMIN_ONLY = "Only an admin can merge guests."

EPISODE_NEEDS_STREAM_DATE = "Set the stream date first: the workflow's tasks are dated from it."
EPISODE_HAS_WORKFLOW = "This episode's Podcast workflow was started already."
EPISODE_NUMBERS_WHEN_PUBLISHED = "Season and episode numbers are set once the episode is published."
PODCAST_TEMPLATE_MISSING = (
    "The Podcast workflow template is not loaded; an admin runs `manage.py load_templates`."
)
NO_WORKFLOW = "This episode has no workflow to re-date."
REDATE_NOTHING = "The workflow's anchor is already that date: nothing to move."
