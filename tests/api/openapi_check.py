"""Check a response against the app's own OpenAPI document (``/openapi.json``).

The operation is found by matching the request path against the document's path templates; the
status code must be documented for it (or ``default``), and a JSON body must validate against
the documented schema (JSON Schema 2020-12, as OpenAPI 3.1 uses; ``$ref`` resolved against the
whole document).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import jsonschema_rs


class OpenApiMismatch(AssertionError):
    pass


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{regex}$")


class OpenApiChecker:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._paths = [(_pattern(t), t) for t in document["paths"]]
        self.checked: list[tuple[str, str, int]] = []

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        for pattern, template in self._paths:
            if pattern.match(path) and method.lower() in self.document["paths"][template]:
                return template, self.document["paths"][template][method.lower()]
        raise OpenApiMismatch(f"{method} {path} is not in the OpenAPI document")

    def check(self, response: httpx.Response) -> httpx.Response:
        request = response.request
        template, operation = self.operation(request.method, request.url.path)
        responses = operation["responses"]
        documented = responses.get(str(response.status_code)) or responses.get("default")
        if documented is None:
            raise OpenApiMismatch(
                f"{request.method} {template}: status {response.status_code} is not documented "
                f"(documented: {sorted(responses)})"
            )
        content = documented.get("content", {})
        if "application/json" in content:
            assert response.headers["content-type"].startswith("application/json"), response.headers
            schema = content["application/json"]["schema"]
            validator = jsonschema_rs.validator_for(
                {**schema, "components": self.document.get("components", {})}, validate_formats=True
            )
            errors = [
                f"{e.instance_path}: {e.message}" for e in validator.iter_errors(response.json())
            ]
            if errors:
                raise OpenApiMismatch(
                    f"{request.method} {template} {response.status_code}: " + "; ".join(errors[:5])
                )
        self.checked.append((request.method, template, response.status_code))
        return response
