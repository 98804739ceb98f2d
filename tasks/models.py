"""Database models of the tasks app."""
