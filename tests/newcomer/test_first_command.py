"""A newcomer's first hour: the README's commands, run as written, from nothing a fresh
clone lacks (no `var/`, no `staticfiles/`), against real servers over real HTTP.

* `make demo`: set-up with the production static storage (hashed names from the
  manifest), the demo scenario, then `serve` on a free port; the pages a person opens
  first answer, and in Chromium no same-origin request fails and no script errors
  (map tiles come from outside and may be absent here); Ctrl-C stops everything.
* The README's production steps: the package installed (not the checkout), secrets
  made with the README's own commands and given as files, PostgreSQL, `check --deploy`
  without a warning, gunicorn serving a page and its static files through whitenoise.

Run by `make test-newcomer` (inside `scripts/with-postgres`), after the browser tests.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.newcomer

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")
PYTHON = sys.executable
ORG = "front-street"
HASHED = re.compile(r"\.[0-9a-f]{12}\.(?:js|css|png|svg)$")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def newcomer_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a person who has set nothing: none of the test suite's
    variables, only a temporary var folder and static root instead of the checkout's."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("GROUNDSWELL_", "PYTEST", "DJANGO_"))
           and key not in {"DATABASE_URL", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    env.update({"GROUNDSWELL_VAR_DIR": str(tmp_path / "var"),
                "GROUNDSWELL_STATIC_ROOT": str(tmp_path / "static")})
    env.update(extra)
    return env


@contextmanager
def running(command: list[str], env: dict[str, str], log: Path, cwd: Path = REPO,
            stop: signal.Signals = signal.SIGINT) -> Iterator[subprocess.Popen]:
    """Start a command in its own process group; at the end send the group Ctrl-C (as a
    terminal does; ``stop`` says otherwise) and require every process of it to be gone
    within 30 s."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            yield process
        finally:
            stopped = stop_group(process, stop)
    assert stopped, f"{command[0]} left processes running after {stop.name}:\n{tail(log)}"


def stop_group(process: subprocess.Popen, stop: signal.Signals = signal.SIGINT,
               timeout: float = 30) -> bool:
    """Ctrl-C (or ``stop``) to the whole group; True once every process of it has
    exited."""
    pgid = process.pid
    try:
        os.killpg(pgid, stop)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, or the group never empties
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    os.killpg(pgid, signal.SIGKILL)
    process.wait(timeout=5)
    return False


