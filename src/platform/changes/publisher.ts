import type { ChangeRow } from '../../db/schema.js'
import { presentChange } from './changes.js'

export const CLOUDEVENTS_JSON = 'application/cloudevents+json'
const CONFIRM_TIMEOUT_MS = 30_000

/** users → user: CloudEvents types name one thing (`custodian.user.created`). */
const singular = (type: string) => type.replace(/s$/, '')

/** A change as a CloudEvents 1.0 structured JSON event; `data` is the record `GET /events` shows. */
export function toCloudEvent(change: ChangeRow, source: string) {
  return {
    specversion: '1.0',
    id: String(change.seq),
    source,
    type: `custodian.${singular(change.resource_type)}.${change.action}`,
    subject: `${change.resource_type}/${change.resource_id}`,
    time: change.occurred_at.toISOString(),
    datacontenttype: 'application/json',
    data: presentChange(change),
  }
}

export type CloudEvent = ReturnType<typeof toCloudEvent>

/** `users.created`: consumers bind `users.*`, `*.deleted` or `#`. */
export const routingKey = (change: Pick<ChangeRow, 'resource_type' | 'action'>) =>
  `${change.resource_type}.${change.action}`

/** The broker connection is down: expected while it starts or restarts, and the relay retries. */
export class BrokerUnavailableError extends Error {
  override name = 'BrokerUnavailableError'
}

export interface Publisher {
  /** Publishes in order and resolves once the broker has confirmed every message; rejects otherwise. */
  publish(changes: ChangeRow[]): Promise<void>
  /** Whether the broker connection is up. */
  readonly connected: boolean
  close(): Promise<void>
}

/**
 * Publishes to a durable topic exchange on RabbitMQ with publisher confirms: persistent messages, the
 * CloudEvents content type, `message-id` = the event id. The connection reconnects by itself; while it
 * is down `publish` fails at once, and the relay backs off.
 */
export async function createAmqpPublisher(options: {
  url: string
  exchange: string
  source: string
  /** A connection (or reconnection) attempt failed, or a declaration did. */
  onError?: (error: unknown) => void
  /** The connection is up (again). */
  onConnect?: () => void
}): Promise<Publisher> {
  // Imported on demand: without AMQP_URL (the default) the client is never loaded (issue 13).
  const { Connection } = await import('rabbitmq-client')
  // noDelay: without it every confirm waits on Nagle's algorithm (~40 ms).
  const rabbit = new Connection({
    url: options.url,
    noDelay: true,
    connectionName: 'custodian-relay',
    retryLow: 200,
    retryHigh: 10_000,
    acquireTimeout: 5_000,
  })
  rabbit.on('error', (error) => options.onError?.(error))
  rabbit.on('connection', () => options.onConnect?.())
  const exchange = { exchange: options.exchange, type: 'topic', durable: true }
  // Declared on start and again by the publisher whenever the connection is re-established.
  rabbit.exchangeDeclare(exchange).catch((error) => options.onError?.(error))
  const publisher = rabbit.createPublisher({ confirm: true, maxAttempts: 1, exchanges: [exchange] })

  /** Sent back to back on one channel (the broker keeps their order), confirmed together. */
  const sendAll = async (changes: ChangeRow[]) => {
    const results = await Promise.allSettled(
      changes.map((change) => {
        const event = toCloudEvent(change, options.source)
        return publisher.send(
          {
            exchange: options.exchange,
            routingKey: routingKey(change),
            durable: true,
            contentType: CLOUDEVENTS_JSON,
            messageId: event.id,
            type: event.type,
            timestamp: Math.floor(change.occurred_at.getTime() / 1000),
          },
          Buffer.from(JSON.stringify(event)),
        )
      }),
    )
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  return {
    get connected() {
      return rabbit.ready
    },
    async publish(changes) {
      if (!rabbit.ready) throw new BrokerUnavailableError('RabbitMQ is not connected')
      // A blocked broker (memory or disk alarm) confirms nothing: give up on the batch, retry later.
      let timer: NodeJS.Timeout | undefined
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error('RabbitMQ did not confirm the batch in time')),
          CONFIRM_TIMEOUT_MS,
        )
      })
      try {
        await Promise.race([sendAll(changes), timeout])
      } finally {
        clearTimeout(timer)
      }
    },
    async close() {
      await publisher.close()
      await rabbit.close()
    },
  }
}
