"""``smartservice``: the operator's command line."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import click

from bot.settings import SettingsError, load_settings
from config.profile import ProfileError, bundled_profiles

if TYPE_CHECKING:
    from bot.app import Assembly
    from scheduler.jobs import Job

DEMO_SECRET = "demo-channel-secret-0123456789"
DEMO_TOKEN = "demo-channel-access-token-0123456789"


@click.group(help="Smart Service: LINE chatbot platform for Thai local organisations.")
def main() -> None:
    pass


def _settings_or_exit():
    try:
        return load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc


@main.group(help="Database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Apply every migration to DATABASE_URL (safe to run again).")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    from models import migrate
    from models.db import DatabaseSettings

    url = DatabaseSettings().database_url  # the LINE keys and the rest are not needed for this
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {revision}: {url.split('@')[-1]}")


@main.command(help="Run the bot under gunicorn (production).")
@click.option("--bind", default=None, help="host:port (default 0.0.0.0:$PORT or :8080)")
def serve(bind: str | None) -> None:
    _settings_or_exit()  # fail here, with a readable message, not in every worker
    conf = Path(__file__).with_name("gunicorn_conf.py")
    args = ["gunicorn", "-c", str(conf)]
    if bind:
        args += ["--bind", bind]
    os.execvp(sys.executable, [sys.executable, "-m", *args, "bot.app:create_app()"])


@main.command(help="Start the bot, its job process and the LINE emulator with its chat simulator, on SQLite "
                    "with demo data.")
@click.option("--profile", "profile_name", default="tenant", show_default=True,
              type=click.Choice(bundled_profiles()), help="organisation profile")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--bot-port", default=8080, show_default=True)
@click.option("--emulator-port", default=8090, show_default=True)
@click.option("--data-dir", default=".demo", show_default=True, type=click.Path(file_okay=False))
def demo(profile_name: str, host: str, bot_port: int, emulator_port: int, data_dir: str) -> None:
    from werkzeug.serving import make_server

    import emulator
    import rich_menus
    from bot import logs
    from bot.app import create_app
    from models import migrate
    from models.db import Database
    from services.demo import seed_demo
    from services.staff import DEMO_PASSWORD, DEMO_STAFF, ROLE_NAMES

    logs.configure("WARNING")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines in the demo
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    bot_url = f"http://{host}:{bot_port}"
    emulator_url = f"http://{host}:{emulator_port}"
    env = {
        "LINE_CHANNEL_SECRET": DEMO_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": DEMO_TOKEN,
        "LINE_API_BASE": emulator_url,
        "DATABASE_URL": f"sqlite:///{Path(data_dir).resolve() / f'demo-{profile_name}.db'}",
        "ORG_PROFILE": profile_name,
        "PUBLIC_BASE_URL": bot_url,
        "DATA_DIR": str(Path(data_dir).resolve()),
        "SECRET_KEY": os.environ.get("SECRET_KEY", "demo-secret-key-change-me-0123456789"),
    }
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    settings = _settings_or_exit()
    migrate.upgrade(settings.database_url)
    db = Database(settings.database_url)
    with db.session() as session, session.begin():
        seeded = seed_demo(session, settings.profile, today=date.today())
    db.engine.dispose()

    emulator_app = emulator.create_app({
        "CHANNEL_SECRET": DEMO_SECRET, "CHANNEL_ACCESS_TOKEN": DEMO_TOKEN,
        "WEBHOOK_URL": f"{bot_url}/callback", "REDELIVERY": True, "SMS_DATABASE_URL": settings.database_url,
        "BOT_NAME": settings.profile.name,  # the Official Account's name, as the simulator's header shows it
    })
    servers = [make_server(host, emulator_port, emulator_app, threaded=True),
               make_server(host, bot_port, create_app(settings), threaded=True)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    scheduler_log = Path(data_dir).resolve() / "scheduler.log"
    with scheduler_log.open("ab") as log_file:  # the child keeps its own copy open
        job_process = subprocess.Popen([sys.executable, "-c", "from bot.cli import main; main()", "scheduler"],
                                       stdout=log_file, stderr=log_file)
    report = rich_menus.deploy(settings.profile, api_base=emulator_url, access_token=DEMO_TOKEN)
    click.echo(f"Smart Service demo — {settings.profile.name}")
    click.echo(f"bot: {bot_url}")
    click.echo(f"emulator: {emulator_url}")
    click.echo(f"simulator: {emulator_url}/")
    click.echo(f"backoffice: {bot_url}/admin")
    click.echo(f"backoffice logins (password {DEMO_PASSWORD}): "
               + ", ".join(f"{username} ({ROLE_NAMES[role]})" for username, role, _name, _units in DEMO_STAFF))
    click.echo(f"scheduler: process {job_process.pid}, log {scheduler_log}")
    click.echo(f"demo data: {len(seeded.created) + len(seeded.skipped)} customers "
               f"({', '.join(seeded.created + seeded.skipped)})")
    click.echo(f"rich menus: {len(report.menus)} deployed; press Ctrl+C to stop")
    # Stopped by a process manager rather than Ctrl+C: the same clean stop, job process included.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        click.echo("stopping")
    finally:
        job_process.terminate()  # Ctrl+C in a terminal has reached it already; SIGTERM again is harmless
        for server in servers:
            server.shutdown()
        job_process.wait(timeout=60)


@main.command("scheduler", help="Run the periodic jobs (one leader among every process started; the others "
                                "stand by).")
def scheduler_command() -> None:
    import nlu
    from bot import logs
    from bot.app import assemble
    from scheduler.runner import Runner

    settings = _settings_or_exit()
    logs.configure("INFO")
    # Our runner logs each run once; APScheduler would add two lines to it. And a run
    # still going when the next is due is normal (they become one run), not a warning.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    parts = assemble(settings)
    nlu.parse("สวัสดี")  # load the model now, not inside the first event taken over
    jobs = platform_jobs(parts) + [job for module in parts.modules for job in module.jobs]
    runner = Runner(parts.services, jobs)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: runner.stop())
    click.echo(f"scheduler: {len(jobs)} jobs ({', '.join(job.name for job in jobs)}); "
               f"database {settings.database_url.split('@')[-1]}", err=True)
    try:
        runner.run()
    finally:
        parts.dispatcher.shutdown()
        parts.services.db.engine.dispose()
    click.echo("scheduler: stopped", err=True)


def platform_jobs(parts: Assembly) -> list[Job]:
    """The jobs of every deployment, whatever modules it runs."""
    from scheduler.jobs import Job
    from services import retention

    settings, dispatcher = parts.settings, parts.dispatcher
    return [
        # Events nobody is answering (a dead process's, a full queue's, those whose
        # pause is over), the dead given up, pushes and SMS still due.
        Job("events", timedelta(seconds=settings.sweep_interval_seconds), lambda _services: dispatcher.sweep()),
        Job("retention", timedelta(hours=1), retention.prune),
    ]


@main.command("profile", help="Validate an organisation profile, with what its modules need, and print what it "
                              "enables.")
@click.argument("name")
def profile_check(name: str) -> None:
    import modules

    try:
        profile = modules.load_profile(name)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{profile.name} ({profile.kind}): modules {', '.join(m.key for m in modules.enabled(profile))}")


def _register_area_commands() -> None:
    from admin.cli import staff_cli
    from emulator.cli import emulator_cli
    from modules.learning.cli import export_labels
    from nlu.cli import nlu_cli
    from rich_menus.cli import richmenu_cli
    from services.demo import seed_demo_cli
    from services.identity.cli import sms_cli
    from services.payments.cli import qr_cli

    for command in (emulator_cli, nlu_cli, richmenu_cli, qr_cli, sms_cli, seed_demo_cli, staff_cli):
        main.add_command(command)
    nlu_cli.add_command(export_labels)  # the NLU knows no database: its labels come from the office's


_register_area_commands()
