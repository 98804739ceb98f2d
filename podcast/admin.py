"""Django admin registration of the podcast app."""
