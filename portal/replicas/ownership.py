"""Whose replica it is, as far as it can be known, and who may archive or delete it.

The API's replica objects name no creator. What the portal can tell, best first:
1. it created the replica itself (`ReplicaRecord`: the portal user and the key kind);
2. the replica came from an automation (`source`);
3. the API sent the creating API user's id (`user_id`, beyond the spec: the emulator does):
   the viewer's own, another portal user's (a personal key whose API user is known), none
   (the org key: the Replicas bot), or someone else;
4. the viewer's personal key and the API's `user_id` filter: among their replicas or not;
5. otherwise: unknown.

    owners = await Owners.load(request, api, replicas)
    owner = owners.of(replica)      # Owner(label, mine, detail)
    may_remove(viewer, owner, settings)
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.core.cache import cache

from portal.accounts.acting import ausable_key
from portal.accounts.models import ApiKey, KeyKind
from portal.replica_api import errors

from .models import ReplicaRecord

log = logging.getLogger("portal.replicas")

RECORD_TTL = 10 * 60
MINE_TTL = 60
MINE_LIMIT = 100  # the newest replicas the `user_id` filter is asked about (one page)


@dataclass(frozen=True)
class Owner:
    label: str  # who, in words: "you", "Grace Hopper", "the Replicas bot", "an automation"…
    mine: bool | None  # the viewer's own (True), someone else's (False), unknown (None)
    detail: str = ""  # how it was made, when that matters ("with the org key")
    username: str = ""  # the portal user who created it, when known

    @property
    def known_other(self) -> bool:
        return self.mine is False

    @property
    def text(self) -> str:
        return f"{self.label} ({self.detail})" if self.detail else self.label


UNKNOWN = Owner("not known", None)
AUTOMATION = Owner("an automation", False)
BOT = Owner("the Replicas bot", False, "created with the org key")


def display_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _extras(replica) -> dict:
    return getattr(replica, "model_extra", None) or {}


def _source(replica) -> str:
    return str(getattr(replica.source, "value", replica.source))


@dataclass
class _Record:
    username: str
    name: str  # display name
    user_pk: int | None
    key_kind: str


async def _records(ids: list[str]) -> dict[str, _Record | None]:
    """The portal's records for these replica ids (cached: a record never changes)."""
    keys = {rid: f"replicas:record:{rid}" for rid in ids}
    cached = await cache.aget_many(list(keys.values()))
    out: dict[str, _Record | None] = {}
    missing = []
    for rid, key in keys.items():
        if key in cached:
            value = cached[key]
            out[rid] = _Record(**value) if value else None
        else:
            missing.append(rid)
    if missing:
        found = {}
        async for record in ReplicaRecord.objects.filter(replica_id__in=missing).select_related(
            "created_by"
        ):
            found[str(record.replica_id)] = _Record(
                username=record.created_by_username,
                name=display_name(record.created_by) or record.created_by_username,
                user_pk=record.created_by_id,
                key_kind=record.key_kind,
            )
        await cache.aset_many(
            {keys[rid]: (vars(found[rid]) if rid in found else {}) for rid in missing},
            RECORD_TTL,
        )
        for rid in missing:
            out[rid] = found.get(rid)
    return out


async def api_user_id(request, api) -> str | None:
    """The API user behind the viewer's acting personal key (None for the org key or when
    the API can't say). Asked once per key (getUserProfile), then kept on the key."""
    key = await ausable_key(request)
    if key.kind != KeyKind.PERSONAL:
        return None
    if key.api_user_id:
        return key.api_user_id
    try:
        profile = await api.get_user_profile()
    except errors.ReplicaAPIError as exc:
        log.info("no user profile for key %s: %s", key.pk, exc)
        return None
    key.api_user_id = str(profile.profile.userId)
    await ApiKey.objects.filter(pk=key.pk).aupdate(api_user_id=key.api_user_id)
    await cache.adelete(API_USERS_KEY)
    return key.api_user_id


@dataclass(frozen=True)
class _Member:
    pk: int
    username: str
    name: str


API_USERS_KEY = "replicas:api-users"
API_USERS_TTL = 60


