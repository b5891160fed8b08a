"""Shared test machinery: real Redis servers, real HTTP servers, real processes."""
