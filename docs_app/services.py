"""Write services (each action in one transaction) of the docs_app app."""
