"""Example provider: registers ``weather-svc``, accepts every chat request and answers each message
with a (fake) forecast. Stops cleanly on Ctrl-C / SIGTERM.

    python3 examples/weather_provider.py [hub_url]      (or HUB_URL=ws://host:8765)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any, Dict

from claw_chat_hub import ChatClient, Message

# A real provider would call a weather API; the point here is the conversation around it.
CLIMATE = {
    "beijing": "sunny, high 25°C, low 14°C, light north wind",
    "shanghai": "cloudy with showers in the evening, high 22°C, low 17°C",
    "london": "drizzle, high 16°C, low 9°C",
}


def forecast(question: str) -> str:
    city = next((name for name in CLIMATE if name in question.lower()), None)
    if city is None:
        return f"Which city? I know {', '.join(CLIMATE)}."
    return f"Forecast for {city.capitalize()}: {CLIMATE[city]}."


async def main() -> None:
    hub_url = (sys.argv[1:] or [os.environ.get("HUB_URL") or "ws://localhost:8765"])[0]
    chat = ChatClient(
        hub_url=hub_url,
        agent_id=os.environ.get("AGENT_ID", "weather-provider"),
        api_key=os.environ.get("HUB_API_KEY"),
    )

    @chat.on("chat_request")
    async def accept(request: Dict[str, Any]) -> None:
        print(f"chat request from {request['consumer_id']} on {request['channel_id']}", flush=True)
        await chat.accept_chat(channel_id=request["channel_id"])

    chat.on("chat_end", lambda ended: print(f"chat {ended['channel_id']} ended by {ended['ended_by']}", flush=True))
    chat.on("reconnecting", lambda event: print(f"connection lost; retry {event['attempt']}", flush=True))

    async def answer(message: Message) -> None:
        print(f"{message['sender_id']}: {message['content']}", flush=True)
        await chat.send_message(channel_id=message["channel_id"], content=forecast(message["content"]))

    def shutdown(name: str) -> None:
        print(f"{name}: disconnecting", flush=True)
        # listen_for_messages returns once the client is disconnected, and main() with it.
        asyncio.ensure_future(chat.disconnect())

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, shutdown, sig.name)

    await chat.connect()
    await chat.register_service(service_id="weather-svc", description="Fake weather forecasts for a few cities")
    print(f"weather-svc ready on {hub_url} as {chat.agent_id}", flush=True)
    await chat.listen_for_messages(answer)


if __name__ == "__main__":
    asyncio.run(main())
