# Generated from the Replica API OpenAPI spec by scripts/generate_models.sh. Do not edit.

from __future__ import annotations

from typing import Annotated, Any, Literal
from pydantic import AnyUrl, AwareDatetime, ConfigDict, EmailStr, Field, RootModel
from portal.replica_api.base import APIModel
from uuid import UUID
from enum import Enum, StrEnum


class ApiKeyCredentialRequest(APIModel):
    api_key: Annotated[str, Field(min_length=1)]


class ApiKeyCredentialStatus(APIModel):
    hasCredentials: bool
    credentialId: UUID | None = None
    apiKey: str | None = None
    lastFetchedAt: AwareDatetime | None = None


class ApiKeyCredentialUploadResponse(APIModel):
    success: bool
    credentialId: UUID


class ApiKeyCredentialDeleteResponse(APIModel):
    success: bool


class UserProfile(APIModel):
    userId: UUID
    email: EmailStr
    displayName: Annotated[str, Field(max_length=80, min_length=1)]
    avatarUrl: AnyUrl | None


class GetUserProfileResponse(APIModel):
    profile: UserProfile


class UpdateUserProfileRequest(APIModel):
    displayName: Annotated[str, Field(max_length=80, min_length=1)]
    avatarUrl: AnyUrl | None


class AnalyticsTimeSeriesPoint(APIModel):
    bucket: Annotated[str, Field(description='Bucket start as an ISO 8601 date (e.g. 2026-07-14)')]
    workspacesCreated: int
    prsOpened: int
    prsMerged: int
    prsClosed: int


class AnalyticsSummary(APIModel):
    workspacesCreated: int
    prsOpened: int
    prsMerged: int
    prsClosed: int
    computeMinutes: Annotated[float, Field(description='Total metered agent runtime in minutes across all workspace sources')]


class AnalyticsSourceCount(APIModel):
    source: Annotated[str, Field(description='Workspace source (e.g. dashboard, api, automation, slack, linear, github, gitlab)')]
    count: int


class AnalyticsUsagePoint(APIModel):
    bucket: Annotated[str, Field(description='Bucket start as an ISO 8601 date (e.g. 2026-07-14)')]
    bySource: Annotated[dict[str, float], Field(description='Map of workspace source to compute minutes in this bucket')]


class Bucket(StrEnum):
    day = 'day'
    week = 'week'
    month = 'month'


class AnalyticsOverview(APIModel):
    bucket: Annotated[Bucket, Field(description='Time bucket granularity of the returned series')]
    start: Annotated[AwareDatetime, Field(description='Inclusive start of the range as an ISO 8601 timestamp')]
    end: Annotated[AwareDatetime, Field(description='Exclusive end of the range as an ISO 8601 timestamp')]
    points: list[AnalyticsTimeSeriesPoint]
    summary: AnalyticsSummary
    sources: list[AnalyticsSourceCount]
    usage: list[AnalyticsUsagePoint]


class Repository(APIModel):
    id: Annotated[UUID, Field(description='Unique identifier for the repository')]
    name: Annotated[str, Field(description='Repository name')]
    url: Annotated[AnyUrl, Field(description='URL to the repository')]
    default_branch: Annotated[str, Field(description='Default branch name (e.g. main)')]


class RepositorySet(APIModel):
    id: Annotated[UUID, Field(description='Unique identifier for the repository set')]
    name: Annotated[str, Field(description='Repository set name')]
    description: Annotated[str | None, Field(description='Optional description of the repository set')]
    repositories: Annotated[list[Repository], Field(description='Repositories in this set')]


class PullRequest(APIModel):
    repository: Annotated[str, Field(description='Repository name')]
    number: Annotated[int, Field(description='Pull request number')]
    url: Annotated[AnyUrl, Field(description='URL to the pull request')]


class RepositoryReference(APIModel):
    id: Annotated[UUID, Field(description='Repository ID')]
    name: Annotated[str, Field(description='Repository name')]
    url: Annotated[AnyUrl, Field(description='Repository URL')]


class GitDiff(APIModel):
    added: Annotated[int, Field(description='Number of lines added')]
    removed: Annotated[int, Field(description='Number of lines removed')]
    full_diff: Annotated[str, Field(description='Full diff content')]


class RepositoryStatus(APIModel):
    repository: Annotated[str, Field(description='Repository name')]
    branch: Annotated[str, Field(description='Current git branch')]
    default_branch: Annotated[str, Field(description='Default branch of the repository')]
    pr_urls: Annotated[list[AnyUrl], Field(description='All pull request URLs the workspace has opened in this repository.')]
    start_hooks_completed: Annotated[bool, Field(description='Whether start hooks have finished executing')]
    git_diff: Annotated[GitDiff | None, Field(description='Git diff statistics, if available')]


class Provider(StrEnum):
    claude = 'claude'
    codex = 'codex'
    cursor = 'cursor'
    opencode = 'opencode'
    pi = 'pi'


class ReplicaChat(APIModel):
    id: Annotated[str, Field(description='Unique identifier for the chat')]
    provider: Annotated[Provider, Field(description='Coding agent provider for this chat')]
    title: Annotated[str, Field(description='Chat title')]
    created_at: Annotated[AwareDatetime, Field(description='When the chat was created')]
    updated_at: Annotated[AwareDatetime, Field(description='When the chat was last updated')]
    processing: Annotated[bool, Field(description='Whether the chat is currently doing work — either processing a foreground message or running background/spawned-agent tasks')]


class SlashCommand(APIModel):
    command: Annotated[str, Field(description='Slash command name, including the leading slash')]
    description: Annotated[str, Field(description='Short description of what the command does')]
    argumentHint: Annotated[str | None, Field(description='Optional argument hint for the command')] = None
    providers: Annotated[list[Provider], Field(description='Coding agent providers that support this command')]


class SlashCommandsResponse(APIModel):
    commands: list[SlashCommand]


class Integrations(APIModel):
    github: bool
    gitlab: bool
    linear: bool
    slack: bool
    google: bool


class Claude(APIModel):
    available: bool
    auth_method: str


class Codex(APIModel):
    available: bool
    auth_method: str


class Opencode(APIModel):
    available: bool
    auth_method: str


class Pi(APIModel):
    available: bool
    auth_method: str


class Cursor(APIModel):
    available: bool
    auth_method: str


class CodingAgents(APIModel):
    claude: Claude
    codex: Codex
    opencode: Opencode
    pi: Pi
    cursor: Cursor


class GlobalWarmHook(APIModel):
    status: str
    details: str | None


class Repository1(APIModel):
    repository_name: str
    warm_hook: str
    start_hook: str


class Hooks(APIModel):
    global_warm_hook: GlobalWarmHook
    repositories: list[Repository1]


class ReplicaEnvironment(APIModel):
    engine_version: Annotated[str, Field(description='Version of the replica engine')]
    files_uploaded: Annotated[list[str], Field(description='List of uploaded file names')]
    env_vars_set: Annotated[list[str], Field(description='List of environment variable names that are set')]
    skills_installed: Annotated[list[str], Field(description='List of installed skill names')]
    integrations: Annotated[Integrations, Field(description='Integration connection statuses')]
    coding_agents: Annotated[CodingAgents, Field(description='Available coding agents and their authentication methods')]
    hooks: Annotated[Hooks, Field(description='Hook configuration and status')]
    last_updated_at: Annotated[AwareDatetime, Field(description='When the environment was last updated')]


class Status(StrEnum):
    active = 'active'
    sleeping = 'sleeping'
    archived = 'archived'
    preparing = 'preparing'
    error = 'error'


class Source(StrEnum):
    api = 'api'
    dashboard = 'dashboard'
    slack = 'slack'
    linear = 'linear'
    github = 'github'
    gitlab = 'gitlab'
    automation = 'automation'


class ReplicaListItem(APIModel):
    id: Annotated[UUID, Field(description='Unique identifier for the replica')]
    name: Annotated[str, Field(description='Human-readable name for the replica. Must not contain whitespace.', pattern='^\\S+$')]
    status: Annotated[Status, Field(description='Current status of the replica')]
    source: Annotated[Source, Field(description='How the replica was created')]
    created_at: Annotated[AwareDatetime, Field(description='Timestamp when the replica was created')]
    last_activity_at: Annotated[AwareDatetime | None, Field(description='Timestamp of the last activity on the replica')]
    repositories: Annotated[list[RepositoryReference], Field(description='Repositories associated with the replica')]
    pull_requests: Annotated[list[PullRequest], Field(description='Associated pull requests')]


class CodingAgent(Enum):
    claude = 'claude'
    codex = 'codex'
    cursor = 'cursor'
    opencode = 'opencode'
    pi = 'pi'
    NoneType_None = None


class ReplicaDetails(ReplicaListItem):
    coding_agent: Annotated[CodingAgent | None, Field(description='Currently active coding agent')] = None
    repository_statuses: Annotated[list[RepositoryStatus] | None, Field(description='Status of each repository in the replica')] = None
    waking: Annotated[bool | None, Field(description='Whether the workspace was just woken from a sleeping or archived state. Retry in 30-90 seconds for full details.')] = None
    chats: Annotated[list[ReplicaChat] | None, Field(description='Chat sessions in this replica')] = None
    environment: Annotated[ReplicaEnvironment | None, Field(description='Environment configuration. Only included when requested via include=environment.')] = None


class MediaType(StrEnum):
    image_png = 'image/png'
    image_jpeg = 'image/jpeg'
    image_gif = 'image/gif'
    image_webp = 'image/webp'


class Source1(APIModel):
    type: Literal['base64']
    media_type: Annotated[MediaType, Field(description='MIME type of the image')]
    data: Annotated[str, Field(description='Base64-encoded image data')]


class Source2(APIModel):
    type: Literal['url']
    url: Annotated[AnyUrl, Field(description='URL to the image')]


class ImageContent(APIModel):
    type: Annotated[Literal['image'], Field(description="Content type, always 'image'")]
    source: Annotated[Source1 | Source2, Field(description='Image source data')]


class CodingAgent1(StrEnum):
    claude = 'claude'
    codex = 'codex'
    cursor = 'cursor'
    opencode = 'opencode'
    pi = 'pi'


class LifecyclePolicy(StrEnum):
    default = 'default'
    archive_when_done = 'archive_when_done'
    sleep_when_done = 'sleep_when_done'
    delete_after_inactivity = 'delete_after_inactivity'


