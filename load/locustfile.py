"""Operators using the portal: log in through the login page, then read and write.

Each simulated user takes the next account of the plan (`LOAD_PLAN`, written by
`python -m load`), logs in with the form and its CSRF token, and then, with a short think
time, opens Operations Home, a workflow page, the task list, a docs page, a docs search, and
about one time in ten completes, reopens or comments on one of its own tasks the way the task
list's row buttons do (an htmx POST carrying the version it saw). Every write the server
confirmed is counted per task and action and written to `LOAD_WRITES` when the run stops,
for the check against the database.

The measured window starts once every user has logged in (the statistics are reset then)
and lasts `LOAD_SECONDS`: Argon2 makes a login cost a few hundred milliseconds of CPU on
purpose, and 50 of them in the first seconds would measure logging in, not using the portal.
The logins are timed and reported on their own.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode

import gevent
from locust import FastHttpUser, between, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
ACCOUNTS = iter(PLAN["users"])
# Seconds between two actions of one user: a busy operator clicking through, on purpose
# faster than a person so that 50 users saturate the server.
WAIT = (
    float(os.environ.get("LOAD_WAIT_MIN", "0.1")),
    float(os.environ.get("LOAD_WAIT_MAX", "0.5")),
)
LOGIN_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGE_TOKEN = re.compile(r'"X-CSRFToken": "([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# task id -> action -> writes the server confirmed; task id -> status it was left in.
CONFIRMED: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
LAST_STATUS: dict[str, str] = {}
USERS = int(os.environ.get("LOAD_USERS", "50"))
MEASURED_SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
# Reads have fixed weights (90 in all); writes take LOAD_WRITE_PERCENT of the actions,
# three fifths of them completing or reopening, two fifths commenting.
WRITE_PERCENT = float(os.environ.get("LOAD_WRITE_PERCENT", "10"))
WRITES = 90 * WRITE_PERCENT / (100 - WRITE_PERCENT)
LOGINS = {"done": 0, "refused": 0, "seconds": [], "first_at": 0.0, "all_in_after": 0.0}


def _logged_in(environment, seconds: float, refused: bool) -> None:
    """Count a login; after the last one, reset the statistics and start the measured
    window, at whose end the run stops."""
    LOGINS["done"] += 1
    LOGINS["refused"] += refused
    LOGINS["seconds"].append(round(seconds, 3))
    if LOGINS["done"] == USERS:
        LOGINS["all_in_after"] = round(time.monotonic() - LOGINS["first_at"], 2)
        LOGINS["window_started_at"] = time.time()
        environment.runner.stats.reset_all()
        gevent.spawn_later(MEASURED_SECONDS, environment.runner.quit)


class Operator(FastHttpUser):
    wait_time = between(*WAIT)

    def on_start(self) -> None:
        self.account = next(ACCOUNTS)
        self.own = {t["id"]: dict(t) for t in self.account["tasks"]}
        self.csrf = ""
        self._log_in()

    def _log_in(self) -> None:
        started = time.monotonic()
        LOGINS["first_at"] = LOGINS["first_at"] or started
        refused = not self._post_login()
        _logged_in(self.environment, time.monotonic() - started, refused)

    def _post_login(self) -> bool:
        page = self.client.get("/login/", name="login page")
        token = LOGIN_TOKEN.search(page.text or "")
        body = {
            "csrfmiddlewaretoken": token.group(1) if token else "",
            "username": self.account["username"],
            "password": self.account["password"],
            "next": "/",
        }
        with self.client.post(
            "/login/",
            data=urlencode(body),
            headers=FORM,
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login refused ({response.status_code})")
                return False
        home = self.client.get("/", name="home")
        found = PAGE_TOKEN.search(home.text or "")
        self.csrf = found.group(1) if found else ""
        return bool(self.csrf)

    @task(25)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(20)
    def workflow(self) -> None:
        if not PLAN["workflows"]:
            return
        self.client.get(f"/workflows/{random.choice(PLAN['workflows'])}/", name="workflow page")

    @task(20)
    def task_list(self) -> None:
        self.client.get("/tasks/", name="task list")

    @task(15)
    def doc(self) -> None:
        if not PLAN["docs"]:
            return
        self.client.get(f"/docs/{quote(random.choice(PLAN['docs']))}", name="docs page")

    @task(10)
    def search(self) -> None:
        self.client.get(
            f"/docs/search/?{urlencode({'q': random.choice(PLAN['searches'])})}", name="docs search"
        )

    @task(max(1, round(WRITES * 0.6)))
    def complete_or_reopen(self) -> None:
        if not self.own or not self.csrf:
            return
        state = random.choice(list(self.own.values()))
        if state["status"] == "todo":
            self._write(state, "complete", "completed", "done", {"version": state["version"]})
        else:
            self._write(state, "reopen", "reopened", "todo", {"version": state["version"]})

    @task(max(1, round(WRITES * 0.4)))
    def comment(self) -> None:
        if not self.own or not self.csrf:
            return
        state = random.choice(list(self.own.values()))
        self._write(
            state, "comment", "commented", None, {"text": f"Checked by {self.account['username']}."}
        )

    def _write(
        self, state: dict, action: str, recorded: str, status: str | None, fields: dict
    ) -> None:
        """POST one row action as htmx does from the task list; on success count it and keep
        the task's new version, on failure stop writing to that task (its state is unknown)."""
        body = {
            "csrfmiddlewaretoken": self.csrf,
            "ctx": "list",
            "lane": "list",
            "next": "/tasks/",
            **fields,
        }
        headers = {**FORM, "HX-Request": "true", "X-CSRFToken": self.csrf}
        with self.client.post(
            f"/tasks/{state['id']}/{action}/",
            data=urlencode(body),
            headers=headers,
            name=f"{action} (POST)",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{action} refused ({response.status_code})")
                self.own.pop(state["id"], None)
                return
        key = str(state["id"])
        CONFIRMED[key][recorded] += 1
        if status:
            state["status"], state["version"] = status, state["version"] + 1
        LAST_STATUS[key] = state["status"]


@events.quitting.add_listener
def write_confirmed(environment, **kwargs) -> None:
    Path(os.environ["LOAD_WRITES"]).write_text(
        json.dumps({"confirmed": CONFIRMED, "last_status": LAST_STATUS, "logins": LOGINS})
    )
