"""The `tandem` command line: one module per command, joined here."""

from __future__ import annotations

import typer

from api.cli import eval, eval_search, events, index, kibana, serve, simulate, train, up

app = typer.Typer(no_args_is_help=True, help="Tandem: search and recommendations on Elasticsearch.")
app.command("up")(up.up)
app.command("index")(index.index)
app.command("serve")(serve.serve)
app.command("train")(train.train)
app.command("eval")(eval.evaluate)
app.command("eval-search")(eval_search.eval_search)
app.command("simulate")(simulate.simulate)
app.add_typer(events.app, name="events")
app.add_typer(kibana.app, name="kibana")


def main() -> None:
    app()
