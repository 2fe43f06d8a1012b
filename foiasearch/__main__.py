"""``python -m foiasearch`` runs the CLI."""

from foiasearch.cli import main

main()
