"""Redis: the one store that owns every key and script, and the embedded server."""
