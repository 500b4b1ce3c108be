import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'
import { type AsyncMessage, Connection } from 'rabbitmq-client'

export const AMQP_URL = process.env.TEST_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

/** A durable topic exchange of its own per test, so tests never read each other's events. */
export const testExchange = () => `custodian.test.${randomBytes(4).toString('hex')}`

export interface Received {
  message: AsyncMessage
  event: { id: string; type: string; subject: string; data: Record<string, unknown>; [k: string]: unknown }
}

/**
 * A consumer bound to `exchange` with `#` on a durable queue (it survives a broker restart, with its
 * messages), collecting what arrives.
 */
export async function consume(exchange: string) {
  const rabbit = new Connection({ url: AMQP_URL, noDelay: true, retryLow: 200, retryHigh: 1000 })
  // A broker restart is expected in some tests: the client reconnects by itself.
  rabbit.on('error', () => {})
  const queue = `${exchange}.consumer`
  const received: Received[] = []
  const consumer = rabbit.createConsumer(
    {
      queue,
      queueOptions: { durable: true },
      exchanges: [{ exchange, type: 'topic', durable: true }],
      queueBindings: [{ queue, exchange, routingKey: '#' }],
    },
    async (message) => {
      received.push({ message, event: JSON.parse(message.body.toString()) })
    },
  )
  consumer.on('error', () => {})
  await new Promise<void>((resolve) => consumer.once('ready', () => resolve()))
  return {
    received,
    /** Resolves once `count` messages have arrived (or throws after `timeoutMs`). */
    async waitFor(count: number, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`received ${received.length} of ${count} events`)
        await new Promise((r) => setTimeout(r, 20))
      }
      return received
    },
    async close() {
      await consumer.close()
      await rabbit.queueDelete({ queue }).catch(() => {})
      await rabbit.exchangeDelete({ exchange }).catch(() => {})
      await rabbit.close()
    },
  }
}

const run = promisify(execFile)

/**
 * Stops and starts the RabbitMQ application on this machine (the node process stays up) — only when
 * the tests own the broker (`owned`): the local one by default, another only with TEST_AMQP_OWNED=1
 * (vitest.config.ts decides). The tests that stop it are skipped otherwise.
 */
export const broker = {
  owned: process.env.TEST_AMQP_OWNED !== '0',
  stop: () => run('rabbitmqctl', ['stop_app']),
  async start() {
    await run('rabbitmqctl', ['start_app'])
    await run('rabbitmqctl', ['await_startup'])
  },
}
