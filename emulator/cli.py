"""`smartservice emulator`: run the LINE emulator and chat simulator."""
from __future__ import annotations

import click

from emulator.app import create_app


@click.command("emulator")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8090, show_default=True, type=int)
@click.option("--webhook-url", default=None, help="The bot's /callback (else EMULATOR_WEBHOOK_URL).")
@click.option("--redelivery/--no-redelivery", default=False, show_default=True,
              help="Redeliver failed webhooks like LINE's redelivery setting.")
@click.option("--bot-name", default=None, help="The Official Account's name in the simulator's header.")
def emulator_cli(host: str, port: int, webhook_url: str | None, redelivery: bool, bot_name: str | None) -> None:
    """Offline LINE platform: Messaging API, webhook sender and chat simulator."""
    app = create_app({"WEBHOOK_URL": webhook_url, "REDELIVERY": redelivery, "BOT_NAME": bot_name})
    click.echo(f"emulator: http://{host}:{port}  (simulator: http://{host}:{port}/simulator)")
    app.run(host=host, port=port, threaded=True, use_reloader=False)
