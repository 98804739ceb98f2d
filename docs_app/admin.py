"""Django admin registration of the docs_app app."""
