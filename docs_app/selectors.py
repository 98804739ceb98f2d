"""Reads for pages of the docs_app app."""
