"""Benchmark `intake-vs-peer`: the `intake` load against the hotline and against django-helpdesk, same run.

django-helpdesk (PyPI) is installed into its own virtual environment, `var/bench/peer-venv` (its Django
may differ from ours; kept between runs, so a re-run installs nothing). A minimal project around it
(`var/bench/peer-site`: settings, urls, wsgi — written by this module) is migrated onto its own
database of the same scratch PostgreSQL cluster as the hotline's, with one queue and a staff account
holding a DRF token; gunicorn serves it with the same worker count. Its own REST API creates tickets:
`POST /helpdesk/api/tickets/` (DRF `TicketViewSet` → the helpdesk `TicketForm`, as its pages do).

The two servers are measured alternately (`--rounds`, default 2: hotline, peer, hotline, peer), each
round `--duration` seconds with the same `--clients` (16) sending the same citizen messages; only one
server is loaded at a time. Afterwards each database must hold exactly the accepted orders / tickets.
The last line is `intake-vs-peer: <ratio>x` — the hotline's orders/s over the peer's tickets/s.

What each side does per request (so the ratio is read fairly): the hotline authenticates an API key,
validates the intake form, registers the order and sends it to dispatch (two timeline events), stores
the idempotency record, and runs its after-commit receivers (notifications, dashboards, webhooks,
calls); django-helpdesk authenticates a DRF token, validates its TicketForm, saves the ticket and its
first follow-up and sends its e-mails (to Django's dummy backend here: nothing leaves the machine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hotline.bench.intake import Measurement, OrderFeed, accepted_numbers, measure, order_bodies
from hotline.bench.intake_env import ROOT, Request, ScratchPostgres, Server, load_average
from hotline.bench.registry import BenchError, Figure, benchmark, rss_line

NAME = "intake-vs-peer"
PEER_DIR = ROOT / "var" / "bench"
PEER_VENV = PEER_DIR / "peer-venv"
PEER_SITE = PEER_DIR / "peer-site"
#: What the peer's environment is made of (PyPI only).
PEER_REQUIREMENTS = ["django-helpdesk==2.6.1", "gunicorn>=23", "psycopg[binary]>=3.2,<4"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"hotline bench {NAME}", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (default 16)")
    parser.add_argument("--duration", type=float, default=15.0, help="measured seconds per round (default 15)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds per side (default 2)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds per side first (default 3)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1),
                        help="gunicorn workers, both sides (default 2 per CPU)")
    parser.add_argument("--followups", choices=("worker", "inline"), default="worker",
                        help="the hotline's follow-up of each step: a Celery worker (default) or inside the request")
    parser.add_argument("--seed", type=int, default=12345)
    return parser


# --- The peer's environment and project ---------------------------------------------------------------


def peer_python() -> Path:
    """The peer venv's python, created and filled from PyPI on first use."""
    python = PEER_VENV / "bin" / "python"
    probe = [str(python), "-c", "import helpdesk, rest_framework, gunicorn, psycopg"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:  # noqa: S603
        return python
    print(f"installing django-helpdesk into {PEER_VENV} (once) …", flush=True)
    PEER_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)  # noqa: S603
    done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PEER_REQUIREMENTS],  # noqa: S603
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise BenchError(f"could not install the peer ({' '.join(PEER_REQUIREMENTS)}): {done.stderr[-2000:]}")
    return python


def peer_versions(python: Path) -> str:
    """The installed versions of the peer and its framework."""
    code = ("import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' for p in "
            "('django-helpdesk', 'Django', 'djangorestframework', 'gunicorn')))")
    return subprocess.run([str(python), "-c", code], capture_output=True, text=True,  # noqa: S603
                          check=True).stdout.strip()


SETTINGS = '''\
"""A minimal project around django-helpdesk for `hotline bench intake-vs-peer` (written by the benchmark)."""
import os
from urllib.parse import urlsplit

_db = urlsplit(os.environ["PEER_DATABASE_URL"])
SECRET_KEY = "bench-only-peer-secret-key-not-used-anywhere-else-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "rest_framework.authtoken", "helpdesk",
]
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware", "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware", "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware", "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peersite.urls"
WSGI_APPLICATION = "peersite.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": _db.path.lstrip("/"), "USER": _db.username or "",
    "PASSWORD": _db.password or "", "HOST": _db.hostname or "", "PORT": str(_db.port or ""),
    "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True,
}}
REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"]}
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
HELPDESK_TEAMS_MODE_ENABLED = False  # teams need pinax-teams; a hotline has no use for them here
DEFAULT_FROM_EMAIL = "helpdesk@localhost"
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
'''

URLS = '''\
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls), path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
'''

