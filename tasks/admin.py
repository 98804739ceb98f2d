"""Django admin registration of the tasks app."""
