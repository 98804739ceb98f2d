"""The files that define how DataOps is run: compose, Dockerfile, Procfile, CI entry point."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_piece_with_healthchecks():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], f"{name} has no healthcheck"
    assert "gunicorn" in (ROOT / "Dockerfile").read_text().splitlines()[-1]
    assert "8000:8000" in services["web"]["ports"]
    assert "celery" in services["worker"]["command"] and "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]


def test_compose_app_services_share_one_configuration():
    services = _compose()["services"]
    for name in ("web", "worker", "beat", "migrate"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://")
        assert services[name]["build"] == "."


def test_procfile_starts_web_worker_and_beat():
    lines = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()
    )
    assert set(lines) == {"web", "worker", "beat"}
    assert "gunicorn dataops.wsgi" in lines["web"]


def test_ci_runs_make_test_on_real_services():
    script = (ROOT / ".ci" / "run").read_text()
    assert "make test" in script and "CI=true" in script
    assert "pg_ctlcluster" in script and "redis-server" in script and "chromium" in script
