"""Entry page of the remote-signing service."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ebhxh.reference.procedures import all_procedures


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "esign/home.html", {"procedures": all_procedures()})
