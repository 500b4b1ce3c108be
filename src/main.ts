import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { type Config, ConfigError } from './config.js'
import { migrateToLatest, openDatabase, pendingMigrations } from './db/database.js'
import { AppError } from './http/problem.js'
import { createAdmin } from './modules/users/admin-bootstrap.js'
import { usersRepository } from './modules/users/users.repository.js'
import { passwords } from './platform/auth/passwords.js'

/** Opens the database, migrates when configured, builds the app, listens; shuts down gracefully. */
export async function serve(config: Config) {
  const database = await openDatabase(config.database)
  const { db } = database
  const app = await buildApp({ config, database, jobs: true })

  let pending = await pendingMigrations(db)
  // Most starts have nothing to apply: the migrator (its lock and its own checks) runs only when needed.
  if (config.migrateOnStart && pending.length) {
    const applied = await migrateToLatest(db)
    if (applied.length) app.log.info({ migrations: applied.map((m) => m.migrationName) }, 'migrated')
    pending = await pendingMigrations(db)
  }
  if (pending.length) {
    app.log.error({ pending }, 'database is not migrated: run `custodian migrate`; /ready fails until then')
  } else if (config.admin && !(await usersRepository.adminExists(db))) {
    try {
      const admin = await createAdmin({ db, repo: usersRepository, passwords }, config.admin)
      app.log.info({ user_id: admin.id }, 'created the first admin from ADMIN_EMAIL')
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'email_taken')) throw error
      app.log.warn('ADMIN_EMAIL belongs to an existing user: no admin was created')
    }
  }

  // SIGTERM/SIGINT: stop accepting, let in-flight requests finish (up to 10 s), then close the pool.
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    // The app's own close stops the relay and the purge job; only then do the pools go.
    await app.close()
    await database.close()
  })

  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    const problem = listenProblem(error, config.port)
    if (!problem) throw error
    await app.close()
    await database.close()
    throw new ConfigError(problem)
  }
  app.log.info(
    { url: config.publicUrl, docs: `${config.publicUrl}/docs`, database: database.kind },
    'Custodian is serving',
  )
  return app
}

/** What an operator can act on when the port cannot be had; null for any other error. */
function listenProblem(error: unknown, port: number): string | null {
  const code = error instanceof Error && 'code' in error ? error.code : undefined
  if (code === 'EADDRINUSE') return `port ${port} is in use (PORT=${port}); stop the other server or set PORT`
  if (code === 'EACCES') return `port ${port} needs privileges (PORT=${port}); set PORT to 1024 or above`
  return null
}
