// The service grant on /ws: a connection whose token narrows its services gets handlers that
// refuse (with a FORBIDDEN error frame) registering, requesting or messaging over a service
// outside it. Every other connection keeps the shared handlers as they are.
import type { ServiceGrant } from '../auth/grant.js'
import type { Handlers } from './handlers.js'

export function grantedHandlers(handlers: Handlers, grant: ServiceGrant): Handlers {
  if (grant.unrestricted) return handlers
  return {
    ...handlers,
    register_service: (ctx, frame) => {
      grant.assertRegister(frame.service_id)
      return handlers.register_service(ctx, frame)
    },
    chat_request: (ctx, frame) => {
      grant.assertRequest(frame.service_id)
      return handlers.chat_request(ctx, frame)
    },
    chat_message: (ctx, frame) => {
      // To target_agent with a service, the message opens (or reuses) that service's channel.
      if (frame.channel_id === undefined && frame.service_id !== undefined) grant.assertUse(frame.service_id)
      return handlers.chat_message(ctx, frame)
    },
  }
}
