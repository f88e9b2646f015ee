"""Pages that belong to no single role."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from ebhxh.core.roles import ROLES


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"roles": ROLES})


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability for load balancers and the demo launcher."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "database": connection.vendor})
