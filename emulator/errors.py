"""LINE's error shape: {"message": ..., "details": [{"message": ..., "property": ...}]}."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import Response, jsonify


@dataclass(frozen=True)
class Detail:
    message: str
    property: str


@dataclass
class LineApiError(Exception):
    status: int
    message: str
    details: list[Detail] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict:
        body: dict = {"message": self.message}
        if self.details:
            body["details"] = [{"message": d.message, "property": d.property} for d in self.details]
        return body

    def response(self) -> Response:
        resp = jsonify(self.body())
        resp.status_code = self.status
        resp.headers.update(self.headers)
        return resp


def invalid_body(details: list[Detail]) -> LineApiError:
    return LineApiError(400, f"The request body has {len(details)} error(s)", details)


def not_found(message: str = "Not found") -> LineApiError:
    return LineApiError(404, message)
