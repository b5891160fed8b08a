"""The ``hedgerow`` command, one module per command group."""
