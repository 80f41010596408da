"""The ``filmtour`` command line: serve the API, manage the database, the street network and routes.

One module per group of commands; each registers its commands on the Typer apps in ``app.cli.common`` when
imported here. Commands import what they need when they run, so ``filmtour --help`` stays fast."""

from app.cli import atlas, city, data, db, export, geocoder, maps, network, prepare, serve  # noqa: F401  (registers the commands)
from app.cli.common import cli


def main() -> None:
    cli()


__all__ = ["cli", "main"]
