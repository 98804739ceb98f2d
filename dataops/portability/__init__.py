"""Portable export, validation and import of the installation's data (see README)."""

FORMAT_VERSION = 1
