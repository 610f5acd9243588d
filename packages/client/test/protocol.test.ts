// The client's wire types (src/protocol.ts) are what the hub's TypeBox schemas generate, and
// mean the same types as the schemas' own: `npm run typecheck` fails on any difference.
import { readFileSync } from 'node:fs'
import type { Static } from '@sinclair/typebox'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { CLIENT_PROTOCOL_PATH, renderClientProtocol } from '../../../scripts/client-protocol.js'
import type * as frames from '../../../src/protocol/frames.js'
import type * as shapes from '../../../src/protocol/shapes.js'
import type * as wire from '../src/protocol.js'

describe('the client protocol types', () => {
  it('are what the frame schemas generate', async () => {
    expect(readFileSync(CLIENT_PROTOCOL_PATH, 'utf8')).toBe(await renderClientProtocol())
  })

  it('equal the schemas’ static types', () => {
    expectTypeOf<wire.ClientFrame>().toEqualTypeOf<frames.ClientFrame>()
    expectTypeOf<wire.HubFrame>().toEqualTypeOf<frames.HubFrame>()
    expectTypeOf<wire.ResumeFrame>().toEqualTypeOf<Static<typeof frames.ResumeFrame>>()
    expectTypeOf<wire.ChatMessageFrame>().toEqualTypeOf<Static<typeof frames.ChatMessageFrame>>()
    expectTypeOf<wire.Agent>().toEqualTypeOf<shapes.AgentInfo>()
    expectTypeOf<wire.Service>().toEqualTypeOf<shapes.ServiceInfo>()
    expectTypeOf<wire.Channel>().toEqualTypeOf<shapes.ChannelInfo>()
    expectTypeOf<wire.Message>().toEqualTypeOf<shapes.MessageInfo>()
    expectTypeOf<wire.HistoryPage>().toEqualTypeOf<shapes.HistoryPageInfo>()
    expectTypeOf<wire.ChannelStatus>().toEqualTypeOf<Static<typeof shapes.ChannelStatus>>()
  })
})