class ThinkingLevel(StrEnum):
    low = 'low'
    medium = 'medium'
    high = 'high'
    xhigh = 'xhigh'
    max = 'max'
    ultra = 'ultra'
    ultracode = 'ultracode'


class Size(StrEnum):
    small = 'small'
    large = 'large'


class ReplicaWebhookConfig(APIModel):
    url: Annotated[AnyUrl, Field(description='HTTPS endpoint the platform POSTs JSON events to.')]
    secret: Annotated[str | None, Field(description='Optional shared secret used to compute the `X-Replicas-Signature` header (`sha256=` HMAC of the raw JSON body).')] = None


class CreateReplicaResponse(APIModel):
    replica: ReplicaListItem


class GetReplicaResponse(APIModel):
    replica: ReplicaDetails


class ListReplicasResponse(APIModel):
    replicas: Annotated[list[ReplicaListItem], Field(description='Array of replicas')]
    total: Annotated[int, Field(description='Total number of replicas matching the filters')]
    page: Annotated[int, Field(description='Current page number')]
    limit: Annotated[int, Field(description='Number of items per page')]
    total_pages: Annotated[int, Field(description='Total number of pages')]


class DeleteReplicaResponse(APIModel):
    success: Annotated[bool, Field(description='Whether the deletion was successful')]


class ArchiveWorkspaceResponse(APIModel):
    success: Annotated[bool, Field(description='Whether the workspace was archived')]


class SleepWorkspaceResponse(APIModel):
    success: Annotated[bool, Field(description='Whether the sleep request was accepted')]


class TerminalSession(APIModel):
    id: UUID
    title: str
    createdAt: AwareDatetime
    exited: bool
    exitCode: int | None = None


class ListTerminalSessionsResponse(APIModel):
    sessions: list[TerminalSession]


class CreateTerminalSessionRequest(APIModel):
    cols: Annotated[int, Field(ge=2, le=500)]
    rows: Annotated[int, Field(ge=1, le=200)]


class CreateTerminalSessionResponse(APIModel):
    session: TerminalSession


class WriteTerminalSessionRequest(APIModel):
    data: Annotated[str, Field(max_length=65536)]
    generation: Annotated[int, Field(description='Client generation used to reset input ordering.', ge=0)]
    sequence: Annotated[int, Field(description='Zero-based batch sequence within the generation.', ge=0)]


class ResizeTerminalSessionRequest(APIModel):
    cols: Annotated[int, Field(ge=2, le=500)]
    rows: Annotated[int, Field(ge=1, le=200)]


class TerminalMutationResponse(APIModel):
    success: Literal[True]


class DeletePreviewResponse(APIModel):
    success: Annotated[bool, Field(description='Whether the preview was deleted')]
    port: Annotated[int, Field(description='Port number that was unregistered')]


class CreateChatRequest(APIModel):
    provider: Annotated[Provider, Field(description='Coding agent provider for this chat')]
    id: Annotated[UUID | None, Field(description='Optional client-generated chat ID.')] = None
    createdAt: Annotated[AwareDatetime | None, Field(description='Optional client-generated creation time.')] = None
    title: Annotated[str | None, Field(description='Title for the chat')] = None
    parentChatId: Annotated[UUID | None, Field(description='Optional parent chat ID.')] = None
    clientRequestId: Annotated[str | None, Field(description='Opaque client-chosen id echoed back in the `chat.created` event, so clients doing optimistic UI can recognize their own create')] = None


class WorkspaceChat(APIModel):
    id: UUID
    provider: Provider
    title: str
    createdAt: AwareDatetime
    updatedAt: AwareDatetime
    processing: bool
    parentChatId: UUID | None
    lastMessageText: str | None = None


class WorkspaceChatListResponse(APIModel):
    chats: list[WorkspaceChat]
    deletedChats: list[WorkspaceChat] | None = None


class CreateWorkspaceChatResponse(APIModel):
    chat: WorkspaceChat


class SendWorkspaceChatMessageRequest(APIModel):
    message: str
    messageId: str | None = None
    submittedAt: AwareDatetime | None = None
    model: str | None = None
    images: list[ImageContent] | None = None
    planMode: bool | None = None
    goalMode: bool | None = None
    fastMode: bool | None = None
    thinkingLevel: ThinkingLevel | None = None


class SendWorkspaceChatMessageResponse(APIModel):
    messageId: str
    queued: bool
    position: int


class SendDeferredWorkspaceMessageRequest(SendWorkspaceChatMessageRequest):
    provider: Provider
    chatId: UUID | None = None
    generateName: bool | None = None


class SendDeferredWorkspaceMessageResponse(APIModel):
    status: Literal['waking']
    chatId: UUID
    messageId: str


class SendReplicaMessageRequest(APIModel):
    message: Annotated[str, Field(description='Message to send to the coding agent')]
    coding_agent: Annotated[CodingAgent1 | None, Field(description='Coding agent to use')] = 'claude'
    chat_id: Annotated[str | None, Field(description='Target a specific chat session')] = None
    model: Annotated[str | None, Field(description='Model to use for this message. Pi and Opencode accept z-ai/glm-5.2, minimax/minimax-m3, xiaomi/mimo-v2.5-pro, and moonshotai/kimi-k2.6 through OpenRouter.')] = None
    images: Annotated[list[ImageContent] | None, Field(description='Images to attach to the message')] = None
    plan_mode: Annotated[bool | None, Field(description='Whether to run in plan mode. Leading `/plan` in the message is also detected and stripped.')] = None
    goal_mode: Annotated[bool | None, Field(description='Whether to set the message as the active Codex goal. Leading `/goal` in the message is also detected and stripped.')] = None
    fast_mode: Annotated[bool | None, Field(description='Whether to run in fast mode. Leading `/fast` in the message is also detected and stripped.')] = None
    thinking_level: Annotated[ThinkingLevel | None, Field(description='Thinking/reasoning level. Controls how much effort the agent puts into reasoning. `ultra` is Codex-only; `ultracode` is Claude Code-only. Falls back to provider default when omitted (Claude default: high, Codex default: medium, Cursor default: medium, Opencode default: medium, Pi default: model default).')] = None
    senderUserId: Annotated[str | None, Field(description="Identifier of the user sending this message. When the request is authenticated via dashboard auth, the server overrides this with the authenticated user's id so team workspaces can attribute messages to the actual sender.")] = None
    senderEmail: Annotated[str | None, Field(description="Email of the user sending this message. When the request is authenticated via dashboard auth, the server overrides this with the authenticated user's email.")] = None


class Status1(StrEnum):
    sent = 'sent'
    queued = 'queued'
    waking = 'waking'


class SendReplicaMessageResponse(APIModel):
    status: Annotated[Status1, Field(description='Status of the message delivery')]
    message_id: Annotated[str | None, Field(description='Unique identifier for the sent message')]
    position: Annotated[int | None, Field(description="Queue position if status is 'queued'")]
    chat_id: Annotated[str | None, Field(description='ID of the chat the message was sent to')]


class CodingAgent3(Enum):
    claude = 'claude'
    codex = 'codex'
    cursor = 'cursor'
    opencode = 'opencode'
    pi = 'pi'
    NoneType_None = None


class ChatMessageSender(APIModel):
    senderUserId: Annotated[str, Field(description='Identifier of the user who sent the message.')]
    senderEmail: Annotated[str, Field(description='Email of the user who sent the message.')]
    recordedAt: Annotated[AwareDatetime, Field(description='When the sender was recorded by the engine.')]


class QueuedMessageInfo(APIModel):
    id: Annotated[str, Field(description='Unique queued message ID.')]
    message: Annotated[str, Field(description='Queued message text.')]
    queuedAt: Annotated[AwareDatetime, Field(description='When the message was queued.')]
    senderUserId: Annotated[str | None, Field(description='Identifier of the user who queued the message.')] = None
    senderEmail: Annotated[str | None, Field(description='Email of the user who queued the message.')] = None
    senderDisplayName: Annotated[str | None, Field(description='Display name of the user who queued the message.')] = None


class ChatQueueResponse(APIModel):
    chatId: Annotated[str, Field(description='Chat session ID.')]
    processing: Annotated[bool, Field(description='Whether the chat is currently doing work — either processing a foreground message or running background/spawned-agent tasks.')]
    queue: list[QueuedMessageInfo]


class ReorderQueueRequest(APIModel):
    messageId: Annotated[str, Field(description='Queued message ID.')]
    position: Annotated[int, Field(description='Zero-based target position.')]


class QueueMutationResponse(APIModel):
    success: Annotated[bool, Field(description='Whether the queue mutation changed the queue.')]
    queue: list[QueuedMessageInfo]


class CanvasItemKind(StrEnum):
    markdown = 'markdown'
    html = 'html'
    image = 'image'
    video = 'video'
    audio = 'audio'
    other = 'other'


class CanvasItem(APIModel):
    filename: Annotated[str, Field(description='The basename of the file inside the Canvas directory.')]
    kind: CanvasItemKind
    sizeBytes: Annotated[int, Field(description='File size in bytes, measured at list time.')]


class CanvasListResponse(APIModel):
    items: list[CanvasItem]


class CanvasContentResponse(APIModel):
    filename: str
    kind: CanvasItemKind
    sizeBytes: int
    mimeType: Annotated[str, Field(description='MIME type to render the content with (e.g. `text/markdown; charset=utf-8`, `image/png`).')]
    content: Annotated[str | None, Field(description='UTF-8 text for `markdown` / `html` kinds.')] = None
    base64: Annotated[str | None, Field(description='Base64 payload for `image` / `video` / `audio` / `other` kinds.')] = None
    tooLarge: Annotated[bool | None, Field(description="Present and `true` when the file exceeded the engine's per-file size cap.")] = None


class HookType(StrEnum):
    global_ = 'global'
    repository = 'repository'


class WarmHookLogEntry(APIModel):
    hookType: Annotated[HookType, Field(description='Type of hook')]
    hookName: Annotated[str, Field(description='Name of the hook')]
    hookScript: Annotated[str, Field(description='Script that was executed')]
    output: Annotated[str, Field(description='Hook execution output. When `outputTruncated` is true, this is a preview of up to ~100,000 characters of the full stored log; the complete log can be retrieved via the dashboard full-log endpoint.')]
    outputTruncated: Annotated[bool, Field(description='Whether `output` has been truncated to a preview.')]
    outputTotalChars: Annotated[int, Field(description='Total character length of the full stored log (regardless of whether `output` is truncated).')]
    exitCode: Annotated[int, Field(description='Exit code of the hook')]
    timedOut: Annotated[bool, Field(description='Whether the hook timed out')]
    executedAt: Annotated[AwareDatetime, Field(description='When the hook was executed')]


