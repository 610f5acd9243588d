"""The hub's /ws protocol as this client speaks it: every frame type, field, error code and close
code the client uses is named here and nowhere else, so a protocol change is one edit (and
``tests/test_protocol.py`` checks this module against the hub's ``docs/protocol.md``).

Frames from the hub are typed dicts (what the API hands out, minus ``type`` and ``request_id``);
frames to the hub are built by the functions at the end, which leave out fields that are None.
"""

from __future__ import annotations

from typing import Any, Dict, Final, List, Optional, TypedDict

PROTOCOL_VERSION: Final = 1

# ── the upgrade ─────────────────────────────────────────────────────────────
WS_PATH: Final = "/ws"
QUERY_AGENT_ID: Final = "agent_id"
#: ``resume=1``: the hub waits for the client's ``resume`` frame before replaying anything.
QUERY_RESUME: Final = "resume"
HEADER_AUTHORIZATION: Final = "Authorization"

# ── envelope ────────────────────────────────────────────────────────────────
TYPE: Final = "type"
REQUEST_ID: Final = "request_id"
#: request_id of the ``resume`` frame; the client numbers its other requests c1, c2, …
RESUME_REQUEST_ID: Final = "resume"
#: The most cursors a ``resume`` frame may carry (maxItems of its ``channels``).
RESUME_MAX_CHANNELS: Final = 10_000


class FrameType:
    """Values of ``type``. Replies reuse the request's type (``chat_history`` → ``chat_history``)."""

    WELCOME: Final = "welcome"
    RESUME: Final = "resume"
    REGISTER_SERVICE: Final = "register_service"
    CHAT_REQUEST: Final = "chat_request"
    CHAT_ACCEPT: Final = "chat_accept"
    CHAT_REJECT: Final = "chat_reject"
    CHAT_MESSAGE: Final = "chat_message"
    ACK: Final = "ack"
    CHAT_END: Final = "chat_end"
    CHAT_HISTORY: Final = "chat_history"
    PING: Final = "ping"
    PONG: Final = "pong"
    ERROR: Final = "error"


class ErrorCode:
    """``code`` of the hub's ``error`` frames and refused upgrades."""

    INVALID_JSON: Final = "INVALID_JSON"
    UNKNOWN_TYPE: Final = "UNKNOWN_TYPE"
    INVALID_FRAME: Final = "INVALID_FRAME"
    FRAME_TOO_LARGE: Final = "FRAME_TOO_LARGE"
    BAD_REQUEST: Final = "BAD_REQUEST"
    UNAUTHORIZED: Final = "UNAUTHORIZED"
    FORBIDDEN: Final = "FORBIDDEN"
    NOT_FOUND: Final = "NOT_FOUND"
    CHANNEL_NOT_FOUND: Final = "CHANNEL_NOT_FOUND"
    SERVICE_NOT_FOUND: Final = "SERVICE_NOT_FOUND"
    REQUEST_NOT_FOUND: Final = "REQUEST_NOT_FOUND"
    AGENT_HAS_KEY: Final = "AGENT_HAS_KEY"
    SERVICE_TAKEN: Final = "SERVICE_TAKEN"
    CHANNEL_NOT_ACTIVE: Final = "CHANNEL_NOT_ACTIVE"
    CHANNEL_NOT_PENDING: Final = "CHANNEL_NOT_PENDING"
    INVALID_STATE: Final = "INVALID_STATE"
    ORIGIN_NOT_ALLOWED: Final = "ORIGIN_NOT_ALLOWED"
    RATE_LIMITED: Final = "RATE_LIMITED"
    TOO_MANY_CONNECTIONS: Final = "TOO_MANY_CONNECTIONS"
    TOO_MANY_CONNECTIONS_FROM_ADDRESS: Final = "TOO_MANY_CONNECTIONS_FROM_ADDRESS"
    TOO_MANY_PENDING: Final = "TOO_MANY_PENDING"
    UNAVAILABLE: Final = "UNAVAILABLE"
    #: A stored message that cannot be serialised was skipped; delivery goes on after it.
    MESSAGE_UNDELIVERABLE: Final = "MESSAGE_UNDELIVERABLE"
    INTERNAL_ERROR: Final = "INTERNAL_ERROR"


#: Refusals of frames the hub did not handle at all: the same frame may be sent again, after the
#: error frame's ``retry_after_ms`` when it carries one.
RETRYABLE_CODES: Final = frozenset({ErrorCode.RATE_LIMITED, ErrorCode.UNAVAILABLE})


class CloseCode:
    """WebSocket close codes the hub uses."""

    GOING_AWAY: Final = 1001
    #: A budget was broken (a fragmented message left unfinished too long, the hub's buffered bytes).
    POLICY: Final = 1008
    TOO_BIG: Final = 1009
    INTERNAL_ERROR: Final = 1011
    TOO_MANY_ERRORS: Final = 4400
    #: The agent's credential is no longer valid (key rotated or revoked).
    UNAUTHORIZED: Final = 4401
    HEARTBEAT_TIMEOUT: Final = 4408
    SLOW_CONSUMER: Final = 4429