WSGI = '''\
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
application = get_wsgi_application()
'''

SETUP = '''\
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from helpdesk.models import Queue

user, _ = get_user_model().objects.get_or_create(username="bench", defaults={"is_staff": True, "is_superuser": True,
                                                                            "email": "bench@localhost"})
queue, _ = Queue.objects.get_or_create(slug="hotline", defaults={"title": "12345 热线", "allow_public_submission": True})
token, _ = Token.objects.get_or_create(user=user)
print(queue.pk, token.key)
'''


def write_peer_site() -> Path:
    """The peer project's files (rewritten every run, so they always match this module)."""
    package = PEER_SITE / "peersite"
    package.mkdir(parents=True, exist_ok=True)
    for name, text in (("__init__.py", ""), ("settings.py", SETTINGS), ("urls.py", URLS), ("wsgi.py", WSGI)):
        (package / name).write_text(text, encoding="utf-8")
    (PEER_SITE / "manage.py").write_text(textwrap.dedent('''\
        import os
        import sys

        from django.core.management import execute_from_command_line

        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peersite.settings")
        execute_from_command_line(sys.argv)
        '''), encoding="utf-8")
    return PEER_SITE


class PeerSite:
    """django-helpdesk on its own database of `pg`, served by gunicorn from the peer venv."""

    def __init__(self, pg: ScratchPostgres, workers: int) -> None:
        self.python = peer_python()
        self.versions = peer_versions(self.python)
        self.pg, self.workers = pg, workers
        write_peer_site()
        self.url = pg.create_database("peer")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "DJANGO_"))}
        self.env.update({"PEER_DATABASE_URL": self.url, "DJANGO_SETTINGS_MODULE": "peersite.settings",
                         "PYTHONPATH": str(PEER_SITE)})
        self.server: Server | None = None
        self.queue = 0
        self.token = ""

    def manage(self, *args: str) -> str:
        done = subprocess.run([str(self.python), "manage.py", *args], cwd=PEER_SITE, env=self.env,  # noqa: S603
                              capture_output=True, text=True, timeout=900, check=False)
        if done.returncode != 0:
            raise BenchError(f"peer: manage.py {' '.join(args)} failed: {done.stderr[-3000:]}")
        return done.stdout

    def open(self) -> PeerSite:
        started = time.perf_counter()
        self.manage("migrate", "--noinput")
        queue, token = self.manage("shell", "-c", SETUP).strip().splitlines()[-1].split()
        self.queue, self.token = int(queue), token
        self.server = Server(self.env, workers=self.workers, app="peersite.wsgi:application", cwd=PEER_SITE,
                             gunicorn=str(PEER_VENV / "bin" / "gunicorn"), log=PEER_SITE / "gunicorn.log").start()
        print(f"peer ready ({self.versions}; migrate + start {time.perf_counter() - started:.1f} s) on "
              f"127.0.0.1:{self.server.port}", flush=True)
        return self

    def ticket_ids(self) -> set[str]:
        return set(self.pg.psql("SELECT id FROM helpdesk_ticket", "peer").split())

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


class TicketFeed:
    """The same citizen messages as the hotline's feed, as django-helpdesk tickets."""

    def __init__(self, bodies: list[dict[str, Any]], queue: int) -> None:
        self.bodies, self.queue = bodies, queue

    def __call__(self, client: int, seq: int) -> Request:
        body = self.bodies[(client * 7919 + seq) % len(self.bodies)]
        return Request("POST", "/helpdesk/api/tickets/", {
            "queue": self.queue, "title": body["title"] or body["description"][:40],
            "description": body["description"], "submitter_email": "citizen@example.com", "priority": 3,
        })


# --- The benchmark --------------------------------------------------------------------------------------


