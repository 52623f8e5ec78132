"""The Automations area: /automations/…

The list, create and the as-you-type helpers (views/list.py, views/edit.py); an automation's
page with its boxes: runs, the enabled switch, run now, the webhook's test event, edit and
delete (views/detail.py, views/edit.py). Every automation URL takes its UUID.
"""

from __future__ import annotations

from django.urls import path

from .views import detail, edit
from .views import list as list_views

app_name = "automations"

A = "automations/<uuid:automation_id>"

urlpatterns = [
    path("automations/", list_views.automation_list, name="list"),
    path("automations/new/", edit.create_automation, name="create"),
    path("automations/cron-preview/", edit.cron_preview, name="cron_preview"),
    path("automations/agent-fields/", edit.agent_fields, name="agent_fields"),
    path("automations/prompt-preview/", edit.prompt_preview, name="prompt_preview"),
    path(f"{A}/", detail.automation_detail, name="detail"),
    path(f"{A}/edit/", edit.edit_automation, name="edit"),
    path(f"{A}/executions/", detail.executions, name="executions"),
    path(f"{A}/toggle/", detail.toggle, name="toggle"),
    path(f"{A}/run/", detail.run_now, name="run"),
    path(f"{A}/test-event/", detail.test_fire, name="test_fire"),
    path(f"{A}/delete/", detail.delete_automation, name="delete"),
]
