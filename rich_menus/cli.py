"""`smartservice richmenu ...`: render the images or deploy the menus."""
from __future__ import annotations

from pathlib import Path

import click

from config.profile import ProfileError, load_profile

from .deploy import deploy
from .image import render_image
from .model import guest_menu, member_menu, menus_for


def _profile(name: str):
    try:
        return load_profile(name)
    except ProfileError as exc:
        raise click.BadParameter(str(exc), param_hint="--profile") from exc


@click.group("richmenu")
def richmenu_cli() -> None:
    """Rich menus of the LINE Official Account."""


@richmenu_cli.command("render")
@click.option("--profile", "profile_name", envvar="ORG_PROFILE", required=True,
              help="Organisation profile: a bundled name or a .yml path.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for richmenu-<key>.png")
def render_command(profile_name: str, out_dir: Path) -> None:
    """Write each menu's image as richmenu-<key>.png."""
    profile = _profile(profile_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    for menu in menus_for(profile):
        path = out_dir / f"richmenu-{menu.key}.png"
        path.write_bytes(render_image(menu, profile))
        click.echo(f"{menu.key}: {path} ({path.stat().st_size:,} bytes)")


@richmenu_cli.command("deploy")
@click.option("--profile", "profile_name", envvar="ORG_PROFILE", required=True,
              help="Organisation profile: a bundled name or a .yml path.")
@click.option("--api-base", envvar="LINE_API_BASE", default="https://api.line.me", show_default=True,
              help="Messaging API base URL (the emulator's URL to try it offline).")
@click.option("--access-token", envvar="LINE_CHANNEL_ACCESS_TOKEN", required=True,
              help="Channel access token (default: $LINE_CHANNEL_ACCESS_TOKEN).")
@click.option("--timeout", default=10.0, show_default=True, help="Seconds per API call.")
def deploy_command(profile_name: str, api_base: str, access_token: str, timeout: float) -> None:
    """Create, upload, alias and set the default; safe to run again."""
    profile = _profile(profile_name)
    report = deploy(profile, api_base=api_base, access_token=access_token, timeout=timeout, progress=click.echo)
    click.echo(
        f"done: {len(report.created)} created, {len(report.reused)} unchanged, "
        f"{len(report.deleted_menus)} deleted; default {guest_menu(profile).key}, "
        f"after registration {member_menu(profile).key}"
    )
    if report.replaced:
        click.echo(f"note: {len(report.replaced)} menu(s) replaced; users linked to them need linking again")
