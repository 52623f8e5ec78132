from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import TemplateView

from .views import acting, audit, auth, keys, team

account_patterns = [
    path("account/password/", auth.change_password, name="change_password"),
    path("account/keys/", keys.api_keys, name="api_keys"),
    path("account/keys/needed/", keys.key_needed, name="key_needed"),
    path("account/keys/personal/", keys.save_personal_key, name="save_personal_key"),
    path("account/keys/personal/delete/", keys.delete_personal_key, name="delete_personal_key"),
    path("account/keys/org/", keys.save_org_key, name="save_org_key"),
    path("account/keys/org/delete/", keys.delete_org_key, name="delete_org_key"),
    path("account/acting/", acting.switch_acting, name="switch_acting"),
    path("team/", team.team, name="team"),
    path("team/add/", team.add_member, name="add_member"),
    path("team/settings/", team.portal_settings, name="portal_settings"),
    path("team/<int:user_id>/role/", team.change_role, name="change_role"),
    path("team/<int:user_id>/active/", team.set_active, name="set_active"),
    path("team/<int:user_id>/link/", team.make_set_password_link, name="set_password_link"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("set-password/<uidb64>/<token>/", auth.SetPasswordView.as_view(), name="set_password"),
    path(
        "set-password/done/",
        TemplateView.as_view(template_name="registration/set_password_done.html"),
        name="set_password_done",
    ),
]

urlpatterns = [
    # Un-namespaced: settings.LOGIN_URL / LOGOUT_REDIRECT_URL and other apps use these names.
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "signed-out/",
        TemplateView.as_view(template_name="accounts/signed_out.html"),
        name="signed_out",
    ),
    path("", include((account_patterns, "accounts"))),
]
