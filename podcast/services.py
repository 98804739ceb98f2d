"""Write services (each action in one transaction) of the podcast app."""
