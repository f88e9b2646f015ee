"""Base layout, home page and shared web helpers."""
