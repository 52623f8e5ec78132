"""The chat panel (being built)."""

from __future__ import annotations

from django.shortcuts import render

from portal.accounts.acting import requires_api_key

from .common import load_replica_page


@requires_api_key
async def chat_panel(request, replica_id):
    page = await load_replica_page(request, str(replica_id))
    return render(request, "replicas/chat.html", page.context("chat"))


history = create_chat = delete_chat = send_message = chat_panel