async def _api_users() -> dict[str, _Member]:
    """Portal users by the API user id of their personal key, when known (cached a minute)."""
    users = await cache.aget(API_USERS_KEY)
    if users is None:
        users = {}
        keys = ApiKey.objects.filter(kind=KeyKind.PERSONAL).exclude(api_user_id="")
        async for key in keys.select_related("user"):
            users[key.api_user_id] = _Member(
                key.user.pk, key.user.get_username(), display_name(key.user)
            )
        await cache.aset(API_USERS_KEY, users, API_USERS_TTL)
    return users


async def _mine_by_filter(api, uid: str) -> set[str] | None:
    """The viewer's newest replicas, by the API's `user_id` filter (cached a minute)."""
    key = f"replicas:mine:{uid}"
    ids = await cache.aget(key)
    if ids is None:
        try:
            result = await api.list_replicas(page=1, limit=MINE_LIMIT, user_id=uid)
        except errors.ReplicaAPIError:
            return None
        ids = {str(r.id) for r in result.replicas}
        await cache.aset(key, ids, MINE_TTL)
    return ids


class Owners:
    """Owners for a set of replicas, with what it took to know them loaded once."""

    def __init__(self, viewer, records, my_uid, api_users, mine_ids) -> None:
        self.viewer = viewer
        self.records = records
        self.my_uid = my_uid
        self.api_users = api_users
        self.mine_ids = mine_ids

    @classmethod
    async def load(cls, request, api, replicas: list) -> Owners:
        viewer = await request.auser()
        ids = [str(r.id) for r in replicas]
        records = await _records(ids) if ids else {}
        unrecorded = [r for r in replicas if records.get(str(r.id)) is None]
        # The viewer's API user: asked once per key (then kept), and only when it matters.
        my_uid = await api_user_id(request, api) if unrecorded else None
        needs_users = any(_extras(r).get("user_id") for r in unrecorded)
        api_users = await _api_users() if needs_users else {}
        blind = [
            r for r in unrecorded if "user_id" not in _extras(r) and _source(r) != "automation"
        ]
        mine_ids = await _mine_by_filter(api, my_uid) if blind and my_uid else None
        return cls(viewer, records, my_uid, api_users, mine_ids)

    def of(self, replica) -> Owner:
        rid = str(replica.id)
        record = self.records.get(rid)
        if record is not None:
            mine = record.user_pk is not None and record.user_pk == self.viewer.pk
            detail = "with the org key" if record.key_kind == KeyKind.ORG else ""
            label = "you" if mine else (record.name or "a former member")
            return Owner(label, mine, detail, record.username)
        extras = _extras(replica)
        if _source(replica) == "automation" or extras.get("automation_id"):
            return AUTOMATION
        if "user_id" in extras:
            uid = extras.get("user_id")
            if not uid:
                return BOT
            if self.my_uid and str(uid) == self.my_uid:
                return Owner("you", True)
            member = self.api_users.get(str(uid))
            if member is not None:
                mine = member.pk == self.viewer.pk
                return Owner("you" if mine else member.name, mine, "", member.username)
            return Owner("another member of the org", False)
        if self.mine_ids is not None:
            if rid in self.mine_ids:
                return Owner("you", True)
            return Owner("someone else", False, "not created with your key")
        return UNKNOWN


def may_remove(is_admin: bool, owner: Owner, members_may: bool) -> bool:
    """Archive or delete: admins always; members their own, others' only if the setting
    allows. Not known to be theirs counts as not theirs."""
    return is_admin or owner.mine is True or members_may


REFUSAL = (
    "Only org admins may archive or delete a replica its creator made: this one is {who}'s. "
    "Ask them or an org admin (an admin can allow members to on the Team page)."
)


async def remember_created(request, replica_id: str, name: str, key_kind: str) -> None:
    user = await request.auser()
    await ReplicaRecord.objects.aupdate_or_create(
        replica_id=replica_id,
        defaults={
            "name": name,
            "created_by": user,
            "created_by_username": user.get_username(),
            "key_kind": key_kind,
        },
    )
    await cache.adelete(f"replicas:record:{replica_id}")
