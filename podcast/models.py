"""Database models of the podcast app."""
