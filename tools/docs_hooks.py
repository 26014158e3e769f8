"""mkdocs hooks: the HTTP API reference page is written from the service's own OpenAPI document at build time,
so it can never disagree with the code (``docs/reference/api.md`` is generated, not kept in git)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
METHODS = ("get", "post", "put", "patch", "delete")


def api_reference(spec: dict[str, Any]) -> str:
    """One section per tag, one row per operation: method, path, summary."""
    lines = [
        "# HTTP API reference",
        "",
        f"Generated from the service's OpenAPI {spec.get('openapi', '3')} document "
        "(served at `/api/v1/openapi.json`). Authenticate with `Authorization: Bearer <token>`; every error is "
        "`application/problem+json`.",
        "",
    ]
    by_tag: dict[str, list[tuple[str, str, str]]] = {}
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            summary = (operation.get("summary") or operation.get("description") or "").strip().splitlines()
            tag = (operation.get("tags") or ["other"])[0]
            text = summary[0].replace("|", "\\|") if summary else ""
            by_tag.setdefault(tag, []).append((method.upper(), path, text))
    descriptions = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    for tag in sorted(by_tag):
        lines += [f"## {tag}", ""]
        if descriptions.get(tag):
            lines += [descriptions[tag].strip(), ""]
        lines += ["| method | path | what |", "|---|---|---|"]
        lines += [f"| {m} | `{p}` | {s} |" for m, p, s in by_tag[tag]]
        lines.append("")
    return "\n".join(lines)


def on_pre_build(config: Any, **kwargs: Any) -> None:
    sys.path.insert(0, str(ROOT))
    from api import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "docs", "LOG_FORMAT": None, "DATABASE_URL": "sqlite://"})
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    target = Path(config["docs_dir"]) / "reference" / "api.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    text = api_reference(spec)
    if not target.exists() or target.read_text() != text:
        target.write_text(text)
