import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { API_PREFIX } from '../../http/urls.js'
import { leadsRepository } from './leads.repository.js'
import { leadsRoutes } from './leads.routes.js'
import { LeadSchema } from './leads.schemas.js'
import { createLeadsService } from './leads.service.js'

/** Client leads: owned by a user, with a status workflow, archived with their owner. */
export const leadsModule = fp(
  async (app: FastifyInstance) => {
    app.addSchema(LeadSchema)
    const { db, lookups, items, urls } = app
    await app.register(leadsRoutes(createLeadsService({ db, lookups, items, repo: leadsRepository }), urls), {
      prefix: API_PREFIX,
    })
  },
  { name: 'leads', dependencies: ['users', 'archive', 'resources'] },
)
