"""``python -m service`` runs the ``hedgerow`` command."""

from service.cli import main

main()
