import type { Session } from '../../db/database.js'
import { CHANGES_CHANNEL } from './relay.js'

/**
 * Wakes whoever waits for the next committed change: one LISTEN per instance, opened on the first wait
 * and shared by every waiter (the live feed's streams), instead of a query loop per client.
 */
export function createChangeNotifier(open: () => Promise<Session>) {
  const waiters = new Set<() => void>()
  let listening: Promise<() => Promise<void>> | null = null
  const wakeAll = () => {
    for (const wake of waiters) wake()
    waiters.clear()
  }
  return {
    /** Resolves at the next commit of a change, or after `ms` (false then), or when `signal` aborts. */
    async wait(ms: number, signal: AbortSignal): Promise<boolean> {
      listening ??= open().then(async (session) => {
        const unlisten = await session.listen(CHANGES_CHANNEL, wakeAll)
        return async () => {
          await unlisten()
          await session.close()
        }
      })
      try {
        await listening
      } catch {
        // No notifications (the database is away): try again on the next wait, and poll meanwhile.
        listening = null
        ms = Math.min(ms, 1000)
      }
      return new Promise<boolean>((resolve) => {
        const done = (notified: boolean) => {
          clearTimeout(timer)
          waiters.delete(wake)
          signal.removeEventListener('abort', aborted)
          resolve(notified)
        }
        const wake = () => done(true)
        const aborted = () => done(false)
        const timer = setTimeout(() => done(false), ms)
        waiters.add(wake)
        signal.addEventListener('abort', aborted, { once: true })
      })
    },
    async close() {
      wakeAll()
      const stop = await listening?.catch(() => null)
      listening = null
      await stop?.().catch(() => {})
    },
  }
}

export type ChangeNotifier = ReturnType<typeof createChangeNotifier>
