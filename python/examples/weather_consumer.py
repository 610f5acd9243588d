"""Example consumer: asks ``weather-svc`` for a chat, asks for Beijing's weather, prints the reply,
ends the chat and exits (0 on success).

    python3 examples/weather_consumer.py [hub_url]      (or HUB_URL=ws://host:8765)
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import AsyncIterator

from claw_chat_hub import ChatClient, Message


async def reply_on(channel_id: str, incoming: AsyncIterator[Message]) -> Message:
    async for message in incoming:
        if message["channel_id"] == channel_id:
            return message
    raise RuntimeError("disconnected before the reply")


async def main() -> int:
    hub_url = (sys.argv[1:] or [os.environ.get("HUB_URL") or "ws://localhost:8765"])[0]
    async with ChatClient(
        hub_url=hub_url,
        agent_id=os.environ.get("AGENT_ID", "weather-consumer"),
        api_key=os.environ.get("HUB_API_KEY"),
    ) as chat:
        decision = await chat.request_chat(service_id="weather-svc", message="Hello, I would like a forecast.")
        if decision["status"] == "rejected":
            print(f"weather-svc declined: {decision.get('reason') or 'no reason given'}", file=sys.stderr)
            return 1
        channel_id = decision["channel_id"]
        # Subscribe before asking, so the answer cannot slip past.
        incoming = chat.messages()
        await chat.send_message(channel_id=channel_id, content="What's the weather in Beijing today?")
        try:
            # A provider that accepts but never answers must not leave this script hanging.
            reply = await asyncio.wait_for(reply_on(channel_id, incoming), 30)
        except asyncio.TimeoutError:
            print("no forecast within 30 s", file=sys.stderr)
            return 1
        print(f"weather-svc: {reply['content']}", flush=True)
        await chat.end_chat(channel_id=channel_id, reason="thanks")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
