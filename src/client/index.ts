// `claw-chat-hub/client`: the TypeScript client, for code that already depends on the hub.
// The client is its own package, @claw-chat-hub/client; an app that only talks to a hub
// installs that one and none of the server.
export * from '@claw-chat-hub/client'
