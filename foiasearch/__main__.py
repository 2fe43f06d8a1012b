"""``python -m foiasearch`` runs the CLI (a plain search without click: foiasearch.quick)."""

from foiasearch.quick import main

main()
