"""Forms of the tasks app."""
