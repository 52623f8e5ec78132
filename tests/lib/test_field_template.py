"""The one field template renders every kind of widget, with its label and errors."""

from __future__ import annotations

from django import forms


class Everything(forms.Form):
    name = forms.CharField(help_text="No spaces.")
    agree = forms.BooleanField()
    colours = forms.MultipleChoiceField(
        choices=[("r", "Red"), ("g", "Green")], widget=forms.CheckboxSelectMultiple
    )
    size = forms.ChoiceField(choices=[("s", "Small"), ("l", "Large")], widget=forms.RadioSelect)


def test_every_widget_is_rendered_once_with_its_label():
    html = str(Everything())
    assert html.count('name="name"') == 1 and "No spaces." in html
    assert html.count('name="agree"') == 1
    assert html.count('name="colours"') == 2 and "Red" in html and "Green" in html
    assert html.count('name="size"') == 2
    assert "<legend" in html  # multiple checkboxes and radios are grouped in a fieldset


def test_errors_are_alerts_next_to_their_own_field():
    form = Everything(data={"name": "", "colours": ["x"]})
    assert not form.is_valid()
    html = str(form)
    assert html.count('role="alert"') == 4
    assert 'id="id_colours_error"' in html and 'id="id_name_error"' in html
