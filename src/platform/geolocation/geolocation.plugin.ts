import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createIpapiProvider, createOfflineProvider } from './providers.js'
import { createSignupGate, type SignupGate } from './signup-gate.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Decides whether a client may sign up, from where it is (DESIGN §6). */
    readonly signupGate: SignupGate
  }
}

/** The sign-up geolocation gate, with the provider GEO_PROVIDER names; lookups are counted in the metrics. */
export const geolocationPlugin = fp(
  async (app: FastifyInstance) => {
    const { geo } = app.config
    const provider =
      geo.provider === 'offline'
        ? await createOfflineProvider()
        : createIpapiProvider({
            baseUrl: geo.ipapiUrl,
            timeoutMs: geo.timeoutMs,
            cacheSeconds: geo.cacheSeconds,
          })
    const gate = createSignupGate({
      provider,
      allowed: geo.allowedCountries,
      allowUnknown: geo.allowUnknown,
      onLookup: (outcome) => app.metrics.geoLookups.inc({ outcome }),
    })
    app.decorate('signupGate', gate)
  },
  { name: 'geolocation', dependencies: ['metrics'] },
)
