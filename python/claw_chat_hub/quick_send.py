"""quick_send: one message in one call, for scripts and cron jobs with nothing else to say. It
opens a session without reconnects (a one-shot send should fail fast, not linger), waits for the
ack and always disconnects. Pass client_msg_id to retry it safely."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .client import ChatClient
from .protocol import Ack


async def quick_send(
    hub_url: str,
    agent_id: str,
    target_agent: str,
    content: str,
    *,
    api_key: Optional[str] = None,
    service_id: Optional[str] = None,
    metadata: Optional[Dict[str, Any]] = None,
    client_msg_id: Optional[str] = None,
) -> Ack:
    client = ChatClient(hub_url=hub_url, agent_id=agent_id, api_key=api_key, reconnect=False)
    await client.connect()
    try:
        return await client.send_message(
            target_agent=target_agent,
            content=content,
            service_id=service_id,
            metadata=metadata,
            client_msg_id=client_msg_id,
        )
    finally:
        await client.disconnect()
