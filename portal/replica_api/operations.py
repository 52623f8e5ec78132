"""One method per Replica API operation, written once for both clients.

`ReplicaAPI` (sync) and `AsyncReplicaAPI` (async) inherit these methods; each method only
describes its call (a `Call`) and hands it to `self._send`, which the sync client runs at
once and the async client returns as an awaitable. So `api.get_replica(id)` and
`await aapi.get_replica(id)` are the same definition. Return annotations name the parsed
type (for the async client, what the awaitable resolves to).

Path parameters are positional, query parameters keyword-only (None means "not sent"),
request bodies are a generated request model or a plain dict with the spec's field names.
Streams (`text/event-stream`) live in `StreamOperations`, async only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from pydantic import BaseModel

from . import models, types
from .sse import Reconnecting, StreamEvent
from .transport import Call

# The dated version that makes createReplica return at once with a `preparing` replica.
API_VERSION_NON_BLOCKING = "2026-05-17"
# The legacy create blocks until the workspace is active (tens of seconds).
LEGACY_CREATE_TIMEOUT = 300.0
# A hook test runs the script in a fresh sandbox before answering (the guide: 30-90 s).
HOOK_RUN_TIMEOUT = 150.0


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


def _q(value: Any) -> str:
    """Quote one path segment: an id or filename can never reach another path."""
    return quote(str(value), safe="")


def _body(body: Any) -> Any:
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", exclude_unset=True, by_alias=True)
    return body


class Operations:
    def _send(self, call: Call) -> Any:  # pragma: no cover - provided by the clients
        raise NotImplementedError

    # --- Replica -------------------------------------------------------------

    def create_replica(
        self,
        body: models.CreateReplicaRequest | dict[str, Any],
        *,
        api_version: str | None = API_VERSION_NON_BLOCKING,
    ) -> models.CreateReplicaResponse:
        """Create Replica (`POST /v1/replica`, createReplica).

        By default sends `X-Replicas-Api-Version: 2026-05-17`: returns at once with a
        `preparing` replica. `api_version=None` is the legacy call that blocks until active.
        Never retried: a create whose answer was lost may still have happened.
        """
        headers = {"X-Replicas-Api-Version": api_version} if api_version else {}
        return self._send(
            Call(
                "createReplica",
                "POST",
                "/v1/replica",
                models.CreateReplicaResponse,
                json=_body(body),
                headers=headers,
                read_timeout=None if api_version else LEGACY_CREATE_TIMEOUT,
            )
        )

    def list_replicas(
        self,
        *,
        page: Any = None,
        limit: Any = None,
        user_id: Any = None,
        source: Any = None,
        status: Any = None,
    ) -> models.ListReplicasResponse:
        """List Replicas (`GET /v1/replica`, listReplicas)."""
        return self._send(
            Call(
                "listReplicas",
                "GET",
                "/v1/replica",
                models.ListReplicasResponse,
                params={
                    "page": page,
                    "limit": limit,
                    "user_id": user_id,
                    "source": source,
                    "status": status,
                },
            )
        )

    def get_replica(self, replica_id: str, *, include: Any = None) -> models.GetReplicaResponse:
        """Get Replica (`GET /v1/replica/{id}`, getReplica)."""
        return self._send(
            Call(
                "getReplica",
                "GET",
                f"/v1/replica/{_q(replica_id)}",
                models.GetReplicaResponse,
                params={"include": include},
            )
        )

    def delete_replica(self, replica_id: str) -> models.DeleteReplicaResponse:
        """Delete Replica (`DELETE /v1/replica/{id}`, deleteReplica)."""
        return self._send(
            Call(
                "deleteReplica",
                "DELETE",
                f"/v1/replica/{_q(replica_id)}",
                models.DeleteReplicaResponse,
            )
        )

    def wake_replica(self, replica_id: str) -> types.WakeReplicaResponse:
        """Wake a sleeping replica (`POST /v1/replica/{id}/wake`; in the guide, not the spec)."""
        return self._send(
            Call(
                "wakeReplica",
                "POST",
                f"/v1/replica/{_q(replica_id)}/wake",
                types.WakeReplicaResponse,
            )
        )

    def send_replica_message(
        self, replica_id: str, body: models.SendReplicaMessageRequest | dict[str, Any]
    ) -> models.SendReplicaMessageResponse:
        """Send Message (`POST /v1/replica/{id}/messages`, sendReplicaMessage)."""
        return self._send(
            Call(
                "sendReplicaMessage",
                "POST",
                f"/v1/replica/{_q(replica_id)}/messages",
                models.SendReplicaMessageResponse,
                json=_body(body),
            )
        )

    def list_replica_chats(self, replica_id: str) -> types.ListReplicaChatsResponse:
        """List Chats (`GET /v1/replica/{id}/chats`, listReplicaChats)."""
        return self._send(
            Call(
                "listReplicaChats",
                "GET",
                f"/v1/replica/{_q(replica_id)}/chats",
                types.ListReplicaChatsResponse,
            )
        )

    def create_replica_chat(
        self, replica_id: str, body: models.CreateChatRequest | dict[str, Any]
    ) -> models.ReplicaChat:
        """Create Chat (`POST /v1/replica/{id}/chats`, createReplicaChat)."""
        return self._send(
            Call(
                "createReplicaChat",
                "POST",
                f"/v1/replica/{_q(replica_id)}/chats",
                models.ReplicaChat,
                json=_body(body),
            )
        )

    def delete_replica_chat(self, replica_id: str, chat_id: str) -> models.SuccessResponse:
        """Delete Chat (`DELETE /v1/replica/{id}/chats/{chatId}`, deleteReplicaChat)."""
        return self._send(
            Call(
                "deleteReplicaChat",
                "DELETE",
                f"/v1/replica/{_q(replica_id)}/chats/{_q(chat_id)}",
                models.SuccessResponse,
            )
        )

    def list_replica_slash_commands(
        self, replica_id: str, chat_id: str
    ) -> models.SlashCommandsResponse:
        """List Slash Commands (`GET /v1/replica/{id}/chats/{chatId}/slash-commands`, listReplicaSlashCommands)."""
        return self._send(
            Call(
                "listReplicaSlashCommands",
                "GET",
                f"/v1/replica/{_q(replica_id)}/chats/{_q(chat_id)}/slash-commands",
                models.SlashCommandsResponse,
            )
        )

    def get_replica_chat_queue(self, replica_id: str, chat_id: str) -> models.ChatQueueResponse:
        """Get Chat Queue (`GET /v1/replica/{id}/chats/{chatId}/queue`, getReplicaChatQueue)."""
        return self._send(
            Call(
                "getReplicaChatQueue",
                "GET",
                f"/v1/replica/{_q(replica_id)}/chats/{_q(chat_id)}/queue",
                models.ChatQueueResponse,
            )
        )

    def clear_replica_chat_queue(
        self, replica_id: str, chat_id: str
    ) -> models.QueueMutationResponse:
        """Clear Chat Queue (`DELETE /v1/replica/{id}/chats/{chatId}/queue`, clearReplicaChatQueue)."""
        return self._send(
            Call(
                "clearReplicaChatQueue",
                "DELETE",
                f"/v1/replica/{_q(replica_id)}/chats/{_q(chat_id)}/queue",
                models.QueueMutationResponse,
            )
        )

    def remove_replica_chat_queue_message(
        self, replica_id: str, chat_id: str, message_id: str
    ) -> models.QueueMutationResponse:
        """Remove Queued Message (`DELETE /v1/replica/{id}/chats/{chatId}/queue/{messageId}`, removeReplicaChatQueueMessage)."""
        return self._send(
            Call(
                "removeReplicaChatQueueMessage",
                "DELETE",
                f"/v1/replica/{_q(replica_id)}/chats/{_q(chat_id)}/queue/{_q(message_id)}",
                models.QueueMutationResponse,
            )
        )

    def reorder_replica_chat_queue(
        self,
        replica_id: str,
        chat_id: str,
        body: models.ReorderQueueRequest | dict[str, Any],
    ) -> models.QueueMutationResponse:
        """Reorder Chat Queue (`PATCH /v1/replica/{id}/chats/{chatId}/queue/reorder`, reorderReplicaChatQueue)."""
        return self._send(
            Call(
                "reorderReplicaChatQueue",
                "PATCH",
                f"/v1/replica/{_q(replica_id)}/chats/{_q(chat_id)}/queue/reorder",
                models.QueueMutationResponse,
                json=_body(body),
            )
        )

    def read_replica_history(
        self,
        replica_id: str,
        *,
        chat_id: Any = None,
        limit: Any = None,
        offset: Any = None,
    ) -> models.ReadReplicaHistoryResponse:
        """Read History (`GET /v1/replica/{id}/history`, readReplicaHistory)."""
        return self._send(
            Call(
                "readReplicaHistory",
                "GET",
                f"/v1/replica/{_q(replica_id)}/history",
                models.ReadReplicaHistoryResponse,
                params={"chat_id": chat_id, "limit": limit, "offset": offset},
            )
        )

    def get_replica_hooks(self, replica_id: str) -> models.HooksResponse:
        """Get Hook Logs (`GET /v1/replica/{id}/hooks`, getReplicaHooks)."""
        return self._send(
            Call(
                "getReplicaHooks",
                "GET",
                f"/v1/replica/{_q(replica_id)}/hooks",
                models.HooksResponse,
            )
        )

    def list_replica_canvas_items(self, replica_id: str) -> models.CanvasListResponse:
        """List Canvas Items (`GET /v1/replica/{id}/canvas`, listReplicaCanvasItems)."""
        return self._send(
            Call(
                "listReplicaCanvasItems",
                "GET",
                f"/v1/replica/{_q(replica_id)}/canvas",
                models.CanvasListResponse,
            )
        )

    def get_replica_canvas_item(
        self, replica_id: str, filename: str
    ) -> models.CanvasContentResponse:
        """Get Canvas Item (`GET /v1/replica/{id}/canvas/{filename}`, getReplicaCanvasItem)."""
        return self._send(
            Call(
                "getReplicaCanvasItem",
                "GET",
                f"/v1/replica/{_q(replica_id)}/canvas/{_q(filename)}",
                models.CanvasContentResponse,
            )
        )

    def list_workspace_chats(self, workspace_id: str) -> models.WorkspaceChatListResponse:
        """List Workspace Chats (`GET /v1/workspaces/{workspaceId}/chats`, listWorkspaceChats)."""
        return self._send(
            Call(
                "listWorkspaceChats",
                "GET",
                f"/v1/workspaces/{_q(workspace_id)}/chats",
                models.WorkspaceChatListResponse,
            )
        )

    def create_workspace_chat(
        self, workspace_id: str, body: models.CreateChatRequest | dict[str, Any]
    ) -> models.CreateWorkspaceChatResponse:
        """Create Workspace Chat (`POST /v1/workspaces/{workspaceId}/chats`, createWorkspaceChat)."""
        return self._send(
            Call(
                "createWorkspaceChat",
                "POST",
                f"/v1/workspaces/{_q(workspace_id)}/chats",
                models.CreateWorkspaceChatResponse,
                json=_body(body),
            )
        )

    def send_workspace_chat_message(
        self,
        workspace_id: str,
        chat_id: str,
        body: models.SendWorkspaceChatMessageRequest | dict[str, Any],
    ) -> models.SendWorkspaceChatMessageResponse:
        """Send Workspace Chat Message (`POST /v1/workspaces/{workspaceId}/chats/{chatId}/messages`, sendWorkspaceChatMessage)."""
        return self._send(
            Call(
                "sendWorkspaceChatMessage",
                "POST",
                f"/v1/workspaces/{_q(workspace_id)}/chats/{_q(chat_id)}/messages",
                models.SendWorkspaceChatMessageResponse,
                json=_body(body),
            )
        )

    def send_deferred_workspace_message(
        self,
        workspace_id: str,
        body: models.SendDeferredWorkspaceMessageRequest | dict[str, Any],
    ) -> models.SendDeferredWorkspaceMessageResponse:
        """Send Deferred Workspace Message (`POST /v1/workspaces/{workspaceId}/messages/deferred`, sendDeferredWorkspaceMessage)."""
        return self._send(
            Call(
                "sendDeferredWorkspaceMessage",
                "POST",
                f"/v1/workspaces/{_q(workspace_id)}/messages/deferred",
                models.SendDeferredWorkspaceMessageResponse,
                json=_body(body),
            )
        )

    def archive_workspace(self, workspace_id: str) -> models.ArchiveWorkspaceResponse:
        """Archive Workspace (`POST /v1/workspaces/{workspaceId}/archive`, archiveWorkspace)."""
        return self._send(
            Call(
                "archiveWorkspace",
                "POST",
                f"/v1/workspaces/{_q(workspace_id)}/archive",
                models.ArchiveWorkspaceResponse,
            )
        )

    def sleep_workspace(self, workspace_id: str) -> models.SleepWorkspaceResponse:
        """Sleep Workspace (`POST /v1/workspaces/{workspaceId}/sleep`, sleepWorkspace)."""
        return self._send(
            Call(
                "sleepWorkspace",
                "POST",
                f"/v1/workspaces/{_q(workspace_id)}/sleep",
                models.SleepWorkspaceResponse,
            )
        )

    # --- Repository ----------------------------------------------------------

    def list_repositories(self) -> types.ListRepositoriesResponse:
        """List Repositories (`GET /v1/replica/repositories`, listRepositories)."""
        return self._send(
            Call(
                "listRepositories",
                "GET",
                "/v1/replica/repositories",
                types.ListRepositoriesResponse,
            )
        )

    def list_repository_sets(self) -> types.ListRepositorySetsResponse:
        """List Repository Sets (`GET /v1/replica/repository-sets`, listRepositorySets)."""
        return self._send(
            Call(
                "listRepositorySets",
                "GET",
                "/v1/replica/repository-sets",
                types.ListRepositorySetsResponse,
            )
        )

    # --- Environments --------------------------------------------------------

    def list_environments(self, *, scope: Any = None) -> models.ListEnvironmentsResponse:
        """List Environments (`GET /v1/environments`, listEnvironments)."""
        return self._send(
            Call(
                "listEnvironments",
                "GET",
                "/v1/environments",
                models.ListEnvironmentsResponse,
                params={"scope": scope},
            )
        )

    def create_environment(
        self, body: models.CreateEnvironmentRequest | dict[str, Any]
    ) -> models.EnvironmentResponse:
        """Create Environment (`POST /v1/environments`, createEnvironment)."""
        return self._send(
            Call(
                "createEnvironment",
                "POST",
                "/v1/environments",
                models.EnvironmentResponse,
                json=_body(body),
            )
        )

    def get_environment(self, environment_id: str) -> models.EnvironmentResponse:
        """Get Environment (`GET /v1/environments/{id}`, getEnvironment)."""
        return self._send(
            Call(
                "getEnvironment",
                "GET",
                f"/v1/environments/{_q(environment_id)}",
                models.EnvironmentResponse,
            )
        )

    def update_environment(
        self,
        environment_id: str,
        body: models.UpdateEnvironmentRequest | dict[str, Any],
    ) -> models.EnvironmentResponse:
        """Update Environment (`PATCH /v1/environments/{id}`, updateEnvironment)."""
        return self._send(
            Call(
                "updateEnvironment",
                "PATCH",
                f"/v1/environments/{_q(environment_id)}",
                models.EnvironmentResponse,
                json=_body(body),
            )
        )

    def delete_environment(self, environment_id: str) -> models.SuccessResponse:
        """Delete Environment (`DELETE /v1/environments/{id}`, deleteEnvironment)."""
        return self._send(
            Call(
                "deleteEnvironment",
                "DELETE",
                f"/v1/environments/{_q(environment_id)}",
                models.SuccessResponse,
            )
        )

    def list_environment_variables(
        self, environment_id: str
    ) -> models.ListEnvironmentVariablesResponse:
        """List Environment Variables (`GET /v1/environments/{environmentId}/variables`, listEnvironmentVariables)."""
        return self._send(
            Call(
                "listEnvironmentVariables",
                "GET",
                f"/v1/environments/{_q(environment_id)}/variables",
                models.ListEnvironmentVariablesResponse,
            )
        )

    def create_environment_variable(
        self,
        environment_id: str,
        body: models.CreateEnvironmentVariableRequest | dict[str, Any],
    ) -> models.EnvironmentVariableResponse:
        """Create Environment Variable (`POST /v1/environments/{environmentId}/variables`, createEnvironmentVariable)."""
        return self._send(
            Call(
                "createEnvironmentVariable",
                "POST",
                f"/v1/environments/{_q(environment_id)}/variables",
                models.EnvironmentVariableResponse,
                json=_body(body),
            )
        )

    def update_environment_variable(
        self,
        environment_id: str,
        variable_id: str,
        body: models.UpdateEnvironmentVariableRequest | dict[str, Any],
    ) -> models.EnvironmentVariableResponse:
        """Update Environment Variable (`PATCH /v1/environments/{environmentId}/variables/{id}`, updateEnvironmentVariable)."""
        return self._send(
            Call(
                "updateEnvironmentVariable",
                "PATCH",
                f"/v1/environments/{_q(environment_id)}/variables/{_q(variable_id)}",
                models.EnvironmentVariableResponse,
                json=_body(body),
            )
        )

    def delete_environment_variable(
        self, environment_id: str, variable_id: str
    ) -> models.SuccessResponse:
        """Delete Environment Variable (`DELETE /v1/environments/{environmentId}/variables/{id}`, deleteEnvironmentVariable)."""
        return self._send(
            Call(
                "deleteEnvironmentVariable",
                "DELETE",
                f"/v1/environments/{_q(environment_id)}/variables/{_q(variable_id)}",
                models.SuccessResponse,
            )
        )

    def list_environment_files(self, environment_id: str) -> models.ListEnvironmentFilesResponse:
        """List Environment Files (`GET /v1/environments/{environmentId}/files`, listEnvironmentFiles)."""
        return self._send(
            Call(
                "listEnvironmentFiles",
                "GET",
                f"/v1/environments/{_q(environment_id)}/files",
                models.ListEnvironmentFilesResponse,
            )
        )

    def create_environment_file(
        self,
        environment_id: str,
        body: models.CreateEnvironmentFileRequest | dict[str, Any],
    ) -> models.EnvironmentFileResponse:
        """Create Environment File (`POST /v1/environments/{environmentId}/files`, createEnvironmentFile)."""
        return self._send(
            Call(
                "createEnvironmentFile",
                "POST",
                f"/v1/environments/{_q(environment_id)}/files",
                models.EnvironmentFileResponse,
                json=_body(body),
            )
        )

    def update_environment_file(
        self,
        environment_id: str,
        file_id: str,
        body: models.UpdateEnvironmentFileRequest | dict[str, Any],
    ) -> models.EnvironmentFileResponse:
        """Update Environment File (`PATCH /v1/environments/{environmentId}/files/{id}`, updateEnvironmentFile)."""
        return self._send(
            Call(
                "updateEnvironmentFile",
                "PATCH",
                f"/v1/environments/{_q(environment_id)}/files/{_q(file_id)}",
                models.EnvironmentFileResponse,
                json=_body(body),
            )
        )

    def delete_environment_file(self, environment_id: str, file_id: str) -> models.SuccessResponse:
        """Delete Environment File (`DELETE /v1/environments/{environmentId}/files/{id}`, deleteEnvironmentFile)."""
        return self._send(
            Call(
                "deleteEnvironmentFile",
                "DELETE",
                f"/v1/environments/{_q(environment_id)}/files/{_q(file_id)}",
                models.SuccessResponse,
            )
        )

    def list_environment_skills(self, environment_id: str) -> models.ListEnvironmentSkillsResponse:
        """List Environment Skills (`GET /v1/environments/{environmentId}/skills`, listEnvironmentSkills)."""
        return self._send(
            Call(
                "listEnvironmentSkills",
                "GET",
                f"/v1/environments/{_q(environment_id)}/skills",
                models.ListEnvironmentSkillsResponse,
            )
        )

    def create_environment_skill(
        self,
        environment_id: str,
        body: models.CreateEnvironmentSkillRequest | dict[str, Any],
    ) -> models.EnvironmentSkillResponse:
        """Enable Environment Skill (`POST /v1/environments/{environmentId}/skills`, createEnvironmentSkill)."""
        return self._send(
            Call(
                "createEnvironmentSkill",
                "POST",
                f"/v1/environments/{_q(environment_id)}/skills",
                models.EnvironmentSkillResponse,
                json=_body(body),
            )
        )

    def delete_environment_skill(
        self, environment_id: str, skill_id: str
    ) -> models.SuccessResponse:
        """Disable Environment Skill (`DELETE /v1/environments/{environmentId}/skills/{id}`, deleteEnvironmentSkill)."""
        return self._send(
            Call(
                "deleteEnvironmentSkill",
                "DELETE",
                f"/v1/environments/{_q(environment_id)}/skills/{_q(skill_id)}",
                models.SuccessResponse,
            )
        )

    def list_environment_skills_registries(
        self, environment_id: str
    ) -> models.ListEnvironmentSkillsRegistriesResponse:
        """List Skill Registries (`GET /v1/environments/{environmentId}/skills-registries`, listEnvironmentSkillsRegistries)."""
        return self._send(
            Call(
                "listEnvironmentSkillsRegistries",
                "GET",
                f"/v1/environments/{_q(environment_id)}/skills-registries",
                models.ListEnvironmentSkillsRegistriesResponse,
            )
        )

    def create_environment_skills_registry(
        self, environment_id: str, body: dict[str, Any]
    ) -> models.CreateEnvironmentSkillsRegistryResponse:
        """Add Skill Registry (`POST /v1/environments/{environmentId}/skills-registries`, createEnvironmentSkillsRegistry)."""
        return self._send(
            Call(
                "createEnvironmentSkillsRegistry",
                "POST",
                f"/v1/environments/{_q(environment_id)}/skills-registries",
                models.CreateEnvironmentSkillsRegistryResponse,
                json=_body(body),
            )
        )

    def delete_environment_skills_registry(
        self, environment_id: str, skills_registry_id: str
    ) -> models.SuccessResponse:
        """Remove Skill Registry (`DELETE /v1/environments/{environmentId}/skills-registries/{skillsRegistryId}`, deleteEnvironmentSkillsRegistry)."""
        return self._send(
            Call(
                "deleteEnvironmentSkillsRegistry",
                "DELETE",
                f"/v1/environments/{_q(environment_id)}/skills-registries/{_q(skills_registry_id)}",
                models.SuccessResponse,
            )
        )

    def list_repo_skills(self, environment_id: str) -> models.ListRepoSkillsResponse:
        """List Skills From Bound Repo (`GET /v1/environments/{environmentId}/repo-skills`, listRepoSkills)."""
        return self._send(
            Call(
                "listRepoSkills",
                "GET",
                f"/v1/environments/{_q(environment_id)}/repo-skills",
                models.ListRepoSkillsResponse,
            )
        )

    def list_environment_mcps(self, environment_id: str) -> models.ListEnvironmentMcpsResponse:
        """List Environment MCPs (`GET /v1/environments/{environmentId}/mcps`, listEnvironmentMcps)."""
        return self._send(
            Call(
                "listEnvironmentMcps",
                "GET",
                f"/v1/environments/{_q(environment_id)}/mcps",
                models.ListEnvironmentMcpsResponse,
            )
        )

    def create_environment_mcp(
        self,
        environment_id: str,
        body: models.CreateEnvironmentMcpRequest | dict[str, Any],
    ) -> models.EnvironmentMcpResponse:
        """Create Environment MCP (`POST /v1/environments/{environmentId}/mcps`, createEnvironmentMcp)."""
        return self._send(
            Call(
                "createEnvironmentMcp",
                "POST",
                f"/v1/environments/{_q(environment_id)}/mcps",
                models.EnvironmentMcpResponse,
                json=_body(body),
            )
        )

    def update_environment_mcp(
        self,
        environment_id: str,
        mcp_id: str,
        body: models.UpdateEnvironmentMcpRequest | dict[str, Any],
    ) -> models.EnvironmentMcpResponse:
        """Update Environment MCP (`PATCH /v1/environments/{environmentId}/mcps/{id}`, updateEnvironmentMcp)."""
        return self._send(
            Call(
                "updateEnvironmentMcp",
                "PATCH",
                f"/v1/environments/{_q(environment_id)}/mcps/{_q(mcp_id)}",
                models.EnvironmentMcpResponse,
                json=_body(body),
            )
        )

    def delete_environment_mcp(self, environment_id: str, mcp_id: str) -> models.SuccessResponse:
        """Delete Environment MCP (`DELETE /v1/environments/{environmentId}/mcps/{id}`, deleteEnvironmentMcp)."""
        return self._send(
            Call(
                "deleteEnvironmentMcp",
                "DELETE",
                f"/v1/environments/{_q(environment_id)}/mcps/{_q(mcp_id)}",
                models.SuccessResponse,
            )
        )

    def get_environment_warm_hooks(self, environment_id: str) -> models.GetWarmHooksResponse:
        """Get Warm Hooks State (`GET /v1/environments/{environmentId}/warm-hooks`, getEnvironmentWarmHooks)."""
        return self._send(
            Call(
                "getEnvironmentWarmHooks",
                "GET",
                f"/v1/environments/{_q(environment_id)}/warm-hooks",
                models.GetWarmHooksResponse,
            )
        )

    def save_environment_warm_hook(
        self, environment_id: str, body: models.SaveWarmHookRequest | dict[str, Any]
    ) -> models.SaveWarmHookResponse:
        """Save Warm Hook (`POST /v1/environments/{environmentId}/warm-hooks/save`, saveEnvironmentWarmHook)."""
        return self._send(
            Call(
                "saveEnvironmentWarmHook",
                "POST",
                f"/v1/environments/{_q(environment_id)}/warm-hooks/save",
                models.SaveWarmHookResponse,
                json=_body(body),
            )
        )

    def save_and_test_environment_warm_hook(
        self,
        environment_id: str,
        body: models.SaveAndTestWarmHookRequest | dict[str, Any],
    ) -> models.SaveAndTestWarmHookResponse:
        """Save and Test Warm Hook (`POST /v1/environments/{environmentId}/warm-hooks/save-test`, saveAndTestEnvironmentWarmHook)."""
        return self._send(
            Call(
                "saveAndTestEnvironmentWarmHook",
                "POST",
                f"/v1/environments/{_q(environment_id)}/warm-hooks/save-test",
                models.SaveAndTestWarmHookResponse,
                json=_body(body),
                read_timeout=HOOK_RUN_TIMEOUT,
            )
        )

    def test_environment_warm_hook(
        self, environment_id: str, body: models.TestWarmHookRequest | dict[str, Any]
    ) -> models.TestWarmHookResponse:
        """Test Warm Hook (`POST /v1/environments/{environmentId}/warm-hooks/test`, testEnvironmentWarmHook)."""
        return self._send(
            Call(
                "testEnvironmentWarmHook",
                "POST",
                f"/v1/environments/{_q(environment_id)}/warm-hooks/test",
                models.TestWarmHookResponse,
                json=_body(body),
                read_timeout=HOOK_RUN_TIMEOUT,
            )
        )

    def get_environment_repository_warm_hooks(
        self, environment_id: str
    ) -> types.RepositoryWarmHooksResponse:
        """The per-repository warm hooks of the environment's bound repositories, from their
        `replicas.json` / `replicas.yaml` (`GET .../warm-hooks/repository-hooks`; in the
        guide, not the spec)."""
        return self._send(
            Call(
                "getEnvironmentRepositoryWarmHooks",
                "GET",
                f"/v1/environments/{_q(environment_id)}/warm-hooks/repository-hooks",
                types.RepositoryWarmHooksResponse,
            )
        )

    def get_environment_start_hooks(self, environment_id: str) -> models.GetStartHooksResponse:
        """Get Start Hook (`GET /v1/environments/{environmentId}/start-hooks`, getEnvironmentStartHooks)."""
        return self._send(
            Call(
                "getEnvironmentStartHooks",
                "GET",
                f"/v1/environments/{_q(environment_id)}/start-hooks",
                models.GetStartHooksResponse,
            )
        )

    def get_environment_repository_start_hooks(
        self, environment_id: str
    ) -> types.RepositoryStartHooksResponse:
        """The per-repository start hooks of the environment's bound repositories, from their
        `replicas.json` / `replicas.yaml` (`GET .../start-hooks/repository-hooks`; in the
        guide, not the spec)."""
        return self._send(
            Call(
                "getEnvironmentRepositoryStartHooks",
                "GET",
                f"/v1/environments/{_q(environment_id)}/start-hooks/repository-hooks",
                types.RepositoryStartHooksResponse,
            )
        )

    def save_environment_start_hook(
        self, environment_id: str, body: models.SaveStartHookRequest | dict[str, Any]
    ) -> models.SaveStartHookResponse:
        """Save Start Hook (`POST /v1/environments/{environmentId}/start-hooks/save`, saveEnvironmentStartHook)."""
        return self._send(
            Call(
                "saveEnvironmentStartHook",
                "POST",
                f"/v1/environments/{_q(environment_id)}/start-hooks/save",
                models.SaveStartHookResponse,
                json=_body(body),
            )
        )

    def test_environment_start_hook(
        self, environment_id: str, body: models.TestStartHookRequest | dict[str, Any]
    ) -> models.TestStartHookResponse:
        """Test Start Hook (`POST /v1/environments/{environmentId}/start-hooks/test`, testEnvironmentStartHook)."""
        return self._send(
            Call(
                "testEnvironmentStartHook",
                "POST",
                f"/v1/environments/{_q(environment_id)}/start-hooks/test",
                models.TestStartHookResponse,
                json=_body(body),
                read_timeout=HOOK_RUN_TIMEOUT,
            )
        )

    def upsert_environment_warm_pool(
        self,
        environment_id: str,
        body: models.UpsertWarmPoolConfigRequest | dict[str, Any],
    ) -> models.UpsertWarmPoolConfigResponse:
        """Enable or Disable Warm Pool (`PUT /v1/environments/{environmentId}/warm-pools`, upsertEnvironmentWarmPool)."""
        return self._send(
            Call(
                "upsertEnvironmentWarmPool",
                "PUT",
                f"/v1/environments/{_q(environment_id)}/warm-pools",
                models.UpsertWarmPoolConfigResponse,
                json=_body(body),
            )
        )

    def list_warm_pool_workspaces(self, config_id: str) -> models.ListWarmPoolWorkspacesResponse:
        """List Warm Pool Workspaces (`GET /v1/warm-pools/{configId}/workspaces`, listWarmPoolWorkspaces)."""
        return self._send(
            Call(
                "listWarmPoolWorkspaces",
                "GET",
                f"/v1/warm-pools/{_q(config_id)}/workspaces",
                models.ListWarmPoolWorkspacesResponse,
            )
        )

    def search_environment_skills(self, *, q: Any = None) -> models.SearchEnvironmentSkillsResponse:
        """Search Skill Catalog (`GET /v1/environment-skills/search`, searchEnvironmentSkills)."""
        return self._send(
            Call(
                "searchEnvironmentSkills",
                "GET",
                "/v1/environment-skills/search",
                models.SearchEnvironmentSkillsResponse,
                params={"q": q},
            )
        )

    # --- Automation ----------------------------------------------------------

    def list_automations(
        self,
        *,
        page: Any = None,
        limit: Any = None,
        trigger_type: Any = None,
        enabled: Any = None,
        search: Any = None,
        scope: Any = None,
    ) -> models.ListAutomationsResponse:
        """List Automations (`GET /v1/automations`, listAutomations)."""
        return self._send(
            Call(
                "listAutomations",
                "GET",
                "/v1/automations",
                models.ListAutomationsResponse,
                params={
                    "page": page,
                    "limit": limit,
                    "trigger_type": trigger_type,
                    "enabled": enabled,
                    "search": search,
                    "scope": scope,
                },
            )
        )

    def create_automation(
        self, body: models.CreateAutomationRequest | dict[str, Any]
    ) -> models.AutomationResponse:
        """Create Automation (`POST /v1/automations`, createAutomation)."""
        return self._send(
            Call(
                "createAutomation",
                "POST",
                "/v1/automations",
                models.AutomationResponse,
                json=_body(body),
            )
        )

    def get_automation(self, automation_id: str) -> models.AutomationResponse:
        """Get Automation (`GET /v1/automations/{id}`, getAutomation)."""
        return self._send(
            Call(
                "getAutomation",
                "GET",
                f"/v1/automations/{_q(automation_id)}",
                models.AutomationResponse,
            )
        )

    def update_automation(
        self, automation_id: str, body: models.UpdateAutomationRequest | dict[str, Any]
    ) -> models.AutomationResponse:
        """Update Automation (`PATCH /v1/automations/{id}`, updateAutomation)."""
        return self._send(
            Call(
                "updateAutomation",
                "PATCH",
                f"/v1/automations/{_q(automation_id)}",
                models.AutomationResponse,
                json=_body(body),
            )
        )

    def delete_automation(self, automation_id: str) -> models.SuccessResponse:
        """Delete Automation (`DELETE /v1/automations/{id}`, deleteAutomation)."""
        return self._send(
            Call(
                "deleteAutomation",
                "DELETE",
                f"/v1/automations/{_q(automation_id)}",
                models.SuccessResponse,
            )
        )

    def trigger_automation(
        self, automation_id: str, body: models.TriggerAutomationRequest | dict[str, Any]
    ) -> models.TriggerAutomationResponse:
        """Trigger Automation (`POST /v1/automations/{id}/trigger`, triggerAutomation)."""
        return self._send(
            Call(
                "triggerAutomation",
                "POST",
                f"/v1/automations/{_q(automation_id)}/trigger",
                models.TriggerAutomationResponse,
                json=_body(body),
            )
        )

    def list_automation_executions(
        self, automation_id: str, *, page: Any = None, limit: Any = None
    ) -> models.ListAutomationExecutionsResponse:
        """List Automation Executions (`GET /v1/automations/{id}/executions`, listAutomationExecutions)."""
        return self._send(
            Call(
                "listAutomationExecutions",
                "GET",
                f"/v1/automations/{_q(automation_id)}/executions",
                models.ListAutomationExecutionsResponse,
                params={"page": page, "limit": limit},
            )
        )

    def fire_custom_webhook_automation(self, token: str, body: Any) -> types.FireWebhookResponse:
        """Fire a Custom Webhook Automation (`POST /v1/automations/webhook/{token}`, fireCustomWebhookAutomation).

        Unauthenticated: the token in the URL is the credential. Any JSON value is accepted.
        """
        return self._send(
            Call(
                "fireCustomWebhookAutomation",
                "POST",
                f"/v1/automations/webhook/{_q(token)}",
                types.FireWebhookResponse,
                json=_body(body),
                authenticated=False,
            )
        )

    # --- Preview -------------------------------------------------------------

    def delete_agent_preview(
        self, port: str | int, *, workspace_id: str
    ) -> models.DeletePreviewResponse:
        """Delete Preview (`DELETE /v1/previews/{port}`, deleteAgentPreview).

        Agent-mode auth: the client's key is the workspace engine secret, and the
        workspace is named in `X-Workspace-Id`.
        """
        return self._send(
            Call(
                "deleteAgentPreview",
                "DELETE",
                f"/v1/previews/{_q(port)}",
                models.DeletePreviewResponse,
                headers={"X-Workspace-Id": str(workspace_id)},
            )
        )

    def delete_workspace_preview(
        self, workspace_id: str, port: str | int
    ) -> models.DeletePreviewResponse:
        """Delete Workspace Preview (`DELETE /v1/workspaces/{workspaceId}/previews/{port}`, deleteWorkspacePreview)."""
        return self._send(
            Call(
                "deleteWorkspacePreview",
                "DELETE",
                f"/v1/workspaces/{_q(workspace_id)}/previews/{_q(port)}",
                models.DeletePreviewResponse,
            )
        )

    # --- Profile -------------------------------------------------------------

    def get_user_profile(self) -> models.GetUserProfileResponse:
        """Get User Profile (`GET /v1/user/profile`, getUserProfile)."""
        return self._send(
            Call(
                "getUserProfile",
                "GET",
                "/v1/user/profile",
                models.GetUserProfileResponse,
            )
        )

    def update_user_profile(
        self,
        display_name: str,
        *,
        avatar_url: str | None | _Unset = UNSET,
        avatar: tuple[str, bytes, str] | None = None,
        remove_avatar: bool = False,
    ) -> models.GetUserProfileResponse:
        """Update User Profile (`PUT /v1/user/profile`, updateUserProfile).

        With `avatar_url` (a URL, or None to clear it): JSON, which sets both fields.
        Otherwise multipart/form-data: the name, plus an uploaded `avatar`
        `(filename, content, content_type)` or `remove_avatar`; the avatar is kept if neither.
        """
        call = Call("updateUserProfile", "PUT", "/v1/user/profile", models.GetUserProfileResponse)
        if not isinstance(avatar_url, _Unset):
            call.json = {"displayName": display_name, "avatarUrl": avatar_url}
        else:
            parts: dict[str, Any] = {"displayName": (None, display_name)}
            if remove_avatar:
                parts["removeAvatar"] = (None, "true")
            if avatar is not None:
                parts["avatar"] = avatar
            call.files = parts
        return self._send(call)

    # --- Analytics -----------------------------------------------------------

    def get_analytics_overview(
        self, *, bucket: Any = None, start: Any = None, end: Any = None
    ) -> models.AnalyticsOverview:
        """Get Analytics Overview (`GET /v1/analytics/overview`, getAnalyticsOverview)."""
        return self._send(
            Call(
                "getAnalyticsOverview",
                "GET",
                "/v1/analytics/overview",
                models.AnalyticsOverview,
                params={"bucket": bucket, "start": start, "end": end},
            )
        )


class StreamOperations:
    """The API's event streams, async only: each returns an async iterator of events.

    `stream_replica_events` and `stream_warm_pool_workspace` reconnect when dropped,
    yielding `Reconnecting` markers; the hook-test streams are POSTs and never reconnect.
    """

    def _stream(
        self, call: Call, **options: Any
    ) -> AsyncIterator[StreamEvent | Reconnecting]:  # pragma: no cover
        raise NotImplementedError

    def stream_replica_events(
        self,
        replica_id: str,
        *,
        last_event_id: str | None = None,
        reconnect: bool = True,
        max_attempts: int | None = None,
        announce_open: bool = False,
    ) -> AsyncIterator[StreamEvent | Reconnecting]:
        """Stream Events (`GET /v1/replica/{id}/events`, streamReplicaEvents): EngineEvents.
        With `announce_open`, a `Reconnected(0)` marks the moment the stream is open."""
        call = Call("streamReplicaEvents", "GET", f"/v1/replica/{_q(replica_id)}/events")
        return self._stream(
            call,
            typed=True,
            reconnect=reconnect,
            last_event_id=last_event_id,
            max_attempts=max_attempts,
            announce_open=announce_open,
        )

    def stream_warm_pool_workspace(
        self,
        workspace_id: str,
        *,
        reconnect: bool = True,
        max_attempts: int | None = None,
    ) -> AsyncIterator[StreamEvent | Reconnecting]:
        """Stream Warm Pool Workspace Updates (`GET /v1/warm-pool-workspaces/{workspaceId}/stream`)."""
        call = Call(
            "streamWarmPoolWorkspace",
            "GET",
            f"/v1/warm-pool-workspaces/{_q(workspace_id)}/stream",
        )
        return self._stream(call, reconnect=reconnect, max_attempts=max_attempts)

    def stream_test_environment_start_hook(
        self, environment_id: str, body: models.TestStartHookRequest | dict[str, Any]
    ) -> AsyncIterator[StreamEvent | Reconnecting]:
        """Test Start Hook, streaming (`POST .../start-hooks/test/stream`): progress, output, complete, error."""
        call = Call(
            "streamTestEnvironmentStartHook",
            "POST",
            f"/v1/environments/{_q(environment_id)}/start-hooks/test/stream",
            json=_body(body),
        )
        return self._stream(call, reconnect=False)

    def stream_save_and_test_environment_warm_hook(
        self,
        environment_id: str,
        body: models.SaveAndTestWarmHookRequest | dict[str, Any],
        *,
        mode: str | None = None,
    ) -> AsyncIterator[StreamEvent | Reconnecting]:
        """Save-and-test (or `mode="test_only"`) a warm hook, streaming
        (`POST .../warm-hooks/save-test/stream`; in the guide, not the spec): progress,
        output, complete (exit_code, timed_out, warm_hook), error.
        """
        payload = dict(_body(body))
        if mode is not None:
            payload["mode"] = mode
        call = Call(
            "saveAndTestEnvironmentWarmHookStream",
            "POST",
            f"/v1/environments/{_q(environment_id)}/warm-hooks/save-test/stream",
            json=payload,
        )
        return self._stream(call, reconnect=False)
