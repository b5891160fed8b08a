"""``python -m service`` runs the ``hedgerow`` command."""

from service.cli.main import main

main()
