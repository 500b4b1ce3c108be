import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { Db } from '../../db/database.js'
import type { UserRow } from '../../db/schema.js'
import { etag, precondition } from '../../http/conditional.js'
import { prefersMinimal, sendItem, sendPage } from '../../http/replies.js'
import { IdParams, problems } from '../../http/schemas.js'
import type { Archive } from '../../platform/archive/archive.js'
import { archiveRoutes, presentArchivedWith } from '../../platform/archive/archive.routes.js'
import { Archived } from '../../platform/archive/archive.schemas.js'
import type { TokensService } from '../../platform/auth/tokens.service.js'
import type { RouteRateLimit } from '../../plugins/rate-limit.js'
import {
  CreateUserBody,
  ListUsersQuery,
  ReplaceUserBody,
  UpdateUserBody,
  type User,
  UserPage,
  UserRef,
  UserSchema,
} from './users.schemas.js'
import type { UsersService } from './users.service.js'

const tags = ['users']
const ArchivedUser = Archived(UserSchema)

export const usersRoutes: FastifyPluginAsyncTypebox<{
  users: UsersService
  publicUrl: string
  requireIfMatch: boolean
  credentialsLimit: RouteRateLimit
  archive: Archive
  db: Db
  tokens: Pick<TokensService, 'forgetUser'>
}> = async (app, { users, publicUrl, requireIfMatch, credentialsLimit, archive, db, tokens }) => {
  const urlOf = (id: number) => `${publicUrl}/api/v1/users/${id}`
  const present = (u: UserRow): User => ({
    id: u.id,
    url: urlOf(u.id),
    email: u.email,
    first_name: u.first_name,
    last_name: u.last_name,
    address: u.address,
    country: u.country,
    role: u.role,
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
  })
  const item = (u: UserRow) => ({ version: u.version, body: present(u) })
  const presentArchived = presentArchivedWith(present as (row: never) => User, (id) => `${urlOf(id)}/deleted`)
  const writeCondition = (ifMatch: string | undefined) => precondition(ifMatch, requireIfMatch)

  app.post(
    '/users',
    {
      config: { auth: 'optional', rateLimit: credentialsLimit },
      schema: {
        tags,
        summary: 'Sign up (or, as an admin, create a user with any role)',
        body: CreateUserBody,
        response: { 201: UserRef, 204: { type: 'null' }, ...problems(400, 403, 409, 413, 415, 429, 503) },
      },
    },
    async (req, reply) => {
      const user = await users.create(req.actor, req.body, { ip: req.ip, requestId: req.id })
      reply.header('location', urlOf(user.id))
      return sendItem(req, reply, item(user), 201)
    },
  )

  app.get(
    '/users',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'List users (admins: everyone; users: themselves)',
        querystring: ListUsersQuery,
        response: { 200: UserPage, ...problems(400) },
      },
    },
    async (req, reply) => {
      const slice = await users.list(req.actor!, req.query)
      return sendPage(req, reply, publicUrl, slice, present)
    },
  )

  app.get(
    '/users/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Read a user',
        params: IdParams,
        response: { 200: UserRef, ...problems(400, 404) },
      },
    },
    async (req, reply) => sendItem(req, reply, item(await users.get(req.actor!, req.params.id))),
  )

  app.put(
    '/users/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Replace a user’s writable fields',
        params: IdParams,
        body: ReplaceUserBody,
        response: { 200: UserRef, 204: { type: 'null' }, ...problems(400, 403, 404, 409, 412, 428) },
      },
    },
    async (req, reply) => {
      const condition = writeCondition(req.headers['if-match'])
      return sendItem(req, reply, item(await users.replace(req.actor!, req.params.id, req.body, condition)))
    },
  )

  app.patch(
    '/users/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Update a user (JSON merge patch)',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserRef, 204: { type: 'null' }, ...problems(400, 403, 404, 409, 412, 428) },
      },
    },
    async (req, reply) => {
      const condition = writeCondition(req.headers['if-match'])
      return sendItem(req, reply, item(await users.update(req.actor!, req.params.id, req.body, condition)))
    },
  )

  app.delete(
    '/users/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Delete a user: archived with everything they own, restorable until purge_at',
        params: IdParams,
        response: { 200: ArchivedUser, 204: { type: 'null' }, ...problems(400, 404, 410, 412, 428) },
      },
    },
    async (req, reply) => {
      const { id } = req.params
      const { row, cascaded } = await users.archive(req.actor!, id, writeCondition(req.headers['if-match']))
      const archiveUrl = `${urlOf(id)}/deleted`
      if (prefersMinimal(req)) {
        reply.header('link', `<${archiveUrl}>; rel="archive"`).header('preference-applied', 'return=minimal')
        return reply.status(204).send(null)
      }
      reply.header('content-location', archiveUrl).header('etag', etag(row.version))
      return presentArchived(row, cascaded)
    },
  )

  await app.register(
    archiveRoutes<UserRow>({
      type: 'users',
      archive,
      db,
      publicUrl,
      live: UserSchema,
      present,
      urls: { live: urlOf, archive: (id) => `${urlOf(id)}/deleted` },
      afterPurge: (id) => tokens.forgetUser(id),
    }),
  )
}
