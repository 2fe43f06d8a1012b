"""Options shared by the commands: one filter option per facet.

Every command that runs a query (``search``, ``export``, ``saved add``)
takes the same ``--tag``/``--actor``/... options, generated from the facet
registry (index.facet_registry, through search.api), so they cannot drift.

>>> import click
>>> @click.command()
... @filter_options
... def show(**options): click.echo(filters_of(options))
>>> from click.testing import CliRunner
>>> CliRunner().invoke(show, ["--tag", "ICE", "--site", "a.org"]).output
"{'tag': ['ICE'], 'site': ['a.org']}\\n"
"""

from __future__ import annotations

from collections.abc import Callable

import click

from foiasearch.search.api import FACETS


def filter_options(command: Callable) -> Callable:
    """--tag, --actor, ...: repeatable filters, OR within one, AND across."""
    for facet in reversed(FACETS):
        command = click.option(f"--{facet.name}", f"filter_{facet.name}", multiple=True, metavar="VALUE",
                               help=facet.option_help)(command)
    return command


def filters_of(options: dict) -> dict[str, list[str]]:
    """The ``--tag``/``--actor``/... values given, as Query.filters."""
    return {key[len("filter_"):]: list(values) for key, values in options.items()
            if key.startswith("filter_") and values}
