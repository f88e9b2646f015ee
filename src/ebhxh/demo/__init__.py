"""Demo sinks (mailbox, SMS) and demo data."""
