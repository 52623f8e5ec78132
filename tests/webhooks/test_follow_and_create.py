"""Following a replica, its header's Follow box, and each replica created through the portal
getting its own webhook (or the creator's own, which wins)."""

from __future__ import annotations

import re

import httpx
import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.accounts.models import KeyKind
from portal.emulator.config import DEMO_PERSONAL_KEYS
from portal.lib import crypto
from portal.webhooks.models import Follow, HookKind, KnownReplica, Notification, ReplicaHook
from tests.accounts.personas import store_key
from tests.replicas.conftest import seeded
from tests.replicas.test_create import _form_data

from .conftest import Sender, event_body

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
DETAIL = re.compile(r"^/replicas/([0-9a-f-]{36})/$")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def grace(as_member, member, emulator):
    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    return as_member


def _box(client, rid, **post):
    url = reverse("notifications:follow", args=[rid])
    headers = {**HX, "HX-Target": "follow-box"}
    if post:
        return client.post(url, post, headers=headers)
    return client.get(url, headers=headers)


def test_the_detail_header_has_the_follow_box(ada, upstream):
    rid = str(seeded(upstream, "active").id)
    body = ada.get(reverse("replicas:detail", args=[rid])).content.decode()
    header = body[
        body.index('id="replica-header"') : body.index(
            "</section>", body.index('id="replica-header"')
        )
    ]
    assert f'id="replica-follow-{rid}"' in header and "hx-preserve" in header
    assert reverse("notifications:follow", args=[rid]) in header


def test_follow_and_unfollow(grace, member, upstream):
    rid = str(seeded(upstream, "active").id)
    box = _box(grace, rid).content.decode()
    assert box.lstrip().startswith('<div id="follow-box"') and ">Follow<" in box
    box = _box(grace, rid, follow="1").content.decode()
    assert "You follow it." in box and ">Unfollow<" in box
    assert Follow.objects.get(user=member, replica_id=rid).following
    box = _box(grace, rid, follow="0").content.decode()
    assert ">Follow<" in box
    assert not Follow.objects.get(user=member, replica_id=rid).following


def test_following_a_replica_that_does_not_exist_says_so_in_the_box(grace):
    rid = "00000000-0000-4000-8000-00000000dead"
    response = _box(grace, rid, follow="1")
    assert response.status_code == 200  # htmx: the failure is inside the box
    assert 'role="alert"' in response.content.decode()
    url = reverse("notifications:follow", args=[rid])
    assert grace.post(url, {"follow": "1"}).status_code == 404  # without htmx: the page's
    assert not Follow.objects.exists()


def test_without_javascript_the_follow_box_is_a_page(grace, upstream):
    rid = str(seeded(upstream, "active").id)
    page = grace.get(reverse("notifications:follow", args=[rid])).content.decode()
    assert "<h1>Notifications about this replica</h1>" in page and 'id="follow-box"' in page


def test_followers_are_notified_and_a_muting_creator_is_not(client, hook, member, outsider):
    Follow.objects.create(user=outsider, replica_id=hook.replica_id)
    Follow.objects.create(user=member, replica_id=hook.replica_id, following=False)  # muted
    Sender(client, hook).post(event_body("ready"))
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["alan"]


def test_the_creator_sees_mute(client, hook, member):
    as_creator = client
    as_creator.force_login(member)
    store_key(member, KeyKind.PERSONAL, DEMO_PERSONAL_KEYS[1])
    box = as_creator.get(reverse("notifications:follow", args=[hook.replica_id]), headers={
        **HX, "HX-Target": "follow-box"}).content.decode()  # fmt: skip
    assert "you created it" in box and ">Mute<" in box


# --- created through the portal --------------------------------------------------------------


def _create(client, upstream, **fields) -> str:
    response = client.post("/replicas/new/", _form_data(client, upstream, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return DETAIL.match(response["Location"]).group(1)


def test_with_a_public_url_each_created_replica_gets_its_own_webhook(
    ada, upstream, emulator, settings
):
    settings.PORTAL_PUBLIC_URL = "http://portal.example.test"
    first = _create(ada, upstream)
    second = _create(ada, upstream)
    hooks = {str(h.replica_id): h for h in ReplicaHook.objects.filter(kind=HookKind.PORTAL)}
    assert set(hooks) == {first, second}
    secrets = {h.secret() for h in hooks.values()}
    assert len(secrets) == 2 and all(s.startswith("whsec_") for s in secrets)
    for h in hooks.values():
        assert h.secret() not in h.secret_ciphertext  # stored encrypted
    state = httpx.get(f"{emulator.url}/_emulator/replicas/{first}", timeout=5).json()
    webhook = state["webhook"]
    assert webhook["url"] == f"http://portal.example.test/webhooks/replicas/{hooks[first].token}"
    assert webhook["secret"] == hooks[first].secret()
    assert KnownReplica.objects.get(replica_id=first).status == "preparing"


def test_the_creators_own_webhook_wins(ada, upstream, emulator, settings):
    settings.PORTAL_PUBLIC_URL = "http://portal.example.test"
    rid = _create(ada, upstream, webhook_url="https://hooks.example.com/mine",
                  webhook_secret="whsec_mine")  # fmt: skip
    state = httpx.get(f"{emulator.url}/_emulator/replicas/{rid}", timeout=5).json()
    assert state["webhook"] == {"url": "https://hooks.example.com/mine", "secret": "whsec_mine"}
    hook = ReplicaHook.objects.get(replica_id=rid)
    assert hook.kind == HookKind.OWN and hook.secret_ciphertext == ""
    box = ada.get(reverse("notifications:follow", args=[rid]), headers={
        **HX, "HX-Target": "follow-box"}).content.decode()  # fmt: skip
    assert "so the portal gets none" in box and "you created it" in box


def test_without_a_public_url_no_webhook_is_sent(ada, upstream, emulator, settings):
    settings.PORTAL_PUBLIC_URL = ""
    rid = _create(ada, upstream)
    state = httpx.get(f"{emulator.url}/_emulator/replicas/{rid}", timeout=5).json()
    assert state["webhook"] is None
    assert not ReplicaHook.objects.exists()
    assert KnownReplica.objects.filter(replica_id=rid).exists()  # the poller's starting point


def test_rotating_the_encryption_key_covers_webhook_secrets(settings, member, capsys):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from .conftest import make_hook

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    hook = make_hook(member, secret="whsec_rotate_me")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_api_keys")
    assert "1 replica webhook secret" in capsys.readouterr().out
    settings.FIELD_ENCRYPTION_KEYS = [new]
    hook.refresh_from_db()
    assert hook.secret() == "whsec_rotate_me"


def test_rotation_refuses_when_a_webhook_secret_cannot_be_decrypted(settings, member):
    from cryptography.fernet import Fernet
    from django.core.management import CommandError, call_command

    from .conftest import make_hook

    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    hook = make_hook(member, secret="whsec_lost")
    before = hook.secret_ciphertext
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(CommandError, match=f"webhook secret #{hook.pk}"):
        call_command("rotate_api_keys")
    hook.refresh_from_db()
    assert hook.secret_ciphertext == before
    with pytest.raises(crypto.DecryptionError):
        hook.secret()