class HookType1(StrEnum):
    environment = 'environment'
    repository = 'repository'


class StartHookLogEntry(APIModel):
    hookType: Annotated[HookType1, Field(description='Type of start hook. `environment` is the workspace-level start hook configured on the environment; `repository` is a per-repo start hook from replicas.json/yaml.')]
    hookName: Annotated[str, Field(description='Identifier for the hook. For `repository` hooks this is the repository name; for the `environment` hook it is the literal string `environment`.')]
    repoName: Annotated[str, Field(description='Deprecated: use `hookName` instead. Equals `hookName` for repository hooks and the literal `environment` for the environment hook.')]
    hookCommands: Annotated[list[str], Field(description='Commands that were executed')]
    output: Annotated[str, Field(description='Hook execution output. When `outputTruncated` is true, this is a preview of up to ~100,000 characters of the full stored log; the complete log can be retrieved via the dashboard full-log endpoint.')]
    outputTruncated: Annotated[bool, Field(description='Whether `output` has been truncated to a preview.')]
    outputTotalChars: Annotated[int, Field(description='Total character length of the full stored log (regardless of whether `output` is truncated).')]
    exitCode: Annotated[int, Field(description='Exit code of the hook')]
    timedOut: Annotated[bool, Field(description='Whether the hook timed out')]
    executedAt: Annotated[AwareDatetime, Field(description='When the hook was executed')]


class Payload(APIModel):
    version: Annotated[str, Field(description='Engine protocol version', examples=['v1'])]


class EngineEvent1(APIModel):
    id: Annotated[str, Field(description='Unique event ID')]
    ts: Annotated[AwareDatetime, Field(description='ISO 8601 timestamp')]
    type: Literal['engine.ready']
    payload: Payload


class Payload6(APIModel):
    chatId: Annotated[str, Field(description='ID of the deleted chat')]


