"""Demo-only pages: the mailbox of every email and SMS the demo sent, and the SMS sink."""

from __future__ import annotations

import json
import uuid

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ebhxh.demo import sinks
from ebhxh.notifications.selectors import outbox_counts, recent_messages

TABS = ("email", "sms", "outbox")


def mailbox(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "email")
    if tab not in TABS:
        tab = "email"
    context: dict[str, object] = {
        "tab": tab,
        "emails": sinks.received_emails() if tab == "email" else [],
        "sms_list": sinks.received_sms() if tab == "sms" else [],
        "outbox": recent_messages() if tab == "outbox" else [],
    }
    counts = outbox_counts()
    context["waiting"] = counts.get("pending", 0) + counts.get("sending", 0)
    context["failed"] = counts.get("failed", 0)
    return render(request, "demo/mailbox.html", context)


def email_detail(request: HttpRequest, key: str) -> HttpResponse:
    message = sinks.received_email(key)
    if message is None:
        raise Http404("Không tìm thấy thư.")
    return render(request, "demo/email_detail.html", {"message": message})


@csrf_exempt
@require_POST
def sms_gateway(request: HttpRequest) -> JsonResponse:
    """Accepts what `HttpSmsGateway` posts, like a real provider would."""
    try:
        payload = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error": "Nội dung phải là JSON."}, status=400)
    if not isinstance(payload, dict) or not payload.get("to") or not payload.get("text"):
        return JsonResponse({"error": "Thiếu trường 'to' hoặc 'text'."}, status=400)
    entry = sinks.record_sms({**payload, "id": str(uuid.uuid4())})
    return JsonResponse({"id": entry["id"], "status": "accepted"})
