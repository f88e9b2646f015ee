"""Synthetic registry data for demos, tests and load tests: `ebhxh seed`.

Rows are a pure function of the seed, the reference tables and what the registry already
holds, so a run can be repeated exactly. The modules split along that line:

- `vocabulary`, `identifiers`, `rows`: pure Python (no Django), so the PostgreSQL loader can
  generate rows in separate processes that start without settings;
- `plan`: reads the database once to fix everything a run depends on;
- `loading`: writes rows with COPY on PostgreSQL or `bulk_create` elsewhere.

This module imports nothing on purpose: worker processes import `rows` without Django.
"""
