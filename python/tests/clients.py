"""Clients for the tests: made per test, always disconnected afterwards, and the few steps most
tests start with (a provider with a service, a consumer with an accepted channel)."""

from __future__ import annotations

from typing import Any, List, Tuple

from claw_chat_hub import ChatClient
from support import unique


class Clients:
    def __init__(self, hub_url: str) -> None:
        self.hub_url = hub_url
        self.made: List[ChatClient] = []

    def new(self, prefix: str, **options: Any) -> ChatClient:
        client = ChatClient(hub_url=self.hub_url, agent_id=unique(prefix), **options)
        self.made.append(client)
        return client

    async def connected(self, prefix: str, **options: Any) -> ChatClient:
        client = self.new(prefix, **options)
        await client.connect()
        return client

    async def provider(self, prefix: str = "provider", **options: Any) -> Tuple[ChatClient, str]:
        """A connected provider of a fresh service that accepts every request."""
        provider = await self.connected(prefix, **options)
        service_id = unique("svc")
        await provider.register_service(service_id=service_id)
        provider.on("chat_request", lambda request: provider.accept_chat(channel_id=request["channel_id"]))
        return provider, service_id

    async def pair(self, **options: Any) -> Tuple[ChatClient, ChatClient, str]:
        """A provider, a consumer and the active channel between them."""
        provider, service_id = await self.provider(**options)
        consumer = await self.connected("consumer", **options)
        decision = await consumer.request_chat(service_id=service_id)
        assert decision["status"] == "accepted"
        return provider, consumer, decision["channel_id"]

    async def close(self) -> None:
        for client in self.made:
            await client.disconnect()
