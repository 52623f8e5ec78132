"""The one endpoint the Replica API POSTs replica events to (CSRF-exempt, no sign-in: the
per-replica HMAC signature is the authentication). `receive.py` decides; this answers."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..processing import process_event
from ..receive import Verdict, receive


@csrf_exempt
@require_POST
def receive_webhook(request, token: str):
    answer = receive(request, token)
    if answer.verdict == Verdict.VALID and answer.event is not None:
        # Stored: the 200 is owed whatever processing does (it retries by itself on failure).
        process_event(answer.event.pk)
    return HttpResponse(answer.text, status=answer.status, content_type="text/plain")