class EngineEvent7(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.deleted']
    payload: Payload6


class Payload7(APIModel):
    chatId: Annotated[str, Field(description='Chat session ID')]
    messageId: Annotated[str, Field(description='Unique message ID')]
    queued: Annotated[bool, Field(description='Whether the message was queued (true) or processing immediately (false)')]
    position: Annotated[int, Field(description='Position in the queue (0 if processing immediately)')]


class EngineEvent8(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.turn.accepted']
    payload: Payload7


class Payload8(APIModel):
    chatId: Annotated[str, Field(description='Chat session ID')]
    messageId: Annotated[str, Field(description='Message being processed')]


class EngineEvent9(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.turn.started']
    payload: Payload8


class Payload10(APIModel):
    chatId: Annotated[str, Field(description='Chat session ID')]
    isComplete: Annotated[bool, Field(description='Whether the turn completed fully (false if interrupted or errored)')]


class EngineEvent11(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.turn.completed']
    payload: Payload10


class Payload11(APIModel):
    chatId: Annotated[str, Field(description='Chat session ID')]
    interrupted: Annotated[bool, Field(description='Whether the interruption was successful')]
    queue: Annotated[list[str], Field(description='Remaining message IDs in the queue')]


class EngineEvent12(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.interrupted']
    payload: Payload11


class Payload12(APIModel):
    running: Annotated[bool, Field(description='Whether hooks are currently running')]
    completed: Annotated[bool, Field(description='Whether hooks have completed')]


class EngineEvent13(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['hooks.started']
    payload: Payload12


class Payload13(APIModel):
    running: bool
    completed: bool


class EngineEvent14(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['hooks.progress']
    payload: Payload13


class EngineEvent15(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['hooks.completed']
    payload: Payload13


class EngineEvent16(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['hooks.failed']
    payload: Payload13


class EngineEvent17(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['hooks.status']
    payload: Payload13


class Payload18(APIModel):
    code: Annotated[str, Field(description='Machine-readable error code')]
    message: Annotated[str, Field(description='Human-readable error message')]
    details: Annotated[str | None, Field(description='Additional error details')] = None


class EngineEvent19(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['error']
    payload: Payload18


class EngineStatusSnapshot(APIModel):
    uptimeSeconds: Annotated[float, Field(description='Engine uptime in seconds')]
    hasActiveSSHSessions: Annotated[bool, Field(description='Whether there are active SSH sessions')]
    activeSseClients: Annotated[int, Field(description='Number of active SSE client connections')]
    chatsTotal: Annotated[int, Field(description='Total number of chat sessions')]
    chatsProcessing: Annotated[int, Field(description='Number of chats currently doing work, including those running background/spawned-agent tasks')]
    reposTotal: Annotated[int, Field(description='Total number of repositories')]
    hooksRunning: Annotated[bool, Field(description='Whether hooks are currently running')]
    desktopReady: Annotated[bool | None, Field(description="Whether the sandbox's noVNC desktop port is accepting connections. The desktop stack boots after wake, so this can lag behind engine readiness. Absent on older engines that do not report it.")] = None


class WorkspaceEngineHeartbeatSnapshot(APIModel):
    lastSeenAt: Annotated[AwareDatetime | None, Field(description='When the latest heartbeat was received, or null if none has been received.')]
    ageMs: Annotated[int | None, Field(description='Age of the latest heartbeat in milliseconds, or null if none has been received.')]
    fresh: Annotated[bool, Field(description='Whether the latest heartbeat is within the freshness window.')]
    staleAfterMs: Annotated[int, Field(description='Heartbeat age threshold used to decide whether the engine heartbeat is fresh.')]
    bootTimeMs: Annotated[int | None, Field(description='Engine boot timestamp in Unix epoch milliseconds, if reported.')] = None
    uptimeSeconds: Annotated[int | None, Field(description='Engine uptime in seconds, if reported.')] = None
    status: Annotated[str | None, Field(description='Engine heartbeat status, if reported.')] = None


class Status2(StrEnum):
    active = 'active'
    sleeping = 'sleeping'
    archived = 'archived'
    preparing = 'preparing'
    error = 'error'
    not_found = 'not_found'


class LastChatMessage(APIModel):
    text: Annotated[str, Field(description='Preview of the most recent input message.')]
    provider: Annotated[Provider, Field(description='Agent that received the message.')]
    at: Annotated[AwareDatetime, Field(description='When the message was sent.')]


class WorkspaceStatusResponse(APIModel):
    status: Annotated[Status2, Field(description='Current workspace status.')]
    lastChecked: Annotated[AwareDatetime, Field(description='When the status was checked.')]
    error: Annotated[str | None, Field(description='Status, health-check, setup/provisioning, or wake/resume error message, if present. Some workspaces in `error` can be retried with the wake endpoint; unrecoverable setup or sandbox failures may still require support.')] = None
    message: Annotated[str | None, Field(description='Additional status message, if present.')] = None
    desktopReady: Annotated[bool | None, Field(description="Whether the sandbox's noVNC desktop port is accepting connections. The desktop stack boots after wake, so this can lag behind `active` status. Absent on older engines that do not report it.")] = None
    engineHeartbeat: WorkspaceEngineHeartbeatSnapshot | None = None
    repoStatuses: Annotated[list[RepositoryStatus] | None, Field(description='Cached repository status summaries, if available.')] = None
    lastChatMessage: Annotated[LastChatMessage | None, Field(description="The most recent input message across the workspace's chats, or null if none has been sent.")] = None


class Provider6(StrEnum):
    github = 'github'
    gitlab = 'gitlab'


class EngineRepoDiff(APIModel):
    added: Annotated[int, Field(description='Number of lines added')]
    removed: Annotated[int, Field(description='Number of lines removed')]
    fullDiff: Annotated[str | None, Field(description='Full diff content')] = None


class Provider7(StrEnum):
    claude = 'claude'
    codex = 'codex'
    cursor = 'cursor'
    opencode = 'opencode'
    pi = 'pi'


class EngineChatSummary(APIModel):
    id: Annotated[str, Field(description='Unique chat session ID')]
    provider: Annotated[Provider7, Field(description='Coding agent provider')]
    title: Annotated[str, Field(description='Chat title')]
    createdAt: Annotated[AwareDatetime, Field(description='When the chat was created')]
    updatedAt: Annotated[AwareDatetime, Field(description='When the chat was last updated')]
    processing: Annotated[bool, Field(description='Whether the chat is currently doing work — either processing a foreground message or running background/spawned-agent tasks')]
    awaitingInput: Annotated[bool | None, Field(description='The agent has issued an interactive tool call (e.g. ExitPlanMode, AskUserQuestion) and is paused until the user resolves it. `processing` stays true while this is true.')] = None
    parentChatId: Annotated[str | None, Field(description='ID of the parent chat, if this is a sub-chat')]
    lastMessageText: Annotated[str | None, Field(description='Preview of the most recent input message sent to this chat.')] = None


class EnginePreviewPort(APIModel):
    port: Annotated[int, Field(description='Local port number')]
    publicUrl: Annotated[AnyUrl, Field(description='Public URL for the preview')]
    createdAt: Annotated[AwareDatetime, Field(description='When the preview was created')]


class Type(StrEnum):
    claude_assistant = 'claude-assistant'
    claude_user = 'claude-user'
    claude_result = 'claude-result'
    claude_system = 'claude-system'


class Type1(StrEnum):
    cron = 'cron'
    github = 'github'
    gitlab = 'gitlab'
    slack = 'slack'
    sentry = 'sentry'
    custom = 'custom'


class CronTriggerConfig(APIModel):
    schedule: Annotated[str, Field(description='Cron expression (e.g. "0 9 * * 1-5" for weekdays at 9am UTC)', examples=['0 9 * * 1-5'])]
    timezone: Annotated[str | None, Field(description='IANA timezone for the schedule (defaults to UTC)', examples=['America/New_York'])] = 'UTC'


class Event(StrEnum):
    pull_request_opened = 'pull_request.opened'
    pull_request_synchronize = 'pull_request.synchronize'
    pull_request_merged = 'pull_request.merged'
    pull_request_closed = 'pull_request.closed'
    pull_request_command = 'pull_request.command'


class GitHubTriggerConfig(APIModel):
    event: Annotated[Event, Field(description='The GitHub event to listen for')]
    repository_ids: Annotated[list[UUID] | None, Field(description='Optional filter: only fire for events from these repositories. If omitted, fires for all repositories.')] = None
    group_pr_events: Annotated[bool | None, Field(description='When true, later `pull_request.opened`, `pull_request.synchronize`, or `pull_request.command` events for a PR that already has a workspace from an earlier run of this automation are routed to that workspace as a follow-up message instead of spawning a new one. Only meaningful for the opened, synchronize, and command events.')] = None
    excluded_actors: Annotated[list[str] | None, Field(description='Optional exclusion list: events sent by these GitHub usernames never fire the automation (e.g. `dependabot[bot]`). Matching is case-insensitive and ignores a leading `@`.')] = None


class Event1(StrEnum):
    merge_request_opened = 'merge_request.opened'
    merge_request_updated = 'merge_request.updated'
    merge_request_merged = 'merge_request.merged'
    merge_request_closed = 'merge_request.closed'


class GitLabTriggerConfig(APIModel):
    event: Annotated[Event1, Field(description='The GitLab event to listen for')]
    repository_ids: Annotated[list[UUID] | None, Field(description='Optional filter: only fire for events from these GitLab projects. If omitted, fires for all projects.')] = None
    group_pr_events: Annotated[bool | None, Field(description='When true, later `merge_request.opened` or `merge_request.updated` events for an MR that already has a workspace from an earlier run of this automation are routed to that workspace as a follow-up message instead of spawning a new one. Only meaningful for the opened and updated events.')] = None
    excluded_actors: Annotated[list[str] | None, Field(description='Optional exclusion list: events sent by these GitLab usernames never fire the automation. Matching is case-insensitive and ignores a leading `@`.')] = None


class Event2(StrEnum):
    message = 'message'


class SlackTriggerConfig(APIModel):
    event: Annotated[Event2, Field(description='The Slack event to listen for')]
    channel_ids: Annotated[list[str] | None, Field(description='Optional filter: only fire for events from these Slack channels. If omitted, fires for all channels.')] = None
    group_thread_replies: Annotated[bool | None, Field(description='When true (default), thread replies flow to the same workspace as the root message instead of spawning new ones.')] = True


class Event3(StrEnum):
    event_alert_triggered = 'event_alert.triggered'
    issue_created = 'issue.created'
    error_created = 'error.created'


class MinLevel(StrEnum):
    debug = 'debug'
    info = 'info'
    warning = 'warning'
    error = 'error'
    fatal = 'fatal'


class SentryTriggerConfig(APIModel):
    event: Annotated[Event3, Field(description='The Sentry event to listen for')]
    project_slugs: Annotated[list[str] | None, Field(description='Optional filter: only fire for events from these Sentry project slugs. If omitted, fires for all projects.')] = None
    min_level: Annotated[MinLevel | None, Field(description='Optional minimum severity level (inclusive). If omitted, fires for all levels.')] = None


class CustomTriggerConfig(APIModel):
    pass


class Capabilities(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    pr_followups: Annotated[bool | None, Field(description='Whether matching pull requests can receive Replicas follow-up actions. Defaults to true for workspaces created from the dashboard, Slack, Linear, GitHub, or the API, and to false for workspaces created from an automation. When enabled, later CI and review-comment replies can route back to this workspace.')] = None


class Preferences(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    keep_open_on_pr_merge: Annotated[bool | None, Field(description='Whether the workspace should remain open after its last tracked PR is merged. Defaults to false.')] = False
    keep_open_on_pr_close: Annotated[bool | None, Field(description='Whether the workspace should remain open after its last tracked PR is closed without merging. Defaults to false.')] = False


class ProvisioningError(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    message: Annotated[str | None, Field(description='Underlying setup failure message, such as repository clone/auth errors.')] = None


class WorkspaceConfig(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    capabilities: Annotated[Capabilities | None, Field(description='Actions this workspace is allowed to perform. Automations snapshot this config onto each workspace they create; API-created replicas can set it at creation time.')] = None
    preferences: Annotated[Preferences | None, Field(description='Workspace behavior preferences that do not grant new action permissions.')] = None
    provisioning_error: Annotated[ProvisioningError | None, Field(description='Setup/provisioning or wake/resume failure captured when the workspace remains queryable in `error` status. Some wake/resume failures can be retried; the `error` status can also represent an unrecoverable sandbox failure.')] = None


class WorkspaceLifecyclePolicy(StrEnum):
    default = 'default'
    archive_when_done = 'archive_when_done'
    sleep_when_done = 'sleep_when_done'
    delete_after_inactivity = 'delete_after_inactivity'


class WorkspaceSize(Enum):
    small = 'small'
    large = 'large'
    NoneType_None = None


class AgentProvider(Enum):
    claude = 'claude'
    codex = 'codex'
    cursor = 'cursor'
    opencode = 'opencode'
    pi = 'pi'
    NoneType_None = None


class ThinkingLevel3(Enum):
    low = 'low'
    medium = 'medium'
    high = 'high'
    xhigh = 'xhigh'
    max = 'max'
    ultra = 'ultra'
    ultracode = 'ultracode'
    NoneType_None = None


class Status3(StrEnum):
    pending = 'pending'
    creating = 'creating'
    running = 'running'
    completed = 'completed'
    failed = 'failed'


class AutomationExecutionRecord(APIModel):
    id: Annotated[UUID, Field(description='Unique identifier for the execution')]
    automation_id: Annotated[UUID, Field(description='The automation that was executed')]
    organization_id: Annotated[UUID, Field(description='Organization that owns this execution')]
    workspace_id: Annotated[UUID | None, Field(description='The workspace created for this execution (null if not yet created)')]
    triggered_at: Annotated[AwareDatetime, Field(description='When the execution was triggered')]
    trigger_payload: Annotated[dict[str, Any], Field(description='Event data that triggered the execution')]
    status: Annotated[Status3, Field(description='Current status of the execution')]
    config: WorkspaceConfig
    error: Annotated[str | None, Field(description='Error message if the execution failed')]
    completed_at: Annotated[AwareDatetime | None, Field(description='When the execution completed')]


class Scope(StrEnum):
    org = 'org'
    user = 'user'


class WorkspaceSize1(StrEnum):
    small = 'small'
    large = 'large'


class Pr(APIModel):
    repository_id: Annotated[UUID, Field(description='The Replicas repository UUID the pull request belongs to')]
    number: Annotated[int, Field(description='The pull request number')]


class TriggerAutomationRequest(APIModel):
    payload: Annotated[dict[str, Any] | None, Field(description='Optional payload to pass to the automation execution')] = None
    pr: Annotated[Pr | None, Field(description='Run the automation against a specific pull request. Only allowed for automations with a GitHub `pull_request.command` trigger matching the repository. The PR context is injected into the prompt like any other PR-triggered run.')] = None


class TriggerAutomationResponse(APIModel):
    execution_id: Annotated[UUID, Field(description='Unique identifier for the execution')]
    workspace_id: Annotated[UUID | None, Field(description='The workspace created for this execution')]


class ListAutomationExecutionsResponse(APIModel):
    executions: list[AutomationExecutionRecord]
    total: Annotated[int, Field(description='Total number of executions')]
    page: Annotated[int, Field(description='Current page number')]
    limit: Annotated[int, Field(description='Number of items per page')]
    totalPages: Annotated[int, Field(description='Total number of pages')]


class ClaudeContentBlock1(APIModel):
    type: Literal['text']
    text: Annotated[str, Field(description='The text content')]


class ClaudeContentBlock2(APIModel):
    type: Literal['thinking']
    text: Annotated[str, Field(description='The thinking/reasoning content')]


class ClaudeContentBlock3(APIModel):
    type: Literal['tool_use']
    id: Annotated[str, Field(description='Unique ID for this tool use, referenced by subsequent tool_result blocks')]
    name: Annotated[str, Field(description='Tool name (e.g. `Bash`, `Edit`, `Write`, `Read`, `Grep`, `Glob`, `WebSearch`, `TaskCreate`, `Skill`)')]
    input: Annotated[dict[str, Any], Field(description='Tool-specific input parameters')]


class Type2(StrEnum):
    text = 'text'
    image = 'image'


class Source3(APIModel):
    type: str | None = None
    media_type: str | None = None
    data: Annotated[str | None, Field(description='Base64-encoded image data')] = None


class ContentItem(APIModel):
    type: Type2 | None = None
    text: str | None = None
    source: Source3 | None = None


class ClaudeContentBlock4(APIModel):
    type: Literal['tool_result']
    tool_use_id: Annotated[str, Field(description='ID of the tool_use block this result corresponds to')]
    content: Annotated[str | list[ContentItem] | None, Field(description='Tool output — either a plain string or an array of text/image blocks.')] = None
    is_error: Annotated[bool | None, Field(description='Whether the tool execution resulted in an error')] = None


class ClaudeContentBlock(RootModel[ClaudeContentBlock1 | ClaudeContentBlock2 | ClaudeContentBlock3 | ClaudeContentBlock4]):
    root: Annotated[ClaudeContentBlock1 | ClaudeContentBlock2 | ClaudeContentBlock3 | ClaudeContentBlock4, Field(description='A single content block within a Claude message. Discriminated by `type`.', discriminator='type')]


class Type3(StrEnum):
    event_msg = 'event_msg'
    response_item = 'response_item'


class Type4(StrEnum):
    cursor_assistant = 'cursor-assistant'
    cursor_thinking = 'cursor-thinking'
    cursor_tool_call = 'cursor-tool_call'
    cursor_task = 'cursor-task'
    cursor_status = 'cursor-status'
    cursor_error = 'cursor-error'


class CursorAgentEvent(APIModel):
    timestamp: Annotated[AwareDatetime, Field(description='When the event occurred')]
    type: Annotated[Literal['cursor-assistant', 'cursor-thinking', 'cursor-tool_call', 'cursor-task', 'cursor-status', 'cursor-error'], Field(description='Cursor event type. `cursor-assistant` contains model output, `cursor-thinking` contains reasoning text, `cursor-tool_call` contains tool progress/results, `cursor-task` contains task updates, `cursor-status` contains run status, and `cursor-error` contains failure details.')]
    payload: Annotated[dict[str, Any], Field(description='Cursor event payload. Shape depends on the parent event `type`; Cursor payload sub-shapes are not yet formally specified.')]


class OpencodeAgentEvent(APIModel):
    timestamp: Annotated[AwareDatetime, Field(description='When the event occurred')]
    type: Annotated[Literal['opencode-message.updated', 'opencode-session.idle', 'opencode-error', 'opencode-part-text', 'opencode-part-reasoning', 'opencode-part-tool'], Field(description='Opencode event type. Common values include `opencode-message.updated`, `opencode-session.idle`, `opencode-error`, and `opencode-part-*` events.')]
    payload: Annotated[dict[str, Any], Field(description='Opencode event payload. Shape depends on the parent event `type`; Opencode payload sub-shapes are not yet formally specified.')]


class PiAgentEvent(APIModel):
    timestamp: Annotated[AwareDatetime, Field(description='When the event occurred')]
    type: Annotated[Literal['pi-agent_start', 'pi-message_update', 'pi-tool_execution_start', 'pi-tool_execution_update', 'pi-tool_execution_end', 'pi-error'], Field(description='Pi event type. Common values include pi-message_update, pi-tool_execution_start, pi-tool_execution_update, pi-tool_execution_end, and pi-error.')]
    payload: Annotated[dict[str, Any], Field(description='Pi event payload. Shape depends on the parent event type.')]


class Type5(StrEnum):
    user_message = 'user_message'
    agent_reasoning = 'agent_reasoning'


class CodexEventMsgPayload(APIModel):
    type: Annotated[Literal['user_message', 'agent_reasoning'], Field(description="`user_message` for user input, `agent_reasoning` for the agent's chain-of-thought")]
    message: Annotated[str | None, Field(description='User message text (present when type is `user_message`)')] = None
    text: Annotated[str | None, Field(description='Reasoning text (present when type is `agent_reasoning`)')] = None


class ContentItem1(APIModel):
    type: Literal['output_text']
    text: Annotated[str, Field(description='The text content')]


class CodexResponseItemPayload1(APIModel):
    type: Literal['message']
    role: Literal['assistant']
    content: list[ContentItem1]


class Name(StrEnum):
    shell = 'shell'
    shell_command = 'shell_command'
    exec_command = 'exec_command'
    update_plan = 'update_plan'


class CodexResponseItemPayload2(APIModel):
    type: Literal['function_call']
    call_id: Annotated[str, Field(description='Unique ID for this call, referenced by the corresponding `function_call_output`')]
    name: Annotated[Name, Field(description='Function name')]
    arguments: Annotated[str, Field(description='JSON-encoded arguments (e.g. `{"command": "ls -la"}` for shell commands, `{"plan": [...]}` for plan updates)')]


class CodexResponseItemPayload3(APIModel):
    type: Literal['function_call_output']
    call_id: Annotated[str, Field(description='ID of the function_call this output corresponds to')]
    output: Annotated[str, Field(description='Raw output string. For shell commands this may include exit codes and stdout/stderr.')]


class Status4(StrEnum):
    in_progress = 'in_progress'
    completed = 'completed'
    failed = 'failed'


class CodexResponseItemPayload4(APIModel):
    type: Literal['custom_tool_call']
    call_id: Annotated[str, Field(description='Unique ID for this call')]
    name: Annotated[str, Field(description='Tool name (e.g. `apply_patch`)')]
    input: Annotated[str, Field(description='Tool input (e.g. patch content for `apply_patch`)')]
    status: Annotated[Status4 | None, Field(description='Current execution status')] = None


class CodexResponseItemPayload5(APIModel):
    type: Literal['custom_tool_call_output']
    call_id: Annotated[str, Field(description='ID of the custom_tool_call this output corresponds to')]
    output: Annotated[str, Field(description='JSON-encoded output with optional `metadata.exit_code`')]


class CodexResponseItemPayload(RootModel[CodexResponseItemPayload1 | CodexResponseItemPayload2 | CodexResponseItemPayload3 | CodexResponseItemPayload4 | CodexResponseItemPayload5]):
    root: Annotated[CodexResponseItemPayload1 | CodexResponseItemPayload2 | CodexResponseItemPayload3 | CodexResponseItemPayload4 | CodexResponseItemPayload5, Field(description='Payload for `response_item` events — structured items from the Codex response stream.', discriminator='type')]


class SuccessResponse(APIModel):
    success: bool


class Environment(APIModel):
    id: Annotated[UUID, Field(description='Unique identifier')]
    organization_id: Annotated[UUID, Field(description='Owning organization')]
    user_id: Annotated[UUID | None, Field(description='Owning user for personal environments. Null for team environments.')]
    name: Annotated[str, Field(description='Human-readable name')]
    description: Annotated[str | None, Field(description='Optional description')]
    is_global: Annotated[bool, Field(description="True for the org's singleton Global environment, whose values apply to every workspace. Global envs cannot be deleted, cannot be edited via PATCH, and have no repository binding.")]
    repository_id: Annotated[UUID | None, Field(description='Bound repository ID. Mutually exclusive with `repository_set_id`. Both null = unbound repo-less workspace.')]
    repository_set_id: Annotated[UUID | None, Field(description='Bound repository set ID. Mutually exclusive with `repository_id`.')]
    system_prompt: Annotated[str | None, Field(description="Optional system prompt prepended to every workspace's coding agent.")]
    mobile_testing_enabled: Annotated[bool, Field(description='Whether workspaces from this environment receive mobile simulator access. Available on Team and Enterprise plans and configurable only on team environments.')]
    personal_preferences: Annotated[str | None, Field(description='User-authored instructions appended after the (inherited) system prompt. Only settable on personal environments, and editable even when source-backed.')]
    source_environment_id: Annotated[UUID | None, Field(description='Source team environment for source-backed personal environments. Null for standalone personal environments and team environments.')]
    variable_count: Annotated[int | None, Field(description='Number of variables attached to this environment')] = None
    file_count: Annotated[int | None, Field(description='Number of files')] = None
    skill_count: Annotated[int | None, Field(description='Number of enabled skills')] = None
    mcp_count: Annotated[int | None, Field(description='Number of MCPs')] = None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ListEnvironmentsResponse(APIModel):
    environments: list[Environment]


class EnvironmentResponse(APIModel):
    environment: Environment


class CreateEnvironmentRequest(APIModel):
    name: Annotated[str, Field(description='Human-readable name (must be unique within the selected scope)')]
    description: Annotated[str | None, Field(description='Optional description')] = None
    scope: Annotated[Scope | None, Field(description='`org` creates a team environment. `user` creates a personal environment visible only to the authenticated user.')] = 'org'
    source_environment_id: Annotated[UUID | None, Field(description='Optional source. Team environments copy from the source on create. Personal environments inherit from a team source and keep inherited config locked.')] = None
    repository_id: Annotated[UUID | None, Field(description='Bind to this repository. Mutually exclusive with `repository_set_id`.')] = None
    repository_set_id: Annotated[UUID | None, Field(description='Bind to this repository set. Mutually exclusive with `repository_id`.')] = None
    system_prompt: Annotated[str | None, Field(description='Optional system prompt prepended to the coding agent.')] = None
    mobile_testing_enabled: Annotated[bool | None, Field(description='Enable mobile testing. Only valid for team environments on Team and Enterprise plans; otherwise returns `PLAN_UPGRADE_REQUIRED`.')] = False


class UpdateEnvironmentRequest(APIModel):
    name: str | None = None
    description: str | None = None
    repository_id: UUID | None = None
    repository_set_id: UUID | None = None
    system_prompt: str | None = None
    mobile_testing_enabled: Annotated[bool | None, Field(description='Enable or disable mobile testing. Only valid on team environments; enabling requires a Team or Enterprise plan and otherwise returns `PLAN_UPGRADE_REQUIRED`.')] = None
    personal_preferences: Annotated[str | None, Field(description='Only settable on personal environments. Appended after the (inherited) system prompt.')] = None


class EnvironmentVariable(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    key: Annotated[str, Field(description='Variable name (e.g. `DATABASE_URL`)')]
    value: Annotated[str, Field(description='Variable value (returned in plaintext)')]
    personal_override_allowed: Annotated[bool, Field(description='Whether source-backed personal environments may override this inherited key')]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ListEnvironmentVariablesResponse(APIModel):
    environment_variables: list[EnvironmentVariable]


class EnvironmentVariableResponse(APIModel):
    environment_variable: EnvironmentVariable


class CreateEnvironmentVariableRequest(APIModel):
    key: Annotated[str, Field(description='Variable name')]
    value: Annotated[str, Field(description='Variable value (encrypted at rest)')]
    personal_override_allowed: Annotated[bool | None, Field(description='Team/Global variables only. Allows source-backed personal environments to override this inherited key.')] = None


class UpdateEnvironmentVariableRequest(APIModel):
    key: str | None = None
    value: str | None = None
    personal_override_allowed: Annotated[bool | None, Field(description='Team/Global variables only. Allows source-backed personal environments to override this inherited key.')] = None


class EnvironmentFile(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    name: Annotated[str, Field(description='Human-readable name')]
    path: Annotated[str, Field(description='Destination path inside the workspace (typically under `~/`)')]
    content: Annotated[str, Field(description='File contents (≤ 64 KB)')]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ListEnvironmentFilesResponse(APIModel):
    environment_files: list[EnvironmentFile]


class EnvironmentFileResponse(APIModel):
    environment_file: EnvironmentFile


class CreateEnvironmentFileRequest(APIModel):
    name: str
    path: Annotated[str, Field(description='Destination path inside the workspace, e.g. `~/AGENTS.md`')]
    content: Annotated[str, Field(description='File contents (≤ 64 KB)')]


class UpdateEnvironmentFileRequest(APIModel):
    name: str | None = None
    path: str | None = None
    content: str | None = None


class EnvironmentSkill(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    name: Annotated[str, Field(description='Display name')]
    slug: Annotated[str, Field(description='Catalog slug (unique within an environment)')]
    source: Annotated[str, Field(description='Catalog URL or other source identifier')]
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ListEnvironmentSkillsResponse(APIModel):
    environment_skills: list[EnvironmentSkill]


class EnvironmentSkillResponse(APIModel):
    environment_skill: EnvironmentSkill


class CreateEnvironmentSkillRequest(APIModel):
    name: Annotated[str, Field(description='Display name (typically copied from the catalog result)')]
    slug: Annotated[str, Field(description='Catalog slug')]
    source: Annotated[str, Field(description='Catalog URL or other source identifier')]


class RepoSkillFramework(StrEnum):
    claude = 'claude'
    codex = 'codex'
    cursor = 'cursor'
    agents = 'agents'


class Kind(StrEnum):
    skill = 'skill'
    agent = 'agent'
    command = 'command'
    prompt = 'prompt'
    plugin = 'plugin'


class RepoSkill(APIModel):
    id: Annotated[str, Field(description='Stable id, formed from the repository UUID and the in-repo path.')]
    repository_id: UUID
    repository_full_name: Annotated[str, Field(description="Repo's `owner/name` (denormalized for the UI).")]
    branch: Annotated[str, Field(description='Default branch the file was resolved against.')]
    path: Annotated[str, Field(description='Repo-relative path of the discovered file or skill directory.')]
    name: Annotated[str, Field(description='Human-friendly name (from YAML frontmatter when present, otherwise the filename or directory).')]
    description: Annotated[str | None, Field(description='Single-line description, populated from frontmatter when available.')]
    framework: RepoSkillFramework
    kind: Annotated[Kind, Field(description='Sub-kind within the framework.')]
    html_url: Annotated[AnyUrl, Field(description='Direct GitHub blob link.')]


class ListRepoSkillsResponse(APIModel):
    repo_skills: list[RepoSkill]
    error: Annotated[str | None, Field(description="Populated when discovery couldn't run end-to-end (e.g. the bound repo has no GitHub App installation). The list may still be partially filled; the UI shows this as an inline banner rather than a 5xx.")]


class EnvironmentSkillsRegistry(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    name: str
    url: AnyUrl
    repository_full_name: str
    default_branch: str
    created_at: AwareDatetime
    updated_at: AwareDatetime


class EnvironmentSkillsRegistryWithContents(EnvironmentSkillsRegistry):
    repo_skills: list[RepoSkill]
    error: str | None


class ListEnvironmentSkillsRegistriesResponse(APIModel):
    registries: list[EnvironmentSkillsRegistryWithContents]


class CreateEnvironmentSkillsRegistryResponse(APIModel):
    registry: EnvironmentSkillsRegistry
    repo_skills: list[RepoSkill]
    error: str | None


class SearchSkill(APIModel):
    name: str
    slug: str
    source: str
    installs: Annotated[int, Field(description='Approximate install count from the catalog')]


class SearchEnvironmentSkillsResponse(APIModel):
    skills: list[SearchSkill]


class EnvironmentMcpStdioConfig(APIModel):
    command: Annotated[str, Field(description='Executable to run (e.g. `npx`)')]
    args: Annotated[list[str], Field(description='Arguments passed to the command')]
    env: Annotated[dict[str, str], Field(description='Environment variables for the subprocess')]


class EnvironmentMcpHttpConfig(APIModel):
    url: Annotated[AnyUrl, Field(description='MCP server URL')]
    headers: Annotated[dict[str, str], Field(description='Headers attached to every request (e.g. `Authorization`)')]


class EnvironmentMcpConfig(RootModel[EnvironmentMcpStdioConfig | EnvironmentMcpHttpConfig]):
    root: Annotated[EnvironmentMcpStdioConfig | EnvironmentMcpHttpConfig, Field(description='MCP transport-specific configuration. Discriminate by the parent `transport` field.')]


class Transport(StrEnum):
    stdio = 'stdio'
    http = 'http'
    sse = 'sse'


class EnvironmentMcp(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    name: Annotated[str, Field(description='MCP name (1–64 chars, must match `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`; cannot start with reserved prefix `replicas-`)')]
    transport: Transport
    config: EnvironmentMcpConfig
    created_at: AwareDatetime
    updated_at: AwareDatetime


class ListEnvironmentMcpsResponse(APIModel):
    environment_mcps: list[EnvironmentMcp]


class EnvironmentMcpResponse(APIModel):
    environment_mcp: EnvironmentMcp


class CreateEnvironmentMcpRequest(APIModel):
    name: Annotated[str, Field(description='1–64 chars, `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`; reserved prefix `replicas-` is rejected.')]
    transport: Transport
    config: EnvironmentMcpConfig


class UpdateEnvironmentMcpRequest(APIModel):
    name: str | None = None
    transport: Transport | None = None
    config: EnvironmentMcpConfig | None = None


class WarmHookRecord(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    version: Annotated[int, Field(description='Monotonic version (newer scripts have higher versions)')]
    content: Annotated[str, Field(description='Shell script content')]
    is_active: Annotated[bool, Field(description='Whether this version is the active one for the environment')]
    created_at: AwareDatetime


class WarmPoolConfigWithStats(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    enabled: bool
    target_size: Annotated[int, Field(description='Target number of pre-warmed workspaces (platform-controlled)')]
    generation: Annotated[int, Field(description='Monotonic counter bumped on every invalidation. Workspaces and snapshots carry the generation they were built for; anything older is stale by derivation.')]
    error_count: Annotated[int, Field(description='Consecutive reconcile failures since the last success. Resets to 0 on success; drives exponential backoff via `next_retry_at`.')]
    next_retry_at: Annotated[AwareDatetime | None, Field(description='Earliest time the next reconcile pass may run for this config. Null when not in backoff.')]
    last_error_at: Annotated[AwareDatetime | None, Field(description='When the most recent reconcile error was recorded (null if no current error).')]
    last_error_message: Annotated[str | None, Field(description='Most recent reconcile error message (null if no current error).')]
    has_base_snapshot: Annotated[bool, Field(description='True when a base snapshot is installed for the current generation. For snapshot-capable providers (E2B), distinguishes the initial seed-build phase (false + warming > 0) from the clone-refill phase (true + warming > 0). Always false on providers without live snapshots.')]
    updated_at: AwareDatetime
    ready_count: Annotated[int, Field(description='Number of pre-warmed workspaces at the current generation that are ready to be assigned')]
    stale_count: Annotated[int, Field(description='Number of ready workspaces at older generations. Still claimable as a fallback; trimmed by reconcile when over target.')]
    warming_count: Annotated[int, Field(description='Number of workspaces at the current generation that are currently warming (warm hooks running)')]
    snapshotting_count: Annotated[int, Field(description='Number of seed workspaces currently capturing a base snapshot (E2B only). Always 0 on providers without live snapshots.')]
    last_failure_at: Annotated[AwareDatetime | None, Field(description='When the most recent warm-up failure occurred (null if never)')]
    last_failure_reason: Annotated[str | None, Field(description='Reason for the most recent warm-up failure')]


class GetWarmHooksResponse(APIModel):
    warm_hook: Annotated[WarmHookRecord | None, Field(description='The active warm hook for the environment (null if none has ever been saved).')]
    warm_pool: Annotated[WarmPoolConfigWithStats | None, Field(description='The warm pool config and current counts (null if no pool has been configured).')]


class WarmHookTestResult(APIModel):
    exit_code: Annotated[int, Field(description='Process exit code (0 = success)')]
    output: Annotated[str, Field(description='Captured stdout + stderr')]
    timed_out: Annotated[bool, Field(description='Whether execution was killed for taking too long')]


class SaveWarmHookRequest(APIModel):
    content: Annotated[str, Field(description='Shell script to persist and activate')]


class SaveWarmHookResponse(APIModel):
    warm_hook: WarmHookRecord


class SaveAndTestWarmHookRequest(APIModel):
    content: Annotated[str, Field(description='Shell script to save and execute')]


class SaveAndTestWarmHookResponse(APIModel):
    warm_hook: WarmHookRecord
    test: WarmHookTestResult


class TestWarmHookRequest(APIModel):
    content: Annotated[str, Field(description='Shell script to execute (not persisted)')]


class TestWarmHookResponse(APIModel):
    test: WarmHookTestResult


class StartHookRecord(APIModel):
    id: UUID
    organization_id: UUID
    environment_id: UUID
    version: Annotated[int, Field(description='Monotonic version (newer scripts have higher versions)')]
    content: Annotated[str, Field(description='Shell script content')]
    is_active: Annotated[bool, Field(description='Whether this version is the active one for the environment')]
    created_at: AwareDatetime


class GetStartHooksResponse(APIModel):
    start_hook: Annotated[StartHookRecord | None, Field(description='The active start hook for the environment (null if none has ever been saved).')]


class SaveStartHookRequest(APIModel):
    content: Annotated[str, Field(description='Shell script to persist and activate. Empty content clears the active start hook.')]


class SaveStartHookResponse(APIModel):
    start_hook: Annotated[StartHookRecord | None, Field(description='The saved active start hook, or null when the request cleared the active start hook.')]


class StartHookTestResult(APIModel):
    exit_code: Annotated[int, Field(description='Process exit code (0 = success)')]
    output: Annotated[str, Field(description='Captured stdout + stderr')]
    timed_out: Annotated[bool, Field(description='Whether execution was killed for taking too long')]


class TestStartHookRequest(APIModel):
    content: Annotated[str, Field(description='Shell script to execute (not persisted)')]


class TestStartHookResponse(APIModel):
    test: StartHookTestResult


class UpsertWarmPoolConfigRequest(APIModel):
    enabled: Annotated[bool, Field(description='Whether the warm pool should be active')]


class UpsertWarmPoolConfigResponse(APIModel):
    warm_pool: WarmPoolConfigWithStats


class Status5(StrEnum):
    warming = 'warming'
    snapshotting = 'snapshotting'
    ready = 'ready'
    assigned = 'assigned'
    expired = 'expired'
    failed = 'failed'


class WarmPoolWorkspaceRecord(APIModel):
    id: UUID
    organization_id: UUID
    warm_pool_config_id: UUID
    sandbox_id: Annotated[str, Field(description='Underlying sandbox/VM identifier')]
    status: Status5
    generation: Annotated[int, Field(description="Config generation this workspace was built for. Less than the parent config's `generation` means stale by derivation.")]
    error_message: Annotated[str | None, Field(description='Error message if `status` is `failed`')]
    created_at: AwareDatetime


class ListWarmPoolWorkspacesResponse(APIModel):
    workspaces: list[WarmPoolWorkspaceRecord]


class SlackThreadAttachRequest(APIModel):
    channel_id: Annotated[str, Field(description='Slack channel ID containing the thread.')]
    thread_ts: Annotated[str, Field(description='Slack thread timestamp.')]
    workspace_id: Annotated[UUID | None, Field(description='Target workspace ID. Required outside agent mode.')] = None


class Workspace(APIModel):
    id: UUID
    name: str


class WorkspaceTarget(APIModel):
    label: str


class Workspace1(APIModel):
    id: UUID
    coding_agent: str | None = None
    task_description: str
    created_at: AwareDatetime


class SlackThreadMetadata(APIModel):
    channel_id: str
    channel_name: str | None = None
    thread_ts: str
    message_ts: str | None = None
    original_message: str
    user_id: str
    user_name: str | None = None
    images: list[dict[str, Any]] | None = None
    workspace_target: WorkspaceTarget | None = None
    workspace: Workspace1 | None = None


class Error(APIModel):
    error: Annotated[str, Field(description='Error message')]
    details: Annotated[str | None, Field(description='Additional error details')] = None


class CreateReplicaRequest(APIModel):
    name: Annotated[str, Field(description='Human-readable name for the replica. Must not contain whitespace.', pattern='^\\S+$')]
    message: Annotated[str, Field(description='Initial message to send to the coding agent')]
    environment_id: Annotated[UUID | None, Field(description='ID of the environment to use. The server derives the repository or repository set from the environment binding. Required unless `repository_set_id` or `repository_ids` is provided for backwards compatibility.')] = None
    repository_set_id: Annotated[UUID | None, Field(deprecated=True, description='Deprecated. Use `environment_id` instead. Provided for backwards compatibility: the server resolves the first environment bound to this repository set.')] = None
    repository_ids: Annotated[list[UUID] | None, Field(deprecated=True, description='Deprecated. Use `environment_id` instead. Provided for backwards compatibility: the server resolves the first environment bound to one of the given repositories.')] = None
    coding_agent: Annotated[CodingAgent1 | None, Field(description='Coding agent to use')] = 'claude'
    model: Annotated[str | None, Field(description='Model to use for the coding agent. Pi and Opencode accept z-ai/glm-5.2, minimax/minimax-m3, xiaomi/mimo-v2.5-pro, and moonshotai/kimi-k2.6 through OpenRouter.')] = None
    images: Annotated[list[ImageContent] | None, Field(description='Images to attach to the initial message')] = None
    lifecycle_policy: Annotated[LifecyclePolicy | None, Field(description='Lifecycle policy for the replica')] = None
    config: WorkspaceConfig | None = None
    plan_mode: Annotated[bool | None, Field(description='Whether to run the initial message in plan mode. Leading `/plan` in the message is also detected and stripped.')] = None
    goal_mode: Annotated[bool | None, Field(description='Whether to set the initial message as the active Codex goal. Leading `/goal` in the message is also detected and stripped.')] = None
    fast_mode: Annotated[bool | None, Field(description='Whether to run the initial message in fast mode. Leading `/fast` in the message is also detected and stripped.')] = None
    thinking_level: Annotated[ThinkingLevel | None, Field(description='Thinking/reasoning level. Controls how much effort the agent puts into reasoning. `ultra` is Codex-only; `ultracode` is Claude Code-only. Falls back to provider default when omitted (Claude default: high, Codex default: medium, Cursor default: medium, Opencode default: medium, Pi default: model default).')] = None
    webhook_url: Annotated[AnyUrl | ReplicaWebhookConfig | None, Field(description='Callback target for `replica.ready`, `replica.turn_completed`, `replica.deleted`, and `replica.error` events. `replica.deleted` fires only on explicit deletion; closing a linked PR or issue now archives the workspace silently, so automated cleanup no longer emits it. `replica.error` is emitted when the workspace enters `error` state and remains queryable; the payload includes the failure message. Some wake/resume errors can be retried with the wake endpoint. Pass a bare URL string or `{ url, secret }`; with a secret the platform sets `X-Replicas-Signature: sha256=<hex HMAC>` on every delivery.')] = None
    size: Annotated[Size | None, Field(description='Compute size for this replica. `small` (2 vCPU, 8 GB memory, 20 GB disk) bills at $0.008/min; `large` (4 vCPU, 16 GB memory, 32 GB disk) bills at $0.016/min. Defaults to `small` when omitted.')] = None


class WarmHooks(APIModel):
    logs: list[WarmHookLogEntry]


class StartHooks(APIModel):
    logs: list[StartHookLogEntry]


class HooksResponse(APIModel):
    warm_hooks: WarmHooks
    start_hooks: StartHooks


class Payload1(APIModel):
    status: EngineStatusSnapshot


class EngineEvent2(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['engine.status.changed']
    payload: Payload1


class Payload4(APIModel):
    chat: EngineChatSummary
    clientRequestId: Annotated[str | None, Field(description='Echo of the `clientRequestId` from the create request, if one was provided')] = None


class EngineEvent5(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.created']
    payload: Payload4


class Payload5(APIModel):
    chat: EngineChatSummary


class EngineEvent6(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.updated']
    payload: Payload5


class Payload17(APIModel):
    previews: list[EnginePreviewPort]


class EngineEvent18(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['preview.changed']
    payload: Payload17


class EngineRepoState(APIModel):
    name: Annotated[str, Field(description='Repository name')]
    path: Annotated[str, Field(description='Filesystem path to the repository')]
    defaultBranch: Annotated[str, Field(description='Default branch name (e.g. main)')]
    currentBranch: Annotated[str, Field(description='Currently checked-out branch')]
    prUrls: Annotated[list[AnyUrl], Field(description='All pull request URLs the workspace has opened in this repository. A single workspace may have multiple PRs in the same repo (e.g. after switching branches or opening follow-up PRs), so this is an array. Empty when no PRs have been observed.')]
    gitDiff: Annotated[EngineRepoDiff | None, Field(description='Git diff statistics, if available')]
    startHooksCompleted: Annotated[bool, Field(description='Whether start hooks have finished executing')]
    provider: Annotated[Provider6 | None, Field(description="Code host for the repository's origin remote, when resolvable")] = None


class AutomationTrigger(APIModel):
    type: Annotated[Type1, Field(description='The trigger type')]
    config: Annotated[CronTriggerConfig | GitHubTriggerConfig | GitLabTriggerConfig | SlackTriggerConfig | SentryTriggerConfig | CustomTriggerConfig, Field(description='Trigger-specific configuration. When `type` is `cron`, this is a `CronTriggerConfig`. When `type` is `github`, this is a `GitHubTriggerConfig`. When `type` is `gitlab`, this is a `GitLabTriggerConfig`. When `type` is `slack`, this is a `SlackTriggerConfig`. When `type` is `sentry`, this is a `SentryTriggerConfig`. When `type` is `custom`, this is a `CustomTriggerConfig` (empty object).')]


class AutomationRecord(APIModel):
    id: Annotated[UUID, Field(description='Unique identifier for the automation')]
    organization_id: Annotated[UUID, Field(description='Organization that owns this automation')]
    name: Annotated[str, Field(description='Human-readable name for the automation')]
    description: Annotated[str | None, Field(description='Optional description')]
    triggers: Annotated[list[AutomationTrigger], Field(description='Triggers that fire this automation')]
    prompt: Annotated[str, Field(description='The instruction sent to the coding agent when the automation fires')]
    debounce_seconds: Annotated[int | None, Field(description='Optional per-automation debounce window in seconds. When set and greater than 0, bursty trigger events update one pending run for this automation and the latest payload runs after the automation stops receiving events for this many seconds. Null or 0 disables debouncing.', ge=0, le=86400)]
    environment_id: Annotated[UUID, Field(description='ID of the environment this automation runs in. The environment supplies the repository (or repository set) and the env vars / MCPs / skills layered on top of the org-wide Global environment.')]
    enabled: Annotated[bool, Field(description='Whether the automation is active')]
    webhook_token: Annotated[str | None, Field(description="Unique token for the automation's custom webhook. Present only when a `custom` trigger is configured. The public webhook URL is `POST /v1/automations/webhook/{webhook_token}`. Treat the token like an API key: the URL alone is enough to fire the automation.")]
    cron_expression: Annotated[str | None, Field(description='Derived cron expression (from the cron trigger, if any)')]
    cron_timezone: Annotated[str | None, Field(description='Timezone for the cron schedule')]
    cron_next_fire_at: Annotated[AwareDatetime | None, Field(description='Next scheduled fire time for cron automations')]
    user_id: Annotated[UUID | None, Field(description='User ID for personal automations, null for org-owned automations')]
    created_by: Annotated[UUID | None, Field(description='User who created the automation')]
    workspace_lifecycle_policy: Annotated[WorkspaceLifecyclePolicy, Field(description='Lifecycle policy for workspaces created by this automation')]
    workspace_auto_stop_minutes: Annotated[int | None, Field(description='Inactivity timeout in minutes (3-1440) for default keep-alive and delete_after_inactivity policies', ge=3, le=1440)]
    workspace_size: Annotated[WorkspaceSize | None, Field(description='Compute size for workspaces fired off by this automation. Defaults to `small` when omitted.')]
    config: WorkspaceConfig
    agent_provider: Annotated[AgentProvider | None, Field(description='Coding agent override for this automation. Null inherits the organization default.')]
    model: Annotated[str | None, Field(description='Model override for this automation. Null uses the agent default.')]
    thinking_level: Annotated[ThinkingLevel3 | None, Field(description='Thinking/reasoning level override for this automation. `ultra` is Codex-only; `ultracode` is Claude Code-only.')]
    plan_mode: Annotated[bool, Field(description='Whether automation messages run in plan mode.')]
    goal_mode: Annotated[bool | None, Field(description='Whether automation messages are set as Codex goals. Null inherits the resolved agent default; false explicitly disables it. Only applies when the resolved agent is Codex.')]
    fast_mode: Annotated[bool | None, Field(description='Whether automation messages run in fast mode. Null inherits the resolved agent default; false explicitly disables it.')]
    created_at: Annotated[AwareDatetime, Field(description='When the automation was created')]
    updated_at: Annotated[AwareDatetime, Field(description='When the automation was last updated')]


class CreateAutomationRequest(APIModel):
    name: Annotated[str, Field(description='Human-readable name for the automation')]
    description: Annotated[str | None, Field(description='Optional description')] = None
    scope: Annotated[Scope | None, Field(description='Automation scope. `org` (default) creates an org-owned automation visible to all members. `user` creates a personal automation scoped to the authenticated user.')] = 'org'
    triggers: Annotated[list[AutomationTrigger], Field(description='One or more triggers. Duplicates are not allowed: at most one cron trigger, and at most one event-based trigger per event (e.g. two triggers for `pull_request.opened` is rejected, but `pull_request.opened` + `merge_request.opened` is fine).', min_length=1)]
    prompt: Annotated[str, Field(description='The instruction sent to the coding agent when the automation fires')]
    debounce_seconds: Annotated[int | None, Field(description='Optional per-automation debounce window in seconds. When greater than 0, bursty trigger events update one pending run for this automation and the latest payload runs after the automation stops receiving events for this many seconds. Null or 0 disables debouncing.', ge=0, le=86400)] = None
    environment_id: Annotated[UUID, Field(description='ID of the environment this automation runs in. Required. The environment supplies the repository (or repository set) and resolved env vars / MCPs / skills.')]
    enabled: Annotated[bool | None, Field(description='Whether the automation should be active (defaults to true)')] = True
    workspace_lifecycle_policy: Annotated[WorkspaceLifecyclePolicy | None, Field(description='Lifecycle policy for workspaces created by this automation')] = None
    workspace_auto_stop_minutes: Annotated[int | None, Field(description='Inactivity timeout in minutes for default keep-alive and delete_after_inactivity policies', ge=3, le=1440)] = None
    workspace_size: Annotated[WorkspaceSize1 | None, Field(description='Compute size for every workspace this automation fires off. `small` (2 vCPU, 8 GB memory, 20 GB disk) bills at $0.008/min; `large` (4 vCPU, 16 GB memory, 32 GB disk) bills at $0.016/min. Defaults to `small`.')] = 'small'
    config: WorkspaceConfig | None = None
    agent_provider: Annotated[AgentProvider | None, Field(description='Coding agent override. Null inherits the organization default.')] = None
    model: Annotated[str | None, Field(description='Model override. Requires `agent_provider` when set.')] = None
    thinking_level: Annotated[ThinkingLevel3 | None, Field(description='Thinking/reasoning level override. `ultra` is Codex-only; `ultracode` is Claude Code-only.')] = None
    plan_mode: Annotated[bool | None, Field(description='Run automation messages in plan mode.')] = None
    goal_mode: Annotated[bool | None, Field(description='Set automation messages as Codex goals. Null inherits the resolved agent default; false explicitly disables it. Only applies when the resolved agent is Codex.')] = None
    fast_mode: Annotated[bool | None, Field(description='Run automation messages in fast mode. Null inherits the resolved agent default; false explicitly disables it.')] = None


class UpdateAutomationRequest(APIModel):
    name: Annotated[str | None, Field(description='New name')] = None
    description: Annotated[str | None, Field(description='New description')] = None
    triggers: Annotated[list[AutomationTrigger] | None, Field(description='Replace triggers. Duplicates are not allowed: at most one cron trigger, and at most one event-based trigger per event (e.g. two triggers for `pull_request.opened` is rejected, but `pull_request.opened` + `merge_request.opened` is fine).')] = None
    prompt: Annotated[str | None, Field(description='New prompt')] = None
    debounce_seconds: Annotated[int | None, Field(description='Set or clear the per-automation debounce window in seconds. When greater than 0, bursty trigger events update one pending run for this automation and the latest payload runs after the automation stops receiving events for this many seconds. Null or 0 disables debouncing.', ge=0, le=86400)] = None
    environment_id: Annotated[UUID | None, Field(description='Move this automation to a different environment.')] = None
    enabled: Annotated[bool | None, Field(description='Enable or disable the automation')] = None
    workspace_lifecycle_policy: Annotated[WorkspaceLifecyclePolicy | None, Field(description='New lifecycle policy')] = None
    workspace_auto_stop_minutes: Annotated[int | None, Field(description='New inactivity timeout in minutes for default keep-alive and delete_after_inactivity policies (set to null to clear)', ge=3, le=1440)] = None
    workspace_size: Annotated[WorkspaceSize1 | None, Field(description='New compute size for every workspace this automation fires off. `small` (2 vCPU, 8 GB memory, 20 GB disk) bills at $0.008/min; `large` (4 vCPU, 16 GB memory, 32 GB disk) bills at $0.016/min.')] = 'small'
    config: WorkspaceConfig | None = None
    agent_provider: Annotated[AgentProvider | None, Field(description='New coding agent override. Null inherits the organization default.')] = None
    model: Annotated[str | None, Field(description='New model override. Requires `agent_provider` when set.')] = None
    thinking_level: Annotated[ThinkingLevel3 | None, Field(description='New thinking/reasoning level override. `ultra` is Codex-only; `ultracode` is Claude Code-only.')] = None
    plan_mode: Annotated[bool | None, Field(description='Enable or disable plan mode for automation messages.')] = None
    goal_mode: Annotated[bool | None, Field(description='Enable or disable Codex goal mode for automation messages. Null inherits the resolved agent default; false explicitly disables it.')] = None
    fast_mode: Annotated[bool | None, Field(description='Enable or disable fast mode for automation messages. Null inherits the resolved agent default; false explicitly disables it.')] = None


class AutomationResponse(APIModel):
    automation: AutomationRecord


class ListAutomationsResponse(APIModel):
    automations: list[AutomationRecord]
    total: Annotated[int, Field(description='Total number of automations')]
    page: Annotated[int, Field(description='Current page number')]
    limit: Annotated[int, Field(description='Number of items per page')]
    totalPages: Annotated[int, Field(description='Total number of pages')]


class ClaudeMessage(APIModel):
    content: Annotated[list[ClaudeContentBlock] | None, Field(description='Ordered list of content blocks produced or consumed by the model.')] = None


class CodexEventPayload(RootModel[CodexEventMsgPayload | CodexResponseItemPayload]):
    root: Annotated[CodexEventMsgPayload | CodexResponseItemPayload, Field(description='Payload of a Codex CLI agent event. Shape depends on the parent event `type`.', discriminator='type')]


class SlackThreadRecord(APIModel):
    id: UUID
    organization_id: UUID
    slack_team_id: str
    channel_id: str
    thread_ts: str
    workspace_id: UUID | None
    status: str
    metadata: SlackThreadMetadata
    last_processed_message_ts: str | None
    created_at: AwareDatetime
    updated_at: AwareDatetime


class Payload2(APIModel):
    repos: list[EngineRepoState]


class EngineEvent3(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['repo.discovered']
    payload: Payload2


class EngineEvent4(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['repo.status.changed']
    payload: Payload2


class ClaudeEventPayload(APIModel):
    model_config = ConfigDict(
        extra='allow',
    )
    type: Annotated[str | None, Field(description='Original SDK message type (e.g. `assistant`, `user`, `result`)')] = None
    subtype: Annotated[str | None, Field(description='Present on `claude-result` events; `success` indicates a clean turn completion. Any other value (e.g. `error`) signals a failed turn even when `is_error` is false.')] = None
    parent_tool_use_id: Annotated[str | None, Field(description='If this message is the result of a sub-agent tool call, the parent tool_use ID')] = None
    message: ClaudeMessage | None = None
    is_error: Annotated[bool | None, Field(description='Present on `claude-result` events; true if the turn ended with an error')] = None
    errors: Annotated[list[str] | None, Field(description='Array of error messages, present on `claude-result` events when `is_error` is true')] = None


class CodexAgentEvent(APIModel):
    timestamp: Annotated[AwareDatetime, Field(description='When the event occurred')]
    type: Annotated[Literal['event_msg', 'response_item'], Field(description='`event_msg` carries high-level messages (user input, reasoning). `response_item` carries structured responses (assistant messages, function calls, tool calls).')]
    payload: CodexEventPayload


class SlackThreadAttachResponse(APIModel):
    thread: SlackThreadRecord
    workspace: Workspace


class ClaudeAgentEvent(APIModel):
    timestamp: Annotated[AwareDatetime, Field(description='When the event occurred')]
    type: Annotated[Literal['claude-assistant', 'claude-user', 'claude-result', 'claude-system'], Field(description='Claude event type. `claude-assistant` contains model output (text, thinking, tool use). `claude-user` contains tool results. `claude-result` signals turn completion or errors. `claude-system` contains system-level messages.')]
    payload: ClaudeEventPayload


class AgentEvent(RootModel[ClaudeAgentEvent | CodexAgentEvent | CursorAgentEvent | OpencodeAgentEvent | PiAgentEvent]):
    root: Annotated[ClaudeAgentEvent | CodexAgentEvent | CursorAgentEvent | OpencodeAgentEvent | PiAgentEvent, Field(description='A raw event from the coding agent, streamed as part of `chat.turn.delta` events. The shape depends on the coding agent provider. Use the `type` field to discriminate between Claude, Codex, Cursor, Opencode, and Pi events.', discriminator='type')]


class HistoryEvent(APIModel):
    timestamp: Annotated[AwareDatetime, Field(description='When the event occurred')]
    type: Annotated[str, Field(description="Type of event (e.g., 'claude-user', 'claude-assistant', 'codex-user', 'cursor-assistant')")]
    payload: Annotated[AgentEvent, Field(description='Event payload — see AgentEvent for the full discriminated schema')]


class ReadReplicaHistoryResponse(APIModel):
    thread_id: Annotated[str | None, Field(description='Thread/session ID')]
    events: Annotated[list[HistoryEvent], Field(description='History events (paginated from the end)')]
    total: Annotated[int, Field(description='Total number of events')]
    has_more: Annotated[bool, Field(description='Whether there are more events available')]
    coding_agent: Annotated[CodingAgent3 | None, Field(description='Currently active coding agent')] = None
    waking: Annotated[bool | None, Field(description='Whether the workspace was just woken from a sleeping or archived state. Retry in 30-90 seconds.')] = None
    codexAspTranscript: Annotated[dict[str, Any] | None, Field(description='Native Codex ASP transcript when available')] = None
    senders: Annotated[list[ChatMessageSender] | None, Field(description='Sender attribution records for user messages in this chat. In team workspaces, each sendMessage call records the authenticated user; clients can use this to label messages with the actual sender\'s name instead of "You".')] = None


class Payload9(APIModel):
    chatId: Annotated[str, Field(description='Chat session ID')]
    event: AgentEvent


class EngineEvent10(APIModel):
    id: str
    ts: AwareDatetime
    type: Literal['chat.turn.delta']
    payload: Payload9


class EngineEvent(RootModel[EngineEvent1 | EngineEvent2 | EngineEvent3 | EngineEvent4 | EngineEvent5 | EngineEvent6 | EngineEvent7 | EngineEvent8 | EngineEvent9 | EngineEvent10 | EngineEvent11 | EngineEvent12 | EngineEvent13 | EngineEvent14 | EngineEvent15 | EngineEvent16 | EngineEvent17 | EngineEvent18 | EngineEvent19]):
    root: Annotated[EngineEvent1 | EngineEvent2 | EngineEvent3 | EngineEvent4 | EngineEvent5 | EngineEvent6 | EngineEvent7 | EngineEvent8 | EngineEvent9 | EngineEvent10 | EngineEvent11 | EngineEvent12 | EngineEvent13 | EngineEvent14 | EngineEvent15 | EngineEvent16 | EngineEvent17 | EngineEvent18 | EngineEvent19, Field(description='A real-time event from the replica engine. All events share a common envelope with `id`, `ts`, `type`, and `payload` fields. The `type` field discriminates between event variants.')]
