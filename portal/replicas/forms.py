"""Forms of the replica list (filters) and the create page.

`CreateReplicaForm.request_body()` turns a valid form into the spec's CreateReplicaRequest
(a plain dict, checked against the generated model). Model and thinking-level choices follow
the chosen agent (`choices.py`); images are checked by their bytes, not by the browser's
content type, and sent as base64 `ImageContent`.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from dataclasses import dataclass
from typing import Any

import pydantic
from django import forms
from django.core.validators import RegexValidator
from django.template.defaultfilters import filesizeformat
from django.urls import reverse_lazy

from portal.replica_api import models

from . import choices

log = logging.getLogger("portal.replicas")

# --- list filters ---------------------------------------------------------------------------


class ReplicaFilterForm(forms.Form):
    """The list page's filters; they live in the URL (a GET form)."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label="Name",
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "contains…"}),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *choices.status_choices()]
    )
    source = forms.ChoiceField(
        required=False, choices=[("", "Any source"), *choices.source_choices()]
    )
    mine = forms.BooleanField(required=False, label="Only mine")

    def __init__(self, *args, mine_available: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if mine_available:
            self.fields["mine"].help_text = "Replicas created with your personal API key."
        else:
            self.fields["mine"].disabled = True
            self.fields["mine"].help_text = (
                "Not available while acting as the org: the org key acts as the Replicas "
                "bot, which has no user, and the API can't filter for replicas without one. "
                "Switch to your own key to see yours."
            )


# --- create ---------------------------------------------------------------------------------

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def new_token() -> str:
    return secrets.token_urlsafe(24)


def sniff_image(head: bytes) -> str | None:
    """The media type of an image from its first bytes, for the types the spec allows."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Image:
    """A checked image, ready to send (and to keep across a failed create)."""

    id: str
    name: str
    media_type: str
    size: int
    data: str  # base64

    def content(self) -> dict[str, Any]:
        return {
            "type": "image",
            "source": {"type": "base64", "media_type": self.media_type, "data": self.data},
        }

    @property
    def label(self) -> str:
        kind = choices.IMAGE_TYPE_NAMES[self.media_type]
        return f"{self.name} ({kind}, {filesizeformat(self.size)})"


def _allowed_types() -> str:
    names = [choices.IMAGE_TYPE_NAMES[t] for t in choices.IMAGE_MEDIA_TYPES]
    return ", ".join(names[:-1]) + " or " + names[-1]


def check_image(upload) -> Image:
    """One uploaded file as an Image, or ValidationError saying what is wrong with it."""
    name = upload.name or "image"
    if upload.size > choices.MAX_IMAGE_BYTES:
        raise forms.ValidationError(
            f"{name} is {filesizeformat(upload.size)}; the limit is "
            f"{filesizeformat(choices.MAX_IMAGE_BYTES)} per image."
        )
    if upload.size == 0:
        raise forms.ValidationError(f"{name} is empty.")
    upload.seek(0)
    raw = upload.read()
    media_type = sniff_image(raw[:16])
    if media_type not in choices.IMAGE_MEDIA_TYPES:
        raise forms.ValidationError(
            f"{name} is not a {_allowed_types()} image (those are the types the API accepts)."
        )
    return Image(
        id=secrets.token_hex(6),
        name=name,
        media_type=media_type,
        size=len(raw),
        data=base64.b64encode(raw).decode("ascii"),
    )


class KeptImagesWidget(forms.CheckboxSelectMultiple):
    """Checkboxes, one per kept image. `input_type` isn't "checkbox" because
    templates/forms/field.html renders a widget of that type as one lone box (label after)
    and skips it in the multiple-choice case; the options are still type="checkbox"."""

    input_type = "checkbox-list"

    def create_option(self, *args, **kwargs):
        option = super().create_option(*args, **kwargs)
        option["type"] = "checkbox"
        return option


class KeptImagesField(forms.MultipleChoiceField):
    """Ids of images kept from a failed try; ids no longer kept are dropped, not errors."""

    def validate(self, value) -> None:
        pass


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input; each is checked by `check_image`."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": ",".join(choices.IMAGE_MEDIA_TYPES)})
        )
        super().__init__(*args, **kwargs)

    # The images that passed, even when another one failed (kept for the next try).
    valid: list[Image] = []

    def clean(self, data, initial=None) -> list[Image]:
        uploads = data if isinstance(data, list | tuple) else ([data] if data else [])
        images, errors = [], []
        self.valid = images
        for upload in uploads:
            try:
                images.append(check_image(upload))
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise forms.ValidationError(errors)
        return images


NAME_HELP = "No spaces, e.g. fix-auth-bug. It also names the branch the agent works on."


class CreateReplicaForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, required=False)
    name = forms.CharField(
        max_length=100,
        validators=[
            RegexValidator(r"^\S+$", "The name must not contain spaces or other whitespace.")
        ],
        help_text=NAME_HELP,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "off",
                "placeholder": "fix-auth-bug",
                "hx-get": reverse_lazy("replicas:check_name"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#name-check",
                "hx-swap": "outerHTML",
                "aria-describedby": "name-check id_name_helptext",
            }
        ),
    )
    environment = forms.ChoiceField(
        help_text="Decides the repository (or repository set) checked out, and the variables, "
        "files, skills, MCPs, hooks and system prompt that apply."
    )
    message = forms.CharField(
        label="First message to the agent",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Starting it with /plan, /fast or /goal works like the mode switches below.",
    )
    images = MultipleImageField(
        required=False,
        help_text=f"Optional screenshots or diagrams for the first message: {_allowed_types()}, "
        f"up to {filesizeformat(choices.MAX_IMAGE_BYTES)} each, {choices.MAX_IMAGES} at most.",
    )
    keep_images = KeptImagesField(
        required=False,
        label="Images kept from your last try",
        widget=KeptImagesWidget,
        help_text="Untick one to leave it out.",
    )
    coding_agent = forms.ChoiceField(
        label="Coding agent",
        choices=choices.agent_choices(),
        initial=choices.DEFAULT_AGENT,
        widget=forms.Select(
            attrs={
                "hx-get": reverse_lazy("replicas:agent_fields"),
                "hx-trigger": "change",
                "hx-target": "#agent-fields",
                "hx-swap": "outerHTML",
                "hx-include": "#agent-fields",
            }
        ),
    )
    model = forms.ChoiceField(required=False)
    thinking_level = forms.ChoiceField(required=False, label="Thinking level")
    goal_mode = forms.BooleanField(
        required=False,
        label="Goal mode",
        help_text="Sets the first message as the agent's active goal (Codex only).",
    )
    plan_mode = forms.BooleanField(
        required=False, label="Plan mode", help_text="The agent plans before it changes code."
    )
    fast_mode = forms.BooleanField(required=False, label="Fast mode")
    size = forms.ChoiceField(
        choices=choices.size_choices(),
        initial=choices.DEFAULT_SIZE,
        widget=forms.RadioSelect,
        help_text="Billed per minute while the workspace runs.",
    )
    lifecycle_policy = forms.ChoiceField(
        label="When the work is done",
        choices=choices.lifecycle_choices(),
        initial=choices.DEFAULT_LIFECYCLE,
    )
    pr_followups = forms.BooleanField(
        required=False,
        initial=True,
        label="PR follow-ups",
        help_text="Replicas replies to CI failures and review comments on pull requests this "
        "workspace opened or touched. Untick for a read-only replica.",
    )
    keep_open_on_pr_merge = forms.BooleanField(
        required=False,
        label="Keep open when its pull request is merged",
        help_text="Otherwise the workspace closes after its last tracked PR merges.",
    )
    keep_open_on_pr_close = forms.BooleanField(
        required=False,
        label="Keep open when its pull request is closed unmerged",
    )
    webhook_url = forms.URLField(
        required=False,
        label="Webhook URL",
        assume_scheme="https",
        help_text="Optional. Receives replica.ready, replica.turn_completed, replica.deleted "
        "and replica.error events (an HTTPS endpoint). Leave it empty and the portal receives "
        "them itself and notifies you; with your own, the portal gets none (it checks the API "
        "instead, and its news may lag).",
    )
    webhook_secret = forms.CharField(
        required=False,
        label="Webhook secret",
        strip=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "off"}),
        help_text="Optional. With a secret, every delivery is signed: "
        "X-Replicas-Signature: sha256=HMAC(secret, body).",
    )

    def __init__(
        self,
        *args,
        environments: list[tuple[str, str]] = (),
        kept_images: list[Image] = (),
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["environment"].choices = [("", "Choose an environment…"), *environments]
        self.kept_images = {image.id: image for image in kept_images}
        self.fields["keep_images"].choices = [(i.id, i.label) for i in kept_images]
        if kept_images and not self.is_bound:
            self.initial["keep_images"] = list(self.kept_images)
        self.agent = self._chosen_agent()
        self.fields["model"].choices = choices.model_choices(self.agent)
        self.fields["thinking_level"].choices = choices.thinking_choices(self.agent)
        agent_label = choices.AGENT_LABELS.get(self.agent, self.agent)
        self.fields["model"].error_messages["invalid_choice"] = (
            f"%(value)s is not a {agent_label} model: choose one of the list."
        )
        self.fields["thinking_level"].error_messages["invalid_choice"] = (
            f"%(value)s is not a thinking level {agent_label} supports: choose one of the list."
        )
        if not choices.supports_goal_mode(self.agent):
            self.fields["goal_mode"].disabled = True
            self.fields["goal_mode"].help_text = "Only available for Codex."
        self.agent_note = choices.AGENT_NOTES.get(self.agent, "")

    def _chosen_agent(self) -> str:
        if self.is_bound:
            value = self.data.get(self.add_prefix("coding_agent"))
        else:
            value = self.initial.get("coding_agent")
        return choices.known_agent(value)

    @property
    def has_kept_images(self) -> bool:
        return bool(self.kept_images)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kept = [self.kept_images[i] for i in data.get("keep_images", []) if i in self.kept_images]
        images = kept + list(data.get("images") or self.fields["images"].valid)
        if len(images) > choices.MAX_IMAGES:
            self.add_error(
                "images",
                f"At most {choices.MAX_IMAGES} images can go with the first message "
                f"({len(images)} chosen).",
            )
        data["all_images"] = images
        if data.get("webhook_secret") and not data.get("webhook_url"):
            self.add_error("webhook_url", "Add the webhook URL, or clear the secret.")
        return data

    def request_body(self) -> dict[str, Any]:
        """The CreateReplicaRequest for the API (omitting what the user left to defaults)."""
        d = self.cleaned_data
        body: dict[str, Any] = {
            "name": d["name"],
            "message": d["message"],
            "environment_id": d["environment"],
            "coding_agent": self.agent,
            "lifecycle_policy": d["lifecycle_policy"],
            "size": d["size"],
            "config": {
                "capabilities": {"pr_followups": d["pr_followups"]},
                "preferences": {
                    "keep_open_on_pr_merge": d["keep_open_on_pr_merge"],
                    "keep_open_on_pr_close": d["keep_open_on_pr_close"],
                },
            },
        }
        if d.get("model"):
            body["model"] = d["model"]
        if d.get("thinking_level"):
            body["thinking_level"] = d["thinking_level"]
        for flag in ("plan_mode", "fast_mode"):
            if d.get(flag):
                body[flag] = True
        if d.get("goal_mode") and choices.supports_goal_mode(self.agent):
            body["goal_mode"] = True
        if d["all_images"]:
            body["images"] = [image.content() for image in d["all_images"]]
        if d.get("webhook_url"):
            secret = d.get("webhook_secret")
            body["webhook_url"] = (
                {"url": d["webhook_url"], "secret": secret} if secret else d["webhook_url"]
            )
        # Our side of the contract. The guide's `delete_when_done` is not in the spec's enum
        # (the two differ; both are supported), so the check stands in a spec value for it.
        checked = dict(body)
        if checked.get("lifecycle_policy") in choices.GUIDE_ONLY_LIFECYCLES:
            checked["lifecycle_policy"] = choices.DEFAULT_LIFECYCLE
        try:
            models.CreateReplicaRequest.model_validate(checked)
        except pydantic.ValidationError as exc:
            log.warning("create body fails the spec's CreateReplicaRequest: %s", exc)
            raise forms.ValidationError(
                "The portal could not build a valid request from this form; nothing was sent."
            ) from None
        return body

    def images_to_keep(self) -> list[Image]:
        """The valid images of this submission, to offer again if it fails."""
        return list(self.cleaned_data.get("all_images") or [])

    def offer_again(self, images: list[Image], *, token: str) -> None:
        """After a failed submit: show these (stored) images as kept and ticked, and carry
        the token on (the same one unless the posted one was missing or malformed)."""
        self.kept_images = {image.id: image for image in images}
        self.fields["keep_images"].choices = [(i.id, i.label) for i in images]
        data = self.data.copy()
        data.setlist(self.add_prefix("keep_images"), list(self.kept_images))
        data[self.add_prefix("token")] = token
        self.data = data


def environment_choices(
    environments: list[models.Environment],
    repositories: list[models.Repository],
    repository_sets: list[models.RepositorySet],
) -> list[tuple[str, str]]:
    """(id, label) per environment, the label naming what it checks out."""
    repos = {str(r.id): r.name for r in repositories}
    sets = {str(s.id): s for s in repository_sets}
    out = []
    for env in environments:
        if env.repository_id:
            bound = repos.get(str(env.repository_id), "an unlisted repository")
        elif env.repository_set_id:
            rset = sets.get(str(env.repository_set_id))
            if rset is None:
                bound = "an unlisted repository set"
            else:
                names = ", ".join(r.name for r in rset.repositories)
                bound = f"repository set {rset.name} ({names})" if names else rset.name
        else:
            bound = "no repository"
        personal = " (personal)" if env.user_id else ""
        out.append((str(env.id), f"{env.name}{personal} · {bound}"))
    return out
