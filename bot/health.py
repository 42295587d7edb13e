"""Liveness, readiness and metrics for the operator's monitoring."""
from __future__ import annotations

import os

import redis
from flask import Blueprint, Response, jsonify
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy.exc import SQLAlchemyError

from models.db import Database


def blueprint(db: Database, redis_client: redis.Redis | None) -> Blueprint:
    bp = Blueprint("health", __name__)

    @bp.get("/healthz")
    def healthz():  # noqa: ANN202 - a Flask view
        return jsonify({"status": "ok"})

    @bp.get("/readyz")
    def readyz():  # noqa: ANN202 - a Flask view
        return _readiness(db, redis_client)

    bp.add_url_rule("/metrics", view_func=metrics)
    return bp


def _readiness(db: Database, redis_client: redis.Redis | None):  # noqa: ANN202 - a Flask response
    """Ready while the database answers. Without Redis the bot still works (state
    from the database), so Redis down is reported as degraded, not unready."""
    checks: dict[str, str] = {}
    try:
        db.ping()
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    if redis_client is None:
        checks["redis"] = "not configured"
    else:
        try:
            redis_client.ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means Redis is not usable
            checks["redis"] = f"down: {type(exc).__name__}"
    if checks["database"] != "ok":
        status, code = "down", 503
    elif checks["redis"].startswith("down"):
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return jsonify({"status": status, **checks}), code


def metrics():  # noqa: ANN201 - a Flask view
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
