"""What a command typed in a checkout may assume when its environment does not say.

`python manage.py …` and `make run` are run by hand in a checkout; without `SECRET_KEY` they
use a key generated once for this checkout (`var/secret_key`, never committed), and without
`ALLOWED_HOSTS` the local host names. The processes that serve or work elsewhere (gunicorn
through `dataops.wsgi`, Celery) never come through here: with `DEBUG` off they refuse to
start without both (see the settings).

No Django imports: this runs before the settings are loaded.
"""

import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_HOSTS = "127.0.0.1,localhost"


def local_secret_key(var_dir: Path) -> str:
    """This checkout's secret key, created on first use (readable by its owner only)."""
    path = var_dir / "secret_key"
    if not path.is_file() or not path.read_text().strip():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50) + "\n")
        path.chmod(0o600)
    return path.read_text().strip()


def apply() -> None:
    """Fill in SECRET_KEY and ALLOWED_HOSTS when neither the environment nor `.env` has them."""
    import environ

    if (BASE_DIR / ".env").is_file():
        environ.Env.read_env(BASE_DIR / ".env")  # what `.env` says comes first
    var_dir = Path(os.environ.get("DATAOPS_VAR_DIR", BASE_DIR / "var"))
    if "SECRET_KEY" not in os.environ:
        os.environ["SECRET_KEY"] = local_secret_key(var_dir)
    os.environ.setdefault("ALLOWED_HOSTS", LOCAL_HOSTS)


if __name__ == "__main__":  # `python -m dataops.localenv`: print the checkout's key
    sys.stdout.write(
        local_secret_key(Path(os.environ.get("DATAOPS_VAR_DIR", BASE_DIR / "var"))) + "\n"
    )
