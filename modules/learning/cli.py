"""`smartservice nlu export-labels`: the back office's labels as `nlu.yml` lines, the
same file as the page's download, for the next training (docs/nlu.md)."""
from __future__ import annotations

from pathlib import Path

import click

from models.db import configured_database
from services import learning


@click.command("export-labels")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def export_labels(out: Path | None) -> None:
    """Texts staff labelled in DATABASE_URL, grouped by intent in nlu.yml format."""
    db = configured_database()
    try:
        with db.session() as session:
            text = learning.export_labels(session)
    finally:
        db.engine.dispose()
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"{text.count(chr(10) + '    - ')} examples → {out}", err=True)
