import type { FastifyBaseLogger } from 'fastify'

/** How long after start a broker never reached yet is still "connecting", not "failing". */
export const BROKER_GRACE_MS = 10_000

const CONNECTION = 'RabbitMQ connection error'

/**
 * What an operator reads about the broker: one warning when something is wrong, not a stack trace
 * on every start. Until the broker has answered once, failures are debug (it may be starting along
 * with us), and if it has not answered BROKER_GRACE_MS after `start`, one warning says why. Once it
 * has answered, the first failure of a streak (connection lost, a batch not published) is a warning
 * and the retries that follow are debug; success ends the streak. A broker away is expected: its
 * warning carries the reason, not a stack. Any other publishing failure keeps its stack.
 */
export function createBrokerLog(log: Pick<FastifyBaseLogger, 'warn' | 'debug'>) {
  let everConnected = false
  /** The first error since the broker last answered: later ones (timeouts) follow from it. */
  let firstError: unknown = null
  let graceTimer: NodeJS.Timeout | undefined
  const streaks = { connection: 0, publish: 0 }
  const report = (kind: keyof typeof streaks, msg: string, err: unknown, expected: boolean) => {
    const fields = expected && err instanceof Error ? { reason: err.message, code: errorCode(err) } : { err }
    if (!everConnected && expected) log.debug(fields, msg)
    else if (streaks[kind]++ === 0) log.warn(fields, msg)
    else log.debug(fields, msg)
  }
  return {
    /** Starts the grace period. */
    start() {
      graceTimer = setTimeout(() => {
        if (everConnected) return
        streaks.connection++
        const fields =
          firstError instanceof Error
            ? { reason: firstError.message, code: errorCode(firstError) }
            : { reason: `no answer after ${BROKER_GRACE_MS / 1000} s` }
        log.warn(fields, `${CONNECTION}; retrying`)
      }, BROKER_GRACE_MS)
      graceTimer.unref()
    },
    stop: () => clearTimeout(graceTimer),
    /** A connection attempt (or a declaration on it) failed: the network's or the broker's doing. */
    connectionFailed(err: unknown) {
      firstError ??= err
      report('connection', CONNECTION, err, true)
    },
    connected() {
      everConnected = true
      firstError = null
      streaks.connection = 0
    },
    /** A batch was not published; `expected` when the connection was down. */
    publishFailed: (err: unknown, expected: boolean) =>
      report('publish', 'relay could not publish; retrying with backoff', err, expected),
    /** A batch was published: returns how many failures that ends. */
    published() {
      const failures = streaks.publish
      streaks.publish = 0
      return failures
    },
  }
}

const errorCode = (error: Error) => ('code' in error ? error.code : undefined)
