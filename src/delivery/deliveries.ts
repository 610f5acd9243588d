// The deliveries of one connection: a ChannelDelivery for each channel it hears of, live
// messages and catch-ups routed to theirs, the channel statuses it is told (of the latest
// MAX_STATUSES channels: the oldest are forgotten first), and the hold on live delivery while
// its backlog replays.
import { isOpen, type ChannelStatus, type Role } from '../domain/channel.js'
import { statusTold } from '../protocol/builders.js'
import type { HubFrame } from '../protocol/frames.js'
import type { MessageInfo } from '../protocol/shapes.js'
import { ChannelDelivery } from './channel-delivery.js'
import { HeldBudget, type DeliveryEvents, type Outlet, type Recover } from './ports.js'

/** Channel statuses one connection remembers. */
export const MAX_STATUSES = 10_000

export class Deliveries {
  private readonly channels = new Map<string, ChannelDelivery>()
  /** The channels whose status is remembered, the least recently changed first. */
  private readonly statuses = new Set<string>()
  private readonly budget = new HeldBudget()
  /** Until goLive(): live messages wait for the backlog. */
  private replaying = true

  constructor(
    readonly agentId: string,
    private readonly outlet: Outlet,
    /** Where each channel recovers messages from. */
    private readonly source: (channelId: string) => Recover,
    private readonly events: DeliveryEvents,
  ) {}

  /** The channel's delivery on this connection (made on first use); `role`: the agent's in it, when known. */
  channel(channelId: string, role?: Role): ChannelDelivery {
    let channel = this.channels.get(channelId)
    if (!channel) {
      const { outlet, events, budget } = this
      channel = new ChannelDelivery({ channelId, outlet, recover: this.source(channelId), events, budget, held: this.replaying })
      this.channels.set(channelId, channel)
    }
    channel.role ??= role
    return channel
  }

  /** A live message for this connection (`previousSeq`: its sender's message before it; `json` undefined: undeliverable). */
  deliver(message: MessageInfo, json: string | undefined, role: Role, previousSeq: number): void {
    this.channel(message.channel_id, role).deliver(message, json, previousSeq)
  }

  /** The other party has sent up to `seq` on the channel: whatever of it this connection lacks goes out. */
  catchUp(channelId: string, role: Role, seq: number): void {
    this.channel(channelId, role).catchUp(seq)
  }

  /** Sends a frame, recording the channel status it tells (`json`: the frame as it goes out here). */
  tell(frame: HubFrame, json = JSON.stringify(frame)): void {
    const told = statusTold(frame)
    if (told) this.know(told.channelId, told.status)
    this.outlet.send(json)
  }

  /** Records that the connection knows the channel's status, or is owed word of what follows it. */
  know(channelId: string, status: ChannelStatus): void {
    if (!this.channel(channelId).told(status)) return
    this.statuses.delete(channelId)
    this.statuses.add(channelId)
    if (this.statuses.size <= MAX_STATUSES) return
    const oldest = this.statuses.values().next().value as string
    this.statuses.delete(oldest)
    this.channels.get(oldest)?.forgetStatus()
  }

  /** What this connection was last told of the channel, if anything. */
  statusOf(channelId: string): ChannelStatus | undefined {
    return this.channels.get(channelId)?.status
  }

  /** The channels this connection follows: told pending or active. */
  following(): string[] {
    return [...this.statuses].filter((id) => {
      const status = this.statusOf(id)
      return status !== undefined && isOpen(status)
    })
  }

  /** The backlog is sent: every channel's held live messages go out, and from now on at once. */
  goLive(): void {
    this.replaying = false
    for (const channel of this.channels.values()) channel.release()
  }

  /** The connection is being dropped: nothing that waits will go out. */
  drop(): void {
    for (const channel of this.channels.values()) channel.drop()
  }
}
