import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { API_PREFIX } from '../../http/urls.js'
import { applicationsRepository } from './applications.repository.js'
import { applicationsRoutes } from './applications.routes.js'
import { ApplicationSchema } from './applications.schemas.js'
import { createApplicationsService } from './applications.service.js'

/** Job applications (DESIGN §7): owned by a user, with a status workflow, archived with their owner. */
export const applicationsModule = fp(
  async (app: FastifyInstance) => {
    app.addSchema(ApplicationSchema)
    const { db, lookups, items, urls } = app
    const applications = createApplicationsService({ db, lookups, items, repo: applicationsRepository })
    await app.register(applicationsRoutes(applications, urls), { prefix: API_PREFIX })
  },
  { name: 'applications', dependencies: ['users', 'archive', 'resources'] },
)