@benchmark(NAME)
def intake_vs_peer(argv: Sequence[str]) -> Figure | None:
    """The intake load against the hotline and django-helpdesk in one run (target ratio ≥ 2)."""
    from hotline.bench.intake_site import HotlineSite, postgres_available

    args = _parser().parse_args(list(argv))
    if args.clients < 1 or args.duration <= 0 or args.rounds < 1 or args.workers < 1:
        raise BenchError("--clients, --duration, --rounds and --workers must be positive")
    if why := postgres_available():
        raise BenchError(f"PostgreSQL is not available: {why}")
    bodies = order_bodies(4000, args.seed)
    with ScratchPostgres(prefix="hotline-bench-peer-pg-") as pg:
        peer = PeerSite(pg, args.workers)
        site = HotlineSite(server_url=pg.url("postgres"), workers=args.workers, followups=args.followups)
        try:
            print("setting up the hotline on the same PostgreSQL cluster …", flush=True)
            site.open()
            peer.open()
            assert site.server is not None and peer.server is not None
            ours_headers = {"Authorization": f"Bearer {site.key}", "Accept-Language": "en"}
            peer_headers = {"Authorization": f"Token {peer.token}", "Accept": "application/json"}
            ours_before, peer_before = site.numbers(), peer.ticket_ids()
            ours: list[Measurement] = []
            theirs: list[Measurement] = []
            warm: list[Measurement] = []
            catch_up: list[float] = []
            if args.warmup > 0:
                warm.append(measure(site.server.port, OrderFeed(bodies, f"warm{os.getpid()}"), clients=args.clients,
                                    duration=args.warmup, headers=ours_headers))
                warm[-1].report("hotline warm-up (not counted)")
                _catch_up(site)
                warm.append(measure(peer.server.port, TicketFeed(bodies, peer.queue), clients=args.clients,
                                    duration=args.warmup, headers=peer_headers))
                warm[-1].report("django-helpdesk warm-up (not counted)")
            for round_ in range(1, args.rounds + 1):
                print(f"round {round_}: {load_average()}", flush=True)
                ours.append(measure(site.server.port, OrderFeed(bodies, f"r{round_}-{os.getpid()}"),
                                    clients=args.clients, duration=args.duration, headers=ours_headers))
                ours[-1].report(f"  hotline, {args.clients} clients")
                catch_up.append(_catch_up(site))
                theirs.append(measure(peer.server.port, TicketFeed(bodies, peer.queue), clients=args.clients,
                                      duration=args.duration, headers=peer_headers))
                theirs[-1].report(f"  django-helpdesk, {args.clients} clients")
            everything = [*warm, *ours, *theirs]
            _check(site.numbers() - ours_before, [o for m in everything for o in m.outcomes if o.request
                                                  and o.request.path.startswith("/api/v1/")], "orders", "number")
            _check(peer.ticket_ids() - peer_before, [o for m in everything for o in m.outcomes if o.request
                                                     and o.request.path.startswith("/helpdesk/")], "tickets", "id")
        finally:
            peer.close()
            site.close()
    ours_rate = sum(len(m.accepted) for m in ours) / sum(m.seconds for m in ours)
    peer_rate = sum(len(m.accepted) for m in theirs) / sum(m.seconds for m in theirs)
    ours_p95 = _p95([x for m in ours for x in m.latencies_ms])
    peer_p95 = _p95([x for m in theirs for x in m.latencies_ms])
    print(f"hotline: {ours_rate:.1f} orders/s p95={ours_p95:.0f} ms; django-helpdesk: {peer_rate:.1f} tickets/s "
          f"p95={peer_p95:.0f} ms ({args.workers} gunicorn workers each, {args.clients} clients, "
          f"{args.rounds} × {args.duration:.0f} s each)", flush=True)
    if peer_rate <= 0:
        raise BenchError("django-helpdesk accepted no ticket: no ratio")
    if site.worker is not None:
        sustained = sum(len(m.accepted) for m in ours) / (sum(m.seconds for m in ours) + sum(catch_up))
        print(f"hotline including the follow-up's catch-up after each round ({sum(catch_up):.1f} s in all): "
              f"{sustained:.1f} orders/s = {sustained / peer_rate:.2f}x django-helpdesk", flush=True)
    # The last line is `intake-vs-peer: <ratio>x` (no space before the x), so it is printed here.
    print(rss_line(), flush=True)
    print(f"{NAME}: {ours_rate / peer_rate:.2f}x", flush=True)
    return None


def _catch_up(site: Any) -> float:
    """Wait until the hotline's worker has followed up every order (so the peer's round runs on a quiet
    machine); the seconds it took (0 when the follow-up runs inline)."""
    if site.worker is None:
        return 0.0
    try:
        seconds = site.worker.wait_drained(site.missing_follow_ups, site.queued_messages)
    except (TimeoutError, RuntimeError) as exc:
        raise BenchError(f"the hotline's follow-up did not catch up: {exc}") from exc
    print(f"  hotline follow-up (worker) caught up in {seconds:.1f} s", flush=True)
    return seconds


def _p95(values: list[float]) -> float:
    from hotline.bench.intake_env import percentile

    return percentile(values, 0.95)


def _check(stored: set[str], outcomes: list[Any], what: str, field: str) -> None:
    """The database holds exactly what the server accepted (warm-ups included)."""
    answered = accepted_numbers(outcomes, field)
    if set(answered) != stored or len(answered) != len(stored):
        raise BenchError(f"{what}: {len(answered)} accepted answers but {len(stored)} new rows "
                         f"({len(set(answered) - stored)} answered and missing)")
    print(f"database check, {what}: {len(stored)} new rows = {len(answered)} accepted answers", flush=True)


