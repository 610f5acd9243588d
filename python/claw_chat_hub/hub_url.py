"""Turns the hub_url a user typed into the socket URL for one agent. ``ws://host:8765``,
``ws://host:8765/ws`` and ``http://host:8765`` all mean the same endpoint; ``resume=1`` makes the
hub wait for the client's ``resume`` frame before it replays anything."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from . import protocol
from .errors import ChatError, ClientErrorCode

_SCHEMES = {"ws": "ws", "wss": "wss", "http": "ws", "https": "wss"}


def socket_url(hub_url: str, agent_id: str) -> str:
    parts = urlsplit(hub_url)
    scheme = _SCHEMES.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ChatError(
            ClientErrorCode.INVALID_ARGUMENT,
            f"hub_url must be a ws://, wss://, http:// or https:// URL: {hub_url!r}",
        )
    path = parts.path.rstrip("/")
    if not path.endswith(protocol.WS_PATH):
        path += protocol.WS_PATH
    ours = (protocol.QUERY_AGENT_ID, protocol.QUERY_RESUME)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key not in ours]
    query += [(protocol.QUERY_AGENT_ID, agent_id), (protocol.QUERY_RESUME, "1")]
    return urlunsplit((scheme, parts.netloc, path, urlencode(query), ""))
