"""One Form per POST of the review tools."""

from __future__ import annotations

import re

from django import forms

from .models import Comment

MAX_BODY = 10_000
MAX_QUOTE = 20_000


class CommentForm(forms.Form):
    """A new comment. The anchor fields say where it applies (`kind`): the whole review, a
    file, a range of diff lines (with the code quoted as the reviewer saw it) or a canvas item
    (a Markdown block, a media timestamp, or the whole item)."""

    kind = forms.ChoiceField(choices=Comment.KINDS)
    body = forms.CharField(
        label="Comment", max_length=MAX_BODY, strip=True,
        error_messages={"required": "Write a comment first."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    repository = forms.CharField(max_length=255, required=False)
    path = forms.CharField(max_length=1024, required=False)
    side = forms.ChoiceField(choices=(("", ""), *Comment.SIDES), required=False)
    start_line = forms.IntegerField(min_value=1, required=False)
    end_line = forms.IntegerField(min_value=1, required=False)
    quote = forms.CharField(max_length=MAX_QUOTE, required=False, strip=False)
    canvas_item = forms.CharField(max_length=255, required=False)
    paragraph = forms.IntegerField(min_value=0, required=False)
    timestamp = forms.FloatField(min_value=0, required=False)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind in (Comment.FILE, Comment.LINES) and not data.get("path"):
            raise forms.ValidationError("Choose the file this comment is about.")
        if kind == Comment.LINES:
            if not data.get("start_line"):
                raise forms.ValidationError("Choose the lines this comment is about.")
            data["side"] = data.get("side") or "new"
            data["end_line"] = data.get("end_line") or data["start_line"]
            if data["end_line"] < data["start_line"]:
                data["start_line"], data["end_line"] = data["end_line"], data["start_line"]
        if kind == Comment.CANVAS and not data.get("canvas_item"):
            raise forms.ValidationError("Choose the canvas item this comment is about.")
        return data

    def anchor(self) -> dict:
        """The model fields of the comment's anchor (only those its kind uses)."""
        data = self.cleaned_data
        kind = data["kind"]
        fields: dict = {"kind": kind, "body": data["body"]}
        if kind in (Comment.FILE, Comment.LINES):
            fields.update(repository=data.get("repository") or "", path=data["path"])
        if kind == Comment.LINES:
            fields.update(
                side=data["side"], start_line=data["start_line"], end_line=data["end_line"],
                quote=(data.get("quote") or "").rstrip("\n"),
            )  # fmt: skip
        if kind == Comment.CANVAS:
            fields.update(
                canvas_item=data["canvas_item"], paragraph=data.get("paragraph"),
                timestamp=data.get("timestamp"), quote=(data.get("quote") or "").strip(),
            )  # fmt: skip
        return fields


class EditCommentForm(forms.Form):
    body = forms.CharField(
        label="Comment", max_length=MAX_BODY, strip=True,
        error_messages={"required": "A comment can't be empty: delete it instead."},
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip


_DIGEST = re.compile(r"^[0-9a-f]{64}\Z")  # whole: RegexField searches


class ViewedForm(forms.Form):
    repository = forms.CharField(max_length=255, required=False)
    path = forms.CharField(max_length=1024)
    digest = forms.RegexField(regex=_DIGEST)
    viewed = forms.BooleanField(required=False)


class SendReviewForm(forms.Form):
    chat_id = forms.CharField(
        max_length=128, error_messages={"required": "Choose the chat to send the review to."}
    )
