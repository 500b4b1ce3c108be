#!/usr/bin/env node
import { realpathSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { text } from 'node:stream/consumers'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import addFormats from 'ajv-formats'
import { Command, CommanderError } from 'commander'
import { buildApp } from './app.js'
import { ConfigError, loadConfig } from './config.js'
import { DatabaseInUseError } from './db/data-dir-lock.js'
import { migrateToLatest, offlineDatabase, openDatabase } from './db/database.js'
import { AppError } from './http/problem.js'
import { Email } from './http/schemas.js'
import { createUrls } from './http/urls.js'
import { serve } from './main.js'
import { createAdmin } from './modules/users/admin-bootstrap.js'
import { usersRepository } from './modules/users/users.repository.js'
import { PASSWORD_LENGTH } from './modules/users/users.schemas.js'
import { createArchive } from './platform/archive/archive.js'
import { passwords } from './platform/auth/passwords.js'
import { tailEvents } from './platform/changes/tail.js'

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

/** Where a command reads and writes: the process's own, or a test's. */
export interface CliIo {
  out(text: string): void
  err(text: string): void
  /** All of standard input. */
  stdin(): Promise<string>
  env: Record<string, string | undefined>
}

const processIo: CliIo = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  stdin: () => text(process.stdin),
  env: process.env,
}

/** The command could not do its work, for a reason one line says: exit 1, no stack. */
class Failure extends Error {}
/** A mistake in the command line: exit 2, like every usage error. */
class UsageError extends Error {}

/** What to do when the embedded database is held by another process, per command. */
const WHEN_IN_USE: Record<string, string> = {
  serve: 'stop it, or give this one its own DATA_DIR',
  migrate: 'stop it (it migrates the embedded database on start), then migrate',
  'create-admin': 'stop it or use ADMIN_EMAIL/ADMIN_PASSWORD (it creates the first admin on start)',
  purge: 'stop it, or let it purge (every PURGE_INTERVAL_SECONDS)',
}

// The API's own rule for an email address (format "email" of ajv-formats), so an admin created here
// can sign in.
const formats = new Ajv({ strict: false })
addFormats.default(formats, ['email'])
const isEmail = formats.compile(Email)

/** The admin's password: ADMIN_PASSWORD, or the first line of stdin (never argv: `ps` shows it). */
async function adminPassword(io: CliIo): Promise<string> {
  const password = io.env.ADMIN_PASSWORD || (await io.stdin()).split('\n')[0]?.trim() || ''
  if (!password) throw new UsageError('no password given: pipe it on stdin or set ADMIN_PASSWORD')
  if (password.length < PASSWORD_LENGTH.min)
    throw new UsageError(`the password must have at least ${PASSWORD_LENGTH.min} characters`)
  if (password.length > PASSWORD_LENGTH.max)
    throw new UsageError(`the password must have at most ${PASSWORD_LENGTH.max} characters`)
  return password
}

