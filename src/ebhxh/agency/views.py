"""Entry pages of the agency deployable: public portal and officer console."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def portal(request: HttpRequest) -> HttpResponse:
    return render(request, "agency/portal.html")


def officer(request: HttpRequest) -> HttpResponse:
    return render(request, "agency/officer.html")
