"""Reads for pages of the tasks app."""
