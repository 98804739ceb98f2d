"""Forms of the docs_app app."""
