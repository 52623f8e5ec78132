"""Under each replica's address: `replicas/<id>/review/…` (included by portal/replicas/urls.py)."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.review_box, name="box"),
    path("comments/", views.add_comment, name="add"),
    path("comments/<int:comment_id>/", views.comment_card, name="comment"),
    path("comments/<int:comment_id>/edit/", views.edit_comment, name="edit"),
    path("comments/<int:comment_id>/delete/", views.delete_comment, name="delete"),
    path("viewed/", views.mark_viewed, name="viewed"),
    path("send/", views.send_review, name="send"),
]
