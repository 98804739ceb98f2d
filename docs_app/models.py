"""Database models of the docs_app app."""
