import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { UserRow } from '../../db/schema.js'
import { writePrecondition } from '../../http/conditional.js'
import { listQuery } from '../../http/pagination.js'
import { sendItem, sendPage } from '../../http/replies.js'
import { IdParams, problems } from '../../http/schemas.js'
import type { Urls } from '../../http/urls.js'
import { credentialsLimit } from '../../plugins/rate-limit.js'
import {
  CreateUserBody,
  ListUsersQuery,
  ReplaceUserBody,
  UpdateUserBody,
  type User,
  UserPage,
  UserRef,
} from './users.schemas.js'
import type { UsersService } from './users.service.js'

const tags = ['users']

/** A user as the API shows it: never the password or its hash. */
export const presentUser =
  (urls: Pick<Urls, 'item'>) =>
  (u: UserRow): User => ({
    id: u.id,
    url: urls.item('users', u.id),
    email: u.email,
    first_name: u.first_name,
    last_name: u.last_name,
    address: u.address,
    country: u.country,
    role: u.role,
    created_at: u.created_at.toISOString(),
    updated_at: u.updated_at.toISOString(),
  })

export const usersRoutes: FastifyPluginAsyncTypebox<{ users: UsersService }> = async (app, { users }) => {
  const present = presentUser(app.urls)
  const item = (u: UserRow) => ({ version: u.version, body: present(u) })

  app.post(
    '/users',
    {
      config: { auth: 'optional', rateLimit: credentialsLimit(app) },
      schema: {
        tags,
        summary: 'Sign up (or, as an admin, create a user with any role)',
        body: CreateUserBody,
        response: { 201: UserRef, 204: { type: 'null' }, ...problems(400, 403, 409, 413, 415, 429, 503) },
      },
    },
    async (req, reply) => {
      const user = await users.create(req.caller, req.body, {
        ip: req.ip,
        requestId: req.id,
        idempotencyKey: req.idempotencyKey,
      })
      reply.header('location', app.urls.item('users', user.id))
      return sendItem(req, reply, item(user), 201)
    },
  )

  app.get(
    '/users',
    {
      schema: {
        tags,
        summary: 'List users (admins: everyone; users: themselves)',
        querystring: ListUsersQuery,
        response: { 200: UserPage, ...problems(400) },
      },
    },
    async (req, reply) =>
      sendPage(req, reply, app.urls, await users.list(req.actor, listQuery(req)), present),
  )

  app.get(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Read a user',
        params: IdParams,
        response: { 200: UserRef, ...problems(400, 404) },
      },
    },
    async (req, reply) => sendItem(req, reply, item(await users.get(req.actor, req.params.id))),
  )

  app.put(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Replace a user’s writable fields',
        params: IdParams,
        body: ReplaceUserBody,
        response: { 200: UserRef, 204: { type: 'null' }, ...problems(400, 403, 404, 409, 412, 428) },
      },
    },
    async (req, reply) =>
      sendItem(
        req,
        reply,
        item(await users.replace(req.actor, req.params.id, req.body, writePrecondition(req))),
      ),
  )

  app.patch(
    '/users/:id',
    {
      schema: {
        tags,
        summary: 'Update a user (JSON merge patch)',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserRef, 204: { type: 'null' }, ...problems(400, 403, 404, 409, 412, 428) },
      },
    },
    async (req, reply) =>
      sendItem(
        req,
        reply,
        item(await users.update(req.actor, req.params.id, req.body, writePrecondition(req))),
      ),
  )
}
