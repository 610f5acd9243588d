// Written examples of the wire shapes (those of the frames are frame-examples.ts's), for the
// OpenAPI and AsyncAPI documents and docs/protocol.md. One conversation runs through all of them (the session of
// docs/protocol-intro.md), so that ids, seqs and timestamps agree with each other; the ids are
// real ULIDs of the timestamps they carry. test/docs.test.ts checks each against its schema (the
// resource examples are not typed with the shapes here: the shapes carry them, so the types would
// be circular).

export const EXAMPLE = {
  provider: 'weather-provider',
  consumer: 'weather-consumer',
  service: 'weather-svc',
  channel: 'ch_01JDHAG2E0WXT7K5BTJZEV0XH1',
  message: 'msg_01JDHAG6H8EQ41DTPDS1A5QVVK',
  reply: 'msg_01JDHAGBACQG1S8DFN4B929C20',
  clientMsgId: '5b0e9c1e-8f7a-4d2b-9c3e-1a6f0d4b7e21',
  registeredAt: '2024-11-25T09:12:41.530Z',
  openedAt: '2024-11-25T09:30:00.000Z',
  sentAt: '2024-11-25T09:30:04.200Z',
  repliedAt: '2024-11-25T09:30:09.100Z',
  endedAt: '2024-11-25T09:31:15.300Z',
  question: 'Weather in Beijing tomorrow?',
  answer: 'Sunny, 18 °C, light wind from the north.',
  metadata: { locale: 'en-GB', units: 'metric' },
  description: 'Weather forecasts for any city, up to 7 days ahead.',
  reason: 'Conversation complete',
} as const

export const AGENT_EXAMPLE = {
  agent_id: EXAMPLE.provider,
  display_name: 'Weather provider',
  created_at: EXAMPLE.registeredAt,
  last_seen_at: EXAMPLE.sentAt,
  online: true,
  connections: 1,
}

export const SERVICE_EXAMPLE = {
  service_id: EXAMPLE.service,
  provider_id: EXAMPLE.provider,
  description: EXAMPLE.description,
  created_at: EXAMPLE.registeredAt,
}

export const CHANNEL_EXAMPLE = {
  channel_id: EXAMPLE.channel,
  provider_id: EXAMPLE.provider,
  consumer_id: EXAMPLE.consumer,
  service_id: EXAMPLE.service,
  status: 'active' as const,
  created_at: EXAMPLE.openedAt,
  ended_at: null as string | null,
  end_reason: null as string | null,
  ended_by: null as string | null,
  last_seq: 2,
}

export const ENDED_CHANNEL_EXAMPLE = {
  ...CHANNEL_EXAMPLE,
  status: 'ended' as const,
  ended_at: EXAMPLE.endedAt,
  end_reason: EXAMPLE.reason,
  ended_by: EXAMPLE.consumer,
}

export const MESSAGE_EXAMPLE = {
  message_id: EXAMPLE.message,
  channel_id: EXAMPLE.channel,
  sender_id: EXAMPLE.consumer,
  content: EXAMPLE.question,
  metadata: EXAMPLE.metadata,
  seq: 1,
  timestamp: EXAMPLE.sentAt,
  client_msg_id: EXAMPLE.clientMsgId,
}

export const REPLY_EXAMPLE = {
  message_id: EXAMPLE.reply,
  channel_id: EXAMPLE.channel,
  sender_id: EXAMPLE.provider,
  content: EXAMPLE.answer,
  seq: 2,
  timestamp: EXAMPLE.repliedAt,
}

export const HISTORY_EXAMPLE = {
  channel_id: EXAMPLE.channel,
  messages: [MESSAGE_EXAMPLE, REPLY_EXAMPLE],
  has_more: false,
}

/** The `{code, message}` the hub answers an error with. */
export const errorOf = (error: { code: string; message: string }) => ({ code: error.code, message: error.message })
