"""Editing the docs: every change is a git commit by the user in the portal's working copy.

One module per step: `paths` (what may be touched), `workcopy` (the git working copy and its
lock), `merge` (three-way merges, conflicts), `saving` (a new version of one doc), `blocks`
(byte-minimal edits of one SOP block), `documents` and `folders` (create, rename, delete),
`images` (screenshots), `history` (log, diffs, restore), `scaffolds` (new docs) and
`publish` (one operation → commit → push → reindex → audit). Views and commands call these.
"""
