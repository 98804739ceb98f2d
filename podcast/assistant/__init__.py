"""The prep-document assistant: jobs with a strict lifecycle, drafters behind one interface,
and the human approval that becomes the workflow task's proof."""
