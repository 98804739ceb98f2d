import pytest

from dataops.celery import app


@pytest.fixture
def unreachable_broker():
    """Point Celery at a port where nothing listens (a real refused connection)."""
    saved = (app.conf.broker_url, app.conf.task_always_eager, app.conf.task_publish_retry_policy)
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.task_always_eager = False
    app.conf.task_publish_retry_policy = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.1,
        "interval_max": 0.1,
    }
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.broker_url, app.conf.task_always_eager, app.conf.task_publish_retry_policy = saved
    app._pool = None
    app.amqp._producer_pool = None
