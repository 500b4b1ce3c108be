import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { UserRow } from '../../db/schema.js'
import { API_PREFIX } from '../../http/urls.js'
import { archiveRoutes } from '../../platform/archive/archive.routes.js'
import { passwords } from '../../platform/auth/passwords.js'
import { usersRepository } from './users.repository.js'
import { presentUser, usersRoutes } from './users.routes.js'
import { UserSchema } from './users.schemas.js'
import { createUsersService, revokeTokensOnArchive } from './users.service.js'

/** Users (DESIGN §1): sign-up through the geolocation gate, the account routes, and their archive. */
export const usersModule = fp(
  async (app: FastifyInstance) => {
    app.addSchema(UserSchema)
    const users = createUsersService({
      db: app.db,
      items: app.items,
      repo: usersRepository,
      passwords,
      tokens: app.tokens,
      signupGate: app.signupGate,
      urls: app.urls,
    })
    app.archive.addHook(revokeTokensOnArchive(app.tokens))
    await app.register(usersRoutes, { prefix: API_PREFIX, users })
    await app.register(
      archiveRoutes<UserRow>({
        type: 'users',
        schema: UserSchema,
        present: presentUser(app.urls),
        deleteSummary: 'Delete a user: archived with everything they own, restorable until purge_at',
      }),
      { prefix: API_PREFIX },
    )
  },
  { name: 'users', dependencies: ['archive', 'auth', 'geolocation', 'resources'] },
)
