"""Sentences the intake pages show; the tests reuse them."""

TEXT_REQUIRED = "Write what came in: the text cannot be empty."
TEXT_TOO_LONG = "The text is too long: at most {limit} characters."
LINK_NOT_HTTP = "“{link}” is not a web address (it must start with http:// or https://)."
TOO_MANY_LINKS = "At most {limit} links per item."
ATTACH_NEEDS_TARGET = "Choose a guest or an episode to attach the item to."
ALREADY_CONVERTED = "This item was already converted; undo that first to convert it again."
DUPLICATE_OF_ITSELF = "An item cannot be a duplicate of itself."
DUPLICATE_CYCLE = "#{other} is itself a duplicate of this item: pick the original instead."
DUPLICATE_NEEDS_ITEM = "Pick the item this one repeats."
REASON_REQUIRED = "Say why the item is ignored."
REASON_TOO_LONG = "Keep the reason under {limit} characters."
GUEST_NAME_REQUIRED = "The new guest needs a name."
GUEST_LOOKS_KNOWN = (
    "This looks like a guest we already have ({known}). Attach the item to them instead, "
    "or tick “Create anyway”."
)
PRIORITY_UNKNOWN = "Choose low, normal or high priority."
TOO_MANY_TAGS = "At most {limit} tags."
TAG_TOO_LONG = "Tags are at most {limit} characters."
UNDO_DONE_ALREADY = "That action was already undone."
UNDO_NOT_POSSIBLE = "Only triage actions can be undone."
UNDO_CHANGED_SINCE = (
    "The item changed after that action: undo the later actions first (newest first)."
)
UNDO_TASK_KEPT = "The task “{title}” was kept; it is no longer linked to this item."
UNDO_GUEST_KEPT = "The guest “{name}” was kept; the item is no longer linked to them."
UNDONE = "Undone: {label}."
FILE_TOO_BIG = "“{name}” is {size}; attachments can be at most {limit}."
FILE_EMPTY = "“{name}” is empty."
FILE_EXECUTABLE = "“{name}” looks like a program; executable files are not accepted."
FILE_TYPE = "Files of type {ext} are not accepted (allowed: PDF, images, text, office documents)."
FILE_CONTENT = "“{name}” does not look like a {ext} file."

DONE = {
    "created": "Item added to the inbox.",
    "attached": "Attached.",
    "converted_task": "Converted to a task.",
    "converted_guest": "Converted to a new guest.",
    "duplicate": "Marked as a duplicate.",
    "ignored": "Ignored.",
    "triaged": "Priority and tags saved.",
}

# How the history names each event.
ACTION_LABELS = {
    "created": "Received",
    "updated": "Content updated",
    "attachment": "File added",
    "attached": "Attached",
    "converted_task": "Converted to a task",
    "converted_guest": "Converted to a guest",
    "duplicate": "Marked duplicate",
    "ignored": "Ignored",
    "triaged": "Priority and tags",
    "undo": "Undo",
}
