import type { Connection as AmqpConnection } from 'rabbitmq-client'

/**
 * `custodian events tail`: the example consumer of DESIGN §5. It binds a queue to the exchange, prints
 * one JSON line per event, and drops duplicates by id. Delivery is at-least-once and in order, so an
 * event whose sequence (`id`) is not above the last one seen is a redelivery (after a relay crash,
 * say) and is acknowledged without being printed again.
 */
export async function tailEvents(options: {
  url: string
  exchange: string
  /** A topic pattern: `#` (everything), `users.*`, `*.deleted`… */
  bind: string
  /** A durable queue of this name survives restarts of the consumer; without it, a private one. */
  queue?: string
  print: (line: string) => void
  signal: AbortSignal
}) {
  // Loaded here: the other commands never need the AMQP client (as in createAmqpPublisher).
  const { Connection } = await import('rabbitmq-client')
  const rabbit: AmqpConnection = new Connection({
    url: options.url,
    noDelay: true,
    connectionName: 'custodian-events-tail',
  })
  rabbit.on('error', (error) => console.error(`custodian: RabbitMQ: ${error.message ?? error}`))
  const queue = options.queue ?? ''
  let last = 0
  const consumer = rabbit.createConsumer(
    {
      queue,
      queueOptions: options.queue ? { durable: true } : { exclusive: true, autoDelete: true },
      exchanges: [{ exchange: options.exchange, type: 'topic', durable: true }],
      queueBindings: [{ queue, exchange: options.exchange, routingKey: options.bind }],
      qos: { prefetchCount: 100 },
    },
    (message) => {
      const event = JSON.parse(message.body.toString()) as { id: string }
      const sequence = Number(event.id)
      if (sequence <= last) return // a duplicate: acknowledged, not printed
      last = sequence
      options.print(JSON.stringify(event))
    },
  )
  consumer.on('error', (error) => console.error(`custodian: consumer: ${error.message ?? error}`))
  await new Promise<void>((resolve) => {
    if (options.signal.aborted) return resolve()
    options.signal.addEventListener('abort', () => resolve(), { once: true })
  })
  await consumer.close()
  await rabbit.close()
}
