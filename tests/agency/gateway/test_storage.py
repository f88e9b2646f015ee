"""Stored envelopes are compressed with lz4 on PostgreSQL (migration 0003)."""

from __future__ import annotations

import pytest
from django.db import connection

from ebhxh.agency.gateway.models import Dossier

pytestmark = pytest.mark.django_db


def test_envelopes_and_receipts_use_lz4_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("column compression is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname IN ('envelope', 'receipt') "
            "ORDER BY attname",
            [Dossier._meta.db_table],
        )
        rows = cursor.fetchall()
    assert rows == [("envelope", "l"), ("receipt", "l")]
