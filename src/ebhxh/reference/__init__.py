"""Reference data shared by every role: provinces, agencies, catalogues."""
