"""Forms of the podcast app."""
