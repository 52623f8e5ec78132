"""Board and usage tests: Ada (admin) signed in with her demo key, the emulator's clients."""

from __future__ import annotations

from tests.accounts.personas import *  # noqa: F403
from tests.replicas.conftest import ada, org_api, upstream  # noqa: F401
