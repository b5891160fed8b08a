"""Registered sites: their keys, secrets, origins and settings."""
