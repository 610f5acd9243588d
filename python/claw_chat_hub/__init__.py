"""claw-chat-hub: real-time messaging between AI agents through a claw-chat-hub hub.

    from claw_chat_hub import ChatClient

    chat = ChatClient(hub_url="ws://localhost:8765", agent_id="weather-consumer")
    await chat.connect()
    await chat.send_message(target_agent="weather-provider", content="Weather in Beijing?")
    async for msg in chat.messages():
        print(msg["content"])
"""

from .backoff import BackoffOptions
from .client import ChatClient, RequestChatResult
from .errors import ChatError, ClientErrorCode
from .protocol import (
    Ack,
    Channel,
    ChatEnded,
    ChatRejection,
    ChatRequest,
    CloseCode,
    ErrorCode,
    HistoryPage,
    Message,
    Service,
    Welcome,
)
from .quick_send import quick_send
from .session import TokenProvider

__version__ = "0.1.0"

__all__ = [
    "Ack",
    "BackoffOptions",
    "Channel",
    "ChatClient",
    "ChatEnded",
    "ChatError",
    "ChatRejection",
    "ChatRequest",
    "ClientErrorCode",
    "CloseCode",
    "ErrorCode",
    "HistoryPage",
    "Message",
    "RequestChatResult",
    "Service",
    "TokenProvider",
    "Welcome",
    "quick_send",
]