# ── hub → client payloads ──────────────────────────────────────────────────
# What the API hands out: a frame minus type and request_id. Optional keys sit in a total=False
# subclass (typing.NotRequired needs Python 3.11).

Welcome = TypedDict("Welcome", {"agent_id": str, "protocol": int, "server_time": str, "max_frame_bytes": int})
_MessageFields = TypedDict(
    "_MessageFields",
    {"message_id": str, "channel_id": str, "sender_id": str, "content": str, "seq": int, "timestamp": str},
)


class Message(_MessageFields, total=False):
    metadata: Dict[str, Any]
    client_msg_id: str


_AckFields = TypedDict("_AckFields", {"message_id": str, "channel_id": str, "seq": int, "timestamp": str})


class Ack(_AckFields, total=False):
    client_msg_id: str
    #: True when client_msg_id matched a message already stored (a retry): nothing new was stored.
    duplicate: bool


class Channel(TypedDict):
    channel_id: str
    provider_id: str
    consumer_id: str
    service_id: Optional[str]
    #: pending → active | rejected; active → ended.
    status: str
    created_at: str
    ended_at: Optional[str]
    end_reason: Optional[str]
    ended_by: Optional[str]
    last_seq: int


class ChatRejection(Channel, total=False):
    reason: str


_ChatRequestFields = TypedDict(
    "_ChatRequestFields",
    {"channel_id": str, "consumer_id": str, "provider_id": str, "service_id": str, "created_at": str},
)


class ChatRequest(_ChatRequestFields, total=False):
    message: str


_ChatEndedFields = TypedDict("_ChatEndedFields", {"channel_id": str, "ended_by": str, "ended_at": str})


class ChatEnded(_ChatEndedFields, total=False):
    reason: str


Service = TypedDict("Service", {"service_id": str, "provider_id": str, "description": Optional[str], "created_at": str})
_HistoryPageFields = TypedDict("_HistoryPageFields", {"channel_id": str, "messages": List[Message], "has_more": bool})


class HistoryPage(_HistoryPageFields, total=False):
    #: Present once older messages were removed (retention, or the operator): where history now starts.
    first_seq: int


ResumeCursor = TypedDict("ResumeCursor", {"channel_id": str, "last_seq": int})
#: The reply to ``resume``: every missed message has been written; live delivery follows.
Resumed = TypedDict("Resumed", {"replayed": int})
_ErrorFields = TypedDict("_ErrorFields", {"code": str, "message": str})


class ErrorPayload(_ErrorFields, total=False):
    #: How long to wait before sending a refused frame again (RATE_LIMITED, UNAVAILABLE).
    retry_after_ms: int

#: A frame as it travels: one JSON object with a ``type``.
Frame = Dict[str, Any]


# ── client → hub frames ────────────────────────────────────────────────────
# Each builder's parameters are the frame's fields; the ones left None are left out.


def _frame(frame_type: str, fields: Dict[str, Any]) -> Frame:
    return {TYPE: frame_type, **{key: value for key, value in fields.items() if value is not None}}


def register_service(service_id: str, description: Optional[str]) -> Frame:
    return _frame(FrameType.REGISTER_SERVICE, locals())


def chat_request(service_id: str, message: Optional[str]) -> Frame:
    return _frame(FrameType.CHAT_REQUEST, locals())


def chat_accept(channel_id: Optional[str], consumer_id: Optional[str]) -> Frame:
    return _frame(FrameType.CHAT_ACCEPT, locals())


def chat_reject(channel_id: Optional[str], consumer_id: Optional[str], reason: Optional[str]) -> Frame:
    return _frame(FrameType.CHAT_REJECT, locals())


def chat_message(
    *,
    channel_id: Optional[str],
    target_agent: Optional[str],
    content: str,
    metadata: Optional[Dict[str, Any]],
    service_id: Optional[str],
    client_msg_id: str,
) -> Frame:
    return _frame(FrameType.CHAT_MESSAGE, locals())


def chat_end(channel_id: str, reason: Optional[str]) -> Frame:
    return _frame(FrameType.CHAT_END, locals())


def chat_history(
    *,
    channel_id: Optional[str],
    service_id: Optional[str],
    limit: Optional[int],
    before_seq: Optional[int],
    after_seq: Optional[int],
) -> Frame:
    return _frame(FrameType.CHAT_HISTORY, locals())


def resume(channels: List[ResumeCursor]) -> Frame:
    return _frame(FrameType.RESUME, {"channels": channels, REQUEST_ID: RESUME_REQUEST_ID})


def cursor(channel_id: str, last_seq: int) -> ResumeCursor:
    return {"channel_id": channel_id, "last_seq": last_seq}