def tail(log: Path, lines: int = 60) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 420,
             headers: dict[str, str] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server stopped (exit {process.returncode}):\n{tail(log)}")
        try:
            get(url, headers)
            return  # it answers
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s:\n{tail(log)}")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict]:
    """One GET, redirects not followed (a redirect is an answer to check)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                           headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        connection.close()


def static_urls(html: str) -> list[str]:
    """Every /static/ URL a page names (scripts, styles, icons, data attributes)."""
    return sorted(set(re.findall(r'"(/static/[^"?#]+)"', html)))


def manage_query(env: dict[str, str], code: str) -> dict:
    """Ask the demo's own database (through manage.py shell, as an operator would)."""
    result = subprocess.run([PYTHON, "manage.py", "shell", "-c", code], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


DEMO_IDS = """
import json
from django_scopes import scopes_disabled
from groundswell.events.models import Event
from groundswell.rapidresponse.models import Network, Report
with scopes_disabled():
    report = Report.objects.filter(organization__slug="front-street",
                                   latitude__isnull=False).order_by("pk").first()
    event = Event.objects.filter(organization__slug="front-street").order_by("pk").first()
    network = Network.objects.filter(organization__slug="front-street").order_by("pk").first()
    print(json.dumps({"report": report.pk, "event": str(event.public_id),
                      "network": network.public_key}))
"""


class BrowserProblems:
    """Everything that went wrong in a page, as a person's browser would show it:
    same-origin requests answered 4xx/5xx or failed, script errors, CSP refusals."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.found: list[str] = []

    def watch(self, page) -> None:
        page.on("response", self._response)
        page.on("requestfailed", self._failed)
        page.on("pageerror", lambda error: self.found.append(f"script error: {error}"))
        page.on("console", self._console)

    def _same_origin(self, url: str) -> bool:
        return url.startswith(self.origin)

    def _response(self, response) -> None:
        if self._same_origin(response.url) and response.status >= 400:
            self.found.append(f"{response.status} {response.url}")

    def _failed(self, request) -> None:
        # A navigation away cancels what the old page was still loading: not a failure.
        if self._same_origin(request.url) and request.failure != "net::ERR_ABORTED":
            self.found.append(f"failed {request.url}: {request.failure}")

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.found.append(f"CSP: {message.text}")


def log_in(page, origin: str, email: str, password: str, secret: str | None) -> None:
    from tests.browser.conftest import totp_code

    page.goto(f"{origin}/account/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("form[action='/account/login/'] button[type=submit]")
    if secret:
        assert "/account/2fa/authenticate/" in page.url, page.url
        page.fill("input[name=code]", totp_code(secret))
        with page.expect_navigation():
            page.click("form[action='/account/2fa/authenticate/'] button[type=submit]")
    assert "/account/" not in page.url, f"{email} did not get in: {page.url}"


def test_make_demo_serves_the_demo_from_a_fresh_clone(tmp_path):
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    env = newcomer_env(tmp_path)
    log = tmp_path / "make-demo.log"
    assert not (tmp_path / "var").exists() and not (tmp_path / "static").exists()
    started = time.monotonic()
    with running(["make", "--no-print-directory", "demo", f"DEMO_BIND=127.0.0.1:{port}"],
                 env, log) as demo:
        wait_for(f"{origin}/account/login/", demo, log)
        answering = time.monotonic() - started
        printed = log.read_text(errors="replace")
        password = re.search(r"password for every demo user: (\S+)", printed).group(1)
        secrets = dict(re.findall(r"^\s+\S.*?\s{2,}(\S+@demo\.groundswell\.test)\s+"
                                  r"(?:authenticator secret (\w+)|no second factor)",
                                  printed, re.M))
        assert set(secrets) >= {"admin@demo.groundswell.test",
                                "canvasser@demo.groundswell.test"}, printed
        # collectstatic used the manifest storage: hashed copies beside the originals.
        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        assert HASHED.search(manifest["paths"]["vendor/leaflet-1.9.4/leaflet.js"])
        ids = manage_query(env, DEMO_IDS)

        # Over plain HTTP, without a session: the login page and the public RSVP page.
        status, body, _ = get(f"{origin}/account/login/")
        assert status == 200
        for url in static_urls(body.decode()):
            assert HASHED.search(url), f"{url} is not a name from the manifest"
            assert get(origin + url)[0] == 200, url
        assert get(f"{origin}/e/{ids['event']}/")[0] == 200
        assert get(f"{origin}/r/{ids['network']}/")[0] == 200

        problems = BrowserProblems(origin)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=CHROMIUM_ARGS)
            try:
                admin = browser.new_context(viewport=PHONE)
                page = admin.new_page()
                problems.watch(page)
                log_in(page, origin, "admin@demo.groundswell.test", password,
                       secrets["admin@demo.groundswell.test"])

                # Signed in, over HTTP with the same session: the organization's pages
                # and every static file they name, by its hashed name.
                for path in (f"/o/{ORG}/", f"/o/{ORG}/geo/",
                             f"/o/{ORG}/rapid-response/reports/{ids['report']}/"):
                    response = admin.request.get(origin + path)
                    assert response.status == 200, path
                    for url in static_urls(response.text()):
                        assert HASHED.search(url), f"{url} on {path} is not hashed"
                        assert admin.request.get(origin + url).status == 200, url

                # In Chromium: the home, the household map and a report's map.
                for path in (f"/o/{ORG}/", f"/o/{ORG}/geo/",
                             f"/o/{ORG}/rapid-response/reports/{ids['report']}/"):
                    page.goto(origin + path)
                    page.wait_for_load_state("load")

                # A resident's report form: a tap on the map puts Leaflet's default
                # marker there, whose image path the manifest's hashed names break.
                resident = browser.new_context(viewport=PHONE)
                public = resident.new_page()
                problems.watch(public)
                public.goto(f"{origin}/r/{ids['network']}/")
                public.wait_for_load_state("load")
                public.locator("[data-map]").first.click()
                marker = public.locator("img.leaflet-marker-icon").first
                marker.wait_for(state="attached", timeout=15_000)
                public.wait_for_function(
                    "() => [...document.querySelectorAll('img.leaflet-marker-icon')]"
                    ".every(img => img.complete && img.naturalWidth > 0)", timeout=15_000)
                assert HASHED.search(marker.get_attribute("src"))
                public.screenshot(path=str(SCREENSHOTS / "newcomer-report-marker.png"))

                # The canvasser's offline page and its service worker.
                canvasser = browser.new_context(viewport=PHONE)
                phone = canvasser.new_page()
                problems.watch(phone)
                log_in(phone, origin, "canvasser@demo.groundswell.test", password, None)
                phone.goto(f"{origin}/o/{ORG}/canvass/mine/")
                app_link = phone.locator("a[href*='/app/']").first
                with phone.expect_navigation():
                    app_link.click()
                phone.wait_for_load_state("load")
                phone.wait_for_function("() => navigator.serviceWorker.controller !== null"
                                        " || navigator.serviceWorker.ready", timeout=15_000)
                sw = canvasser.request.get(f"{origin}/o/{ORG}/canvass/sw.js")
                assert sw.status == 200
                assert "javascript" in sw.headers["content-type"]
                for url in re.findall(r'"(/static/[^"]+)"', sw.text()):
                    assert HASHED.search(url), url
                    assert canvasser.request.get(origin + url).status == 200, url
                phone.screenshot(path=str(SCREENSHOTS / "newcomer-canvass-app.png"))
            finally:
                browser.close()
        assert problems.found == []
    # Ctrl-C stopped make, serve, gunicorn, the worker and the sender (checked above).
    assert "Traceback" not in log.read_text(errors="replace"), tail(log)
    print(f"\nmake demo: answering after {answering:.1f} s from a fresh var and static root")


def readme_production_steps() -> tuple[str, dict[str, str], list[list[str]], list[str]]:
    """The README's production section: its secret-making commands with the variables
    that name their files, its per-release manage.py commands and its gunicorn command,
    as written."""
    section = README.split("## Production deployment", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    secrets_block = next(block for block in blocks if "secret_key" in block)
    secrets_step = re.search(r"^\d+\. Secrets(.*?)^\d+\. ", section, re.S | re.M).group(1)
    # "point GROUNDSWELL_SECRET_KEY_FILE, ... at them": each names the file of its secret.
    secret_files = {name: name.removeprefix("GROUNDSWELL_").removesuffix("_FILE").lower()
                    for name in re.findall(r"`(GROUNDSWELL_\w+_FILE)`", secrets_step)}
    release_step = re.search(r"^\d+\. Once per release:(.*?)^\d+\. ", section, re.S | re.M)
    release = [shlex.split(command) for command in re.findall(r"`(manage\.py [^`]+)`",
                                                              release_step.group(1))]
    gunicorn = next(line.strip() for block in blocks for line in block.splitlines()
                    if line.strip().startswith("gunicorn "))
    return secrets_block, secret_files, release, shlex.split(gunicorn)


def test_the_readme_production_steps_serve_a_page_with_its_static_files(tmp_path):
    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        pytest.skip("needs PostgreSQL: run through scripts/with-postgres (make test-newcomer)")
    secrets_block, secret_files, release, gunicorn = readme_production_steps()
    assert "GROUNDSWELL_SECRET_KEY_FILE" in secret_files
    assert [command[:2] for command in release] == [
        ["manage.py", "migrate"], ["manage.py", "createcachetable"],
        ["manage.py", "collectstatic"], ["manage.py", "check"]]

    # Step 2: the package as installed, not the checkout (templates, static files and
    # translations must travel inside it). --target keeps the test's own venv untouched.
    site = tmp_path / "site"
    subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--target", str(site), str(REPO)],
                   check=True, capture_output=True, timeout=300)
    assert (site / "groundswell" / "locale" / "es" / "LC_MESSAGES" / "django.mo").exists()

    # Step 3: secrets made by the README's own commands, given as files.
    keys = tmp_path / "keys"
    keys.mkdir()
    subprocess.run(["bash", "-euo", "pipefail", "-c", secrets_block], cwd=keys, check=True,
                   timeout=60)
    for filename in secret_files.values():
        assert (keys / filename).is_file(), f"the README's commands make no {filename}"
    host = "organize.example.org"
    env = newcomer_env(
        tmp_path,
        **{variable: str(keys / filename) for variable, filename in secret_files.items()},
        GROUNDSWELL_ENV="production",
        DATABASE_URL=database,
        GROUNDSWELL_ALLOWED_HOSTS=host,
        GROUNDSWELL_SITE_URL=f"https://{host}",
        GROUNDSWELL_TRUSTED_PROXY_HOPS="1",
        DJANGO_SETTINGS_MODULE="groundswell.settings",
    )

    # Step 5, with the checkout's manage.py, as the README says.
    for command in release:
        if command[1] == "check":
            command = [*command, "--fail-level", "WARNING"]
        result = subprocess.run([PYTHON, *command], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=300)
        assert result.returncode == 0, (command, result.stdout, result.stderr)
        if command[1] == "check":
            assert "no issues" in result.stdout and "WARNING" not in result.stderr

    # Step 6: gunicorn from another folder, importing the installed package only.
    port = free_port()
    served = [PYTHON, "-m", *gunicorn]
    served[served.index("--bind") + 1] = f"127.0.0.1:{port}"
    served[served.index("--workers") + 1] = "2"
    env_served = {**env, "PYTHONPATH": str(site)}
    log = tmp_path / "gunicorn.log"
    proxy = {"Host": host, "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    origin = f"http://127.0.0.1:{port}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # Stopped as a service manager stops it (SIGTERM: gunicorn finishes the request in
    # hand). Ctrl-C stops a worker at once, and one still closing its last response
    # (slow on a busy machine) logged a traceback for the interruption, failing a run.
    with running(served, env_served, log, cwd=elsewhere, stop=signal.SIGTERM) as server:
        wait_for(f"{origin}/health", server, log, timeout=60, headers=proxy)
        status, body, headers = get(f"{origin}/account/login/", proxy)
        assert status == 200, body[:500]
        assert "Strict-Transport-Security" in headers
        urls = static_urls(body.decode())
        assert urls
        for url in urls:
            assert HASHED.search(url), url
            status, content, headers = get(origin + url, proxy)
            assert status == 200 and content, url
            # whitenoise serves hashed names as immutable, for a year.
            assert "max-age=315360000" in headers.get("Cache-Control", ""), url
        # Spanish comes from the installed package's compiled catalog.
        status, body, _ = get(f"{origin}/account/login/", {**proxy, "Accept-Language": "es"})
        assert status == 200 and "Contraseña" in body.decode()
        # Without the proxy's HTTPS header, the site sends people to HTTPS.
        status, _, headers = get(f"{origin}/account/login/", {"Host": host})
        assert status == 301 and headers["Location"].startswith("https://")
        # The installed package answered, not the checkout.
        assert str(REPO / "src") not in log.read_text(errors="replace")
    assert "Traceback" not in log.read_text(errors="replace"), tail(log)
