"""Reads for pages of the podcast app."""