/** Opens the configured database, migrated when configured, for one command, and closes it after. */
async function withDatabase<T>(
  config: ReturnType<typeof loadConfig>,
  work: (database: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>,
): Promise<T> {
  const database = await openDatabase(config.database)
  try {
    if (config.migrateOnStart) await migrateToLatest(database.db)
    return await work(database)
  } finally {
    await database.close()
  }
}

/** `custodian`: every command with its options; commander writes the help and the usage errors. */
export function createProgram(io: CliIo = processIo, onAction: (name: string) => void = () => {}): Command {
  const print = (line: string) => io.out(`${line}\n`)
  const program = new Command('custodian')
    .description('Custodian: the REST API that keeps user accounts and the records they own.')
    .exitOverride()
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      outputError: (message, write) => write(`custodian: ${message.replace(/^error: /, '')}`),
    })
    .showSuggestionAfterError()
    .addHelpText('after', '\nConfiguration comes from the environment and ./.env (see README).')
    .hook('preAction', (_, action) => onAction(action.name()))

  program
    .command('serve')
    .description('run the API (the embedded database is migrated on start)')
    .action(async () => {
      await serve(loadConfig(io.env))
    })

  program
    .command('migrate')
    .description('apply pending migrations to DATABASE_URL (or the embedded database)')
    .action(async () => {
      const applied = await withDatabase({ ...loadConfig(io.env), migrateOnStart: false }, (database) =>
        migrateToLatest(database.db),
      )
      print(applied.length ? applied.map((m) => `applied ${m.migrationName}`).join('\n') : 'up to date')
    })

  program
    .command('create-admin')
    .description('create an admin; the password is read from ADMIN_PASSWORD or the first line of stdin')
    .requiredOption('--email <email>', "the admin's email, to sign in with")
    .option('--first-name <name>', 'first name', 'Admin')
    .option('--last-name <name>', 'last name', 'Custodian')
    .action(async (options: { email: string; firstName: string; lastName: string }) => {
      if (!isEmail(options.email)) throw new UsageError(`--email: ${options.email} is not an email address`)
      const password = await adminPassword(io)
      // ADMIN_PASSWORD alone is this command's input, not the serve-time ADMIN_EMAIL/ADMIN_PASSWORD pair.
      const config = loadConfig({ ...io.env, ADMIN_EMAIL: undefined, ADMIN_PASSWORD: undefined })
      const admin = await withDatabase(config, (database) =>
        createAdmin(
          { db: database.db, repo: usersRepository, passwords },
          { email: options.email, password, first_name: options.firstName, last_name: options.lastName },
        ),
      )
      print(`created admin ${admin.id} <${admin.email}>`)
    })

  program
    .command('purge')
    .description('purge the archived items whose retention has passed, now')
    .action(async () => {
      const config = loadConfig(io.env)
      const { purged, batches } = await withDatabase(config, (database) =>
        createArchive({
          db: database.db,
          urls: createUrls(config.publicUrl),
          retentionDays: config.retentionDays,
        }).purgeExpired({ batchSize: config.purge.batchSize }),
      )
      const summary = Object.entries(purged).map(([type, n]) => `${n} ${type}`)
      print(`purged ${summary.join(', ')} in ${batches} batch${batches === 1 ? '' : 'es'}`)
    })

  program
    .command('openapi')
    .description('write the OpenAPI document to FILE (to stdout without FILE)')
    .argument('[file]', 'where to write it')
    .option('--check', 'write nothing; fail if FILE is not the current document')
    .action(async (file: string | undefined, options: { check?: boolean }) => {
      if (options.check && !file) throw new UsageError('openapi --check needs the FILE to check')
      const document = await openApiDocument()
      if (!file) io.out(document)
      else if (!options.check) await writeFile(file, document)
      else if ((await readFile(file, 'utf8').catch(() => '')) !== document) {
        throw new Failure(`${file} is stale: run \`npm run openapi\` and commit it`)
      } else print(`${file} is up to date`)
    })

  program
    .command('events')
    .description('the change events published on RabbitMQ (AMQP_URL)')
    .command('tail')
    .description('print the change events as they arrive, one JSON line each, deduplicated by id')
    .option('--bind <pattern>', 'a topic pattern: # (all), users.*, *.deleted…', '#')
    .option('--queue <name>', 'a durable queue that survives restarts (default: a private, temporary one)')
    .action(async (options: { bind: string; queue?: string }) => {
      const config = loadConfig(io.env)
      if (!config.relay)
        throw new UsageError('events tail needs AMQP_URL (without it, read GET /api/v1/events)')
      const stop = new AbortController()
      process.once('SIGINT', () => stop.abort())
      process.once('SIGTERM', () => stop.abort())
      await tailEvents({
        url: config.relay.url,
        exchange: config.relay.exchange,
        bind: options.bind,
        ...(options.queue && { queue: options.queue }),
        print,
        signal: stop.signal,
      })
    })

  return program
}

/**
 * Runs `custodian <argv>` and returns its exit code: 0, 1 when the command failed, 2 for a usage
 * error. Every failure is one line on stderr, but the unexpected ones, which keep their stack.
 */
export async function runCommand(argv: string[], io: CliIo = processIo): Promise<number> {
  let command = ''
  const program = createProgram(io, (name) => {
    command = name
    // The data directory's lock names its holder by this title (and so does `ps`).
    if (io === processIo) process.title = `custodian ${name}`
  })
  if (argv.length === 0) {
    program.outputHelp()
    return 0
  }
  try {
    await program.parseAsync(argv, { from: 'user' })
    return 0
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (error instanceof UsageError) {
      io.err(`custodian: ${error.message}\n`)
      return 2
    }
    if (error instanceof DatabaseInUseError) {
      io.err(`custodian: ${error.message}; ${WHEN_IN_USE[command] ?? 'stop it first'}\n`)
      return 1
    }
    const expected =
      error instanceof Failure ||
      error instanceof ConfigError ||
      (error instanceof AppError && error.code === 'email_taken')
    io.err(expected ? `custodian: ${error.message}\n` : `${error instanceof Error ? error.stack : error}\n`)
    return 1
  }
}

/** The `custodian` command as a process runs it: `args` as typed, the exit code on failure. */
export async function main(args: string[]) {
  // `custodian openapi | head`: the reader left, nothing more to say.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
  // .env is optional; real environment variables win over it.
  try {
    process.loadEnvFile()
  } catch {}
  const code = await runCommand(args)
  // On success the process ends when its work does (serve: when it shuts down).
  if (code !== 0) process.exit(code)
}

const invokedDirectly =
  process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
if (invokedDirectly) await main(process.argv.slice(2))
