"""The BHXH side: gateway, registry, officer console, public portal."""
