"""``halal-trace trace``: a batch's provenance on the command line."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from api.cli.common import OPERATOR, domain_errors
from api.db import get_session
from traceability.graph import graph_json
from traceability.service import provenance


@click.command("trace")
@click.argument("batch_id", type=int)
@click.option("--direction", type=click.Choice(["up", "down"]), default="up", show_default=True)
@click.option(
    "--depth",
    type=click.IntRange(0, provenance.MAX_DEPTH),
    default=None,
    help="Production steps to follow (all if omitted).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
@domain_errors
def trace_command(batch_id: int, direction: str, depth: int | None, as_json: bool) -> None:
    """Print what a batch is made of (up) or what was made from it (down)."""
    load = provenance.upstream_graph if direction == "up" else provenance.downstream_graph
    graph = load(get_session(), OPERATOR, batch_id, depth=depth)
    body = graph_json(graph, graph.graph["root"], upstream=direction == "up")
    if as_json:
        click.echo(json.dumps({**body, "direction": direction}, ensure_ascii=False, default=str))
        return
    for node in body["nodes"]:
        path = " <- " if direction == "up" else " -> "
        click.echo(f"{node['id']:<18} {path.join(body['paths'].get(node['id'], []))}")
