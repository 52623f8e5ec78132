from __future__ import annotations

from django.urls import include, path

from portal import views

urlpatterns = [
    # Everything but /healthz and the sign-in pages needs a signed-in user (the
    # authorization-matrix test in tests/accounts walks every URL to hold that).
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("", include("portal.accounts.urls")),
    path("", include("portal.replicas.urls")),
    path("", include("portal.environments.urls")),
    path("", include("portal.automations.urls")),
    path("", include("portal.webhooks.urls")),
    path("", include("portal.fleet.urls")),
]
