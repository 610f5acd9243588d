// A batch's commit that one bad message cannot fail for the others. A failed batch is tried once
// more whole (a client_msg_id racing another instance is then found stored); failing again, it is
// halved until the messages that fail are alone, so that one bad message costs a few transactions,
// never one per message. The failures one batch may cost are bounded: past them the cause is the
// database, not a message, and the rest is refused with its error.
import { Errors, retryable } from '../errors.js'
import { faultOf } from './faults.js'
import type { MessageDraft, MessageLog, Outcome } from './message-log.js'

export async function commitIsolating(log: MessageLog, drafts: MessageDraft[]): Promise<Outcome[]> {
  try {
    return await log.write(drafts)
  } catch (error) {
    // The storage's condition refuses every message alike: splitting the batch would only wait longer.
    if (faultOf(error)) return drafts.map(() => ({ error: error as Error }))
    const failures = { left: 4 + 2 * Math.ceil(Math.log2(drafts.length + 1)) }
    return isolate(log, drafts, failures)
  }
}

async function isolate(log: MessageLog, drafts: MessageDraft[], failures: { left: number }): Promise<Outcome[]> {
  if (failures.left <= 0) return drafts.map(() => ({ error: retryable(new Errors.Unavailable('The messages could not be stored; retry'), 500) }))
  try {
    return await log.write(drafts)
  } catch (error) {
    failures.left--
    if (drafts.length === 1 || failures.left <= 0 || faultOf(error)) return drafts.map(() => ({ error: error as Error }))
    const middle = Math.ceil(drafts.length / 2)
    const first = await isolate(log, drafts.slice(0, middle), failures)
    return [...first, ...(await isolate(log, drafts.slice(middle), failures))]
  }
}
