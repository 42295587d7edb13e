"""`smartservice nlu ...`: train the model, evaluate it on a labelled file, parse a message."""
from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import click

from .data import TRAINING_FILE, load_any, load_yaml
from .evaluate import cross_validate, evaluate, format_report
from .model import load_or_train, model_path
from .pipeline import parse


@click.group("nlu")
def nlu_cli() -> None:
    """Thai NLU: intents and entities."""


@nlu_cli.command()
def train() -> None:
    """Train the intent model from nlu/data/nlu.yml and cache it."""
    started = time.perf_counter()
    model = load_or_train(force=True)
    click.echo(f"trained {len(model.classes)} intents in {time.perf_counter() - started:.1f} s → {model_path()}")


@nlu_cli.command("evaluate")
@click.option("--data", "data_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="nlu.yml-format file or JSON Lines of {\"text\", \"intent\"}.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def evaluate_cmd(data_file: Path, as_json: bool) -> None:
    """Accuracy, macro F1, per-intent precision/recall, per-family accuracy, the confusion table."""
    if data_file.resolve() == TRAINING_FILE.resolve():
        click.echo("note: evaluating on the training data itself; scores will be optimistic", err=True)
    data = load_any(data_file)
    if not data.examples:
        raise click.UsageError(f"{data_file} has no labelled examples")
    report = evaluate(data, parse)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else format_report(report))


@nlu_cli.command("cross-validate")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def cross_validate_cmd(folds: int, as_json: bool) -> None:
    """K-fold cross-validation of the whole pipeline on nlu/data/nlu.yml (trains k models)."""
    report, _ = cross_validate(load_yaml(TRAINING_FILE), folds=folds)
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if as_json else format_report(report))


@nlu_cli.command("parse")
@click.argument("text")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Resolve relative dates against this day (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def parse_cmd(text: str, today: object, as_json: bool) -> None:
    """Show the intent, confidence, alternatives and entities of one message."""
    day: date | None = today.date() if today is not None else None  # type: ignore[attr-defined]
    result = parse(text, today=day)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    verdict = "confident" if result.is_confident else "not sure"
    click.echo(f"text:    {result.text}")
    click.echo(f"intent:  {result.intent} ({result.confidence:.2f}, {verdict})")
    click.echo("ranking: " + ", ".join(f"{name} {score:.2f}" for name, score in result.ranking))
    if result.needs_choice:
        click.echo("ask:     " + " or ".join(result.alternatives(2)))
    if result.social:
        click.echo("social:  " + ", ".join(result.social))
    for e in result.to_dict()["entities"]:
        click.echo(f"entity:  {e['type']} {e['value']!r} → {e['normalised']} [{e['start']}:{e['end']}]")
