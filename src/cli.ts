#!/usr/bin/env node
import { readFile, writeFile } from 'node:fs/promises'
import { text } from 'node:stream/consumers'
import { parseArgs } from 'node:util'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { migrateToLatest, offlineDatabase, openDatabase } from './db/database.js'
import { createUrls } from './http/urls.js'
import { serve } from './main.js'
import { createAdmin } from './modules/users/admin-bootstrap.js'
import { usersRepository } from './modules/users/users.repository.js'
import { createArchive } from './platform/archive/archive.js'
import { passwords } from './platform/auth/passwords.js'
import { tailEvents } from './platform/changes/tail.js'

const USAGE = `Usage: custodian <command>

  serve                     run the API (the embedded database is migrated on start)
  migrate                   apply pending migrations to DATABASE_URL (or the embedded database)
  create-admin --email E    create an admin; the password is read from ADMIN_PASSWORD or stdin
               [--first-name F] [--last-name L]
  purge                     purge the archived items whose retention has passed, now
  openapi [FILE] [--check]  write the OpenAPI document (stdout without FILE); --check fails if FILE is stale
  events tail               print the change events arriving on RabbitMQ (AMQP_URL), one JSON line each,
              [--bind P]    deduplicated by id; P is a topic pattern (default #: all; users.*, *.deleted…)
              [--queue Q]   a durable queue Q survives restarts (default: a private, temporary queue)

Configuration comes from the environment and ./.env (see README).`

/** The OpenAPI document as committed: built without a database, so it never depends on the machine. */
export async function openApiDocument(): Promise<string> {
  const db = offlineDatabase()
  const database = { db, lookups: db, session: () => Promise.reject(new Error('no database')) }
  const app = await buildApp({ config: loadConfig({}), database, logStream: false })
  await app.ready()
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`
  await app.close()
  return document
}

async function main(argv: string[]) {
  const [command, ...rest] = argv
  // .env is optional; real environment variables win over it.
  try {
    process.loadEnvFile()
  } catch {}

  switch (command) {
    case 'serve':
      await serve(loadConfig())
      return
    case 'migrate': {
      const database = await openDatabase(loadConfig().database)
      try {
        const applied = await migrateToLatest(database.db)
        console.log(
          applied.length ? applied.map((m) => `applied ${m.migrationName}`).join('\n') : 'up to date',
        )
      } finally {
        await database.close()
      }
      return
    }
    case 'create-admin': {
      const { values } = parseArgs({
        args: rest,
        options: {
          email: { type: 'string' },
          'first-name': { type: 'string' },
          'last-name': { type: 'string' },
        },
      })
      if (!values.email) throw new UsageError('create-admin needs --email')
      // Never from argv: other users of the machine can read a process's arguments.
      const password = process.env.ADMIN_PASSWORD || (await text(process.stdin)).split('\n')[0]?.trim()
      if (!password || password.length < 8)
        throw new UsageError('the password must have at least 8 characters')
      // ADMIN_PASSWORD alone is this command's input, not the serve-time ADMIN_EMAIL/ADMIN_PASSWORD pair.
      const config = loadConfig({ ...process.env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined })
      const database = await openDatabase(config.database)
      try {
        if (config.migrateOnStart) await migrateToLatest(database.db)
        const admin = await createAdmin(
          { db: database.db, repo: usersRepository, passwords },
          { email: values.email, password, first_name: values['first-name'], last_name: values['last-name'] },
        )
        console.log(`created admin ${admin.id} <${admin.email}>`)
      } finally {
        await database.close()
      }
      return
    }
    case 'purge': {
      const config = loadConfig()
      const database = await openDatabase(config.database)
      try {
        if (config.migrateOnStart) await migrateToLatest(database.db)
        const archive = createArchive({
          db: database.db,
          urls: createUrls(config.publicUrl),
          retentionDays: config.retentionDays,
        })
        const { purged, batches } = await archive.purgeExpired({ batchSize: config.purge.batchSize })
        const summary = Object.entries(purged).map(([type, n]) => `${n} ${type}`)
        console.log(`purged ${summary.join(', ')} in ${batches} batch${batches === 1 ? '' : 'es'}`)
      } finally {
        await database.close()
      }
      return
    }
    case 'openapi': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { check: { type: 'boolean' } },
        allowPositionals: true,
      })
      const document = await openApiDocument()
      const file = positionals[0]
      if (!file) process.stdout.write(document)
      else if (!values.check) await writeFile(file, document)
      else if ((await readFile(file, 'utf8').catch(() => '')) !== document) {
        throw new UsageError(`${file} is stale: run \`npm run openapi\` and commit it`)
      } else console.log(`${file} is up to date`)
      return
    }
    case 'events': {
      const { values, positionals } = parseArgs({
        args: rest,
        options: { bind: { type: 'string', default: '#' }, queue: { type: 'string' } },
        allowPositionals: true,
      })
      if (positionals[0] !== 'tail')
        throw new UsageError('usage: custodian events tail [--bind P] [--queue Q]')
      const config = loadConfig()
      if (!config.relay)
        throw new UsageError('events tail needs AMQP_URL (without it, read GET /api/v1/events)')
      const stop = new AbortController()
      process.once('SIGINT', () => stop.abort())
      process.once('SIGTERM', () => stop.abort())
      await tailEvents({
        url: config.relay.url,
        exchange: config.relay.exchange,
        bind: values.bind,
        ...(values.queue && { queue: values.queue }),
        print: (line) => console.log(line),
        signal: stop.signal,
      })
      return
    }
    default:
      console.log(USAGE)
      if (command !== undefined && command !== 'help' && command !== '--help') process.exitCode = 2
  }
}

class UsageError extends Error {}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof UsageError)
    console.error(`custodian: ${error.message}`)
  else if (error instanceof Error && 'code' in error && error.code === 'email_taken') {
    console.error(`custodian: ${error.message}`)
  } else console.error(error)
  process.exit(1)
})
