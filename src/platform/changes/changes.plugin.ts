import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { DatabaseHandle } from '../../db/database.js'
import { API_PREFIX } from '../../http/urls.js'
import { createBrokerLog } from './broker-log.js'
import { changesRoutes } from './changes.routes.js'
import { createChangeNotifier } from './notifier.js'
import { BrokerUnavailableError, createAmqpPublisher } from './publisher.js'
import { type Relay, relayLag, startRelay } from './relay.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The outbox relay's state for readiness, or null when this app relays nothing. */
    readonly relay: { connected(): boolean; lag(): Promise<{ events: number; seconds: number }> } | null
  }
}

/**
 * The change log's reading routes (the feed and every resource's audit trail) and, with the background
 * jobs and AMQP_URL, the outbox relay to RabbitMQ: started once the app is ready (after migrations),
 * stopped before the pools close, its lag in the metrics and in `/ready`.
 */
export const changesPlugin = fp(
  async (app: FastifyInstance, options: { jobs: boolean; session: DatabaseHandle['session'] }) => {
    const notifier = createChangeNotifier(options.session)
    app.addHook('onClose', () => notifier.close())
    await app.register(changesRoutes, { prefix: API_PREFIX, notifier })
    const { config, db, metrics } = app
    const relayConfig = config.relay
    if (!options.jobs || !relayConfig) {
      app.decorate('relay', null)
      return
    }
    const brokerLog = createBrokerLog(app.log)
    const publisher = await createAmqpPublisher({
      url: relayConfig.url,
      exchange: relayConfig.exchange,
      source: app.urls.api,
      onError: (err) => brokerLog.connectionFailed(err),
      onConnect: () => brokerLog.connected(),
    })
    const lag = () => relayLag(db)
    app.decorate('relay', { connected: () => publisher.connected, lag })
    metrics.outboxLag(lag)

    let relay: Relay | null = null
    app.addHook('onReady', async () => {
      brokerLog.start()
      relay = await startRelay({
        session: await options.session(),
        publisher,
        batchSize: relayConfig.batchSize,
        events: {
          published: (count) => {
            metrics.published.inc(count)
            const failures = brokerLog.published()
            if (failures) app.log.info({ failures }, 'relay publishing again')
          },
          failed: (err) => {
            metrics.publishFailures.inc()
            brokerLog.publishFailed(err, err instanceof BrokerUnavailableError)
          },
          role: (leader) => {
            metrics.relayLeader.set(leader ? 1 : 0)
            app.log.info({ leader }, leader ? 'this instance relays the outbox' : 'relay stood down')
          },
        },
      })
    })
    app.addHook('onClose', async () => {
      brokerLog.stop()
      await relay?.stop()
      await publisher.close()
    })
  },
  { name: 'changes', dependencies: ['resources', 'metrics'] },
)
