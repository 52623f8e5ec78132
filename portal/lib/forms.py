"""The project's FormRenderer: every form field goes through templates/forms/field.html.

One template renders the label, the widget, its errors (role="alert") and its help text, so
no page writes its own error block per field (and no field can show another field's errors).
"""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class PortalFormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
