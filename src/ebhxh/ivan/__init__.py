"""The employer app of an I-VAN provider."""
