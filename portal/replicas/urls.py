from __future__ import annotations

from django.urls import include, path

from .views import canvas, chat, create, detail, diffs, hooks, list, queue, stream

app_name = "replicas"

urlpatterns = [
    # List and create (list.py, create.py).
    path("replicas/", list.replica_list, name="list"),
    path("replicas/results/", list.list_results, name="list_results"),
    path("replicas/new/", create.create_replica, name="create"),
    path("replicas/new/check-name/", create.check_name, name="check_name"),
    path("replicas/new/agent-fields/", create.agent_fields, name="agent_fields"),
    # Detail page: header + actions (detail.py); the default panel is the chat (chat.py).
    path("replicas/<uuid:replica_id>/", chat.chat_panel, name="detail"),
    path("replicas/<uuid:replica_id>/header/", detail.header, name="header"),
    path("replicas/<uuid:replica_id>/wake/", detail.wake, name="wake"),
    path("replicas/<uuid:replica_id>/sleep/", detail.sleep, name="sleep"),
    path("replicas/<uuid:replica_id>/archive/", detail.archive, name="archive"),
    path("replicas/<uuid:replica_id>/delete/", detail.delete, name="delete"),
    # Chat panel and its live stream.
    path("replicas/<uuid:replica_id>/events/", stream.events, name="events"),
    path("replicas/<uuid:replica_id>/chats/<str:chat_id>/history/", chat.history, name="history"),
    path("replicas/<uuid:replica_id>/chats/new/", chat.create_chat, name="create_chat"),
    path(
        "replicas/<uuid:replica_id>/chats/<str:chat_id>/delete/",
        chat.delete_chat,
        name="delete_chat",
    ),
    path("replicas/<uuid:replica_id>/messages/", chat.send_message, name="send_message"),
    # Queue editor.
    path("replicas/<uuid:replica_id>/queue/", queue.queue_panel, name="queue"),
    path(
        "replicas/<uuid:replica_id>/chats/<str:chat_id>/queue/reorder/",
        queue.reorder,
        name="queue_reorder",
    ),
    path(
        "replicas/<uuid:replica_id>/chats/<str:chat_id>/queue/<str:message_id>/remove/",
        queue.remove,
        name="queue_remove",
    ),
    path(
        "replicas/<uuid:replica_id>/chats/<str:chat_id>/queue/clear/",
        queue.clear,
        name="queue_clear",
    ),
    # Canvas, diffs, hook logs (canvas.py, diffs.py, hooks.py).
    # Canvas filenames are basenames (no "/"): <str:filename>.
    path("replicas/<uuid:replica_id>/canvas/", canvas.canvas_panel, name="canvas"),
    path(
        "replicas/<uuid:replica_id>/canvas/<str:filename>/",
        canvas.canvas_item,
        name="canvas_item",
    ),
    path(
        "replicas/<uuid:replica_id>/canvas/<str:filename>/frame/",
        canvas.canvas_frame,
        name="canvas_frame",
    ),
    path(
        "replicas/<uuid:replica_id>/canvas/<str:filename>/raw/",
        canvas.canvas_file,
        name="canvas_file",
    ),
    path(
        "replicas/<uuid:replica_id>/canvas/<str:filename>/download/",
        canvas.canvas_file,
        {"download": True},
        name="canvas_download",
    ),
    path("replicas/<uuid:replica_id>/diffs/", diffs.diffs_panel, name="diffs"),
    path("replicas/<uuid:replica_id>/hooks/", hooks.hooks_panel, name="hooks"),
    # Review tools on the diffs and canvas panels (portal/reviews/).
    path("replicas/<uuid:replica_id>/review/", include("portal.reviews.urls")),
]
