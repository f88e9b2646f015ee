"""Forms of the business procedures, starting with D02-TS of procedure 600."""
