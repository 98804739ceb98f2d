"""`make load`: the production web process under 50 logged-in users, with a write check.

`python -m load` creates a scratch database, fills it (`load.prepare`), starts gunicorn with
the production settings (`load.server`), drives it with locust (`load/locustfile.py`), stops
everything and prints the numbers and the lost-write check (`load.report`).
"""
