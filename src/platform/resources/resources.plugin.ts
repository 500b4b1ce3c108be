import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createItems, type Items } from './items.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Reading, creating and changing owned items, and explaining a miss, the same way for every resource. */
    readonly items: Items
  }
}

/** The owned-resource toolkit, built once for the app's database and URLs. */
export const resourcesPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorate('items', createItems({ db: app.db, lookups: app.lookups, urls: app.urls }))
  },
  { name: 'resources' },
)
