"""The HTTP routes, one blueprint per surface."""
