"""Write services (each action in one transaction) of the tasks app."""
