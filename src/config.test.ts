import { describe, expect, it } from 'vitest'
import { ConfigError, documentBodyLimit, loadConfig } from './config.js'

describe('loadConfig', () => {
  it('has working defaults: embedded database in ./data, port 3000, loopback', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:3000',
      database: { kind: 'pglite', dataDir: './data' },
      migrateOnStart: true,
      admin: null,
      logLevel: 'info',
    })
  })

  it('uses PostgreSQL when DATABASE_URL is set, and migrates on start only on request', () => {
    const url = 'postgres://u@db:5432/custodian'
    expect(loadConfig({ DATABASE_URL: url })).toMatchObject({
      database: { kind: 'postgres', url },
      migrateOnStart: false,
    })
    expect(loadConfig({ DATABASE_URL: url, MIGRATE_ON_START: 'true' }).migrateOnStart).toBe(true)
  })

  it('derives PUBLIC_URL from PORT and strips a trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080')
    expect(loadConfig({ PUBLIC_URL: 'https://api.example.ch/' }).publicUrl).toBe('https://api.example.ch')
  })

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      database: { kind: 'pglite' },
    })
  })

  it('names every invalid variable in one message', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x' })
    expect(attempt).toThrow(ConfigError)
    expect(attempt).toThrow(/PORT must be integer \(got "eighty"\)/)
    expect(attempt).toThrow(/LOG_LEVEL/)
    expect(attempt).toThrow(/DATABASE_URL/)
  })

  it('requires ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@b.ch' })).toThrow(/ADMIN_EMAIL and ADMIN_PASSWORD/)
    expect(loadConfig({ ADMIN_EMAIL: 'a@b.ch', ADMIN_PASSWORD: 'long-enough' }).admin).toEqual({
      email: 'a@b.ch',
      password: 'long-enough',
    })
  })

  it('gives documents 1 MiB of content by default, and their write routes a body limit that fits it', () => {
    const config = loadConfig({})
    expect(config.documentMaxBytes).toBe(1_048_576)
    expect(config.retentionDays).toEqual({ users: 30, documents: 30, applications: 30, leads: 30 })
    expect(documentBodyLimit(config)).toBeGreaterThanOrEqual(2 * config.documentMaxBytes)
    const small = loadConfig({ DOCUMENT_MAX_BYTES: '1000', BODY_LIMIT_BYTES: '5000000' })
    expect(documentBodyLimit(small)).toBe(5_000_000)
    expect(loadConfig({ ARCHIVE_RETENTION_DAYS_DOCUMENTS: '7' }).retentionDays.documents).toBe(7)
    expect(
      loadConfig({ ARCHIVE_RETENTION_DAYS: '20', ARCHIVE_RETENTION_DAYS_LEADS: '90' }).retentionDays,
    ).toEqual({ users: 20, documents: 20, applications: 20, leads: 90 })
    expect(() => loadConfig({ ARCHIVE_RETENTION_DAYS_APPLICATIONS: '0' })).toThrow(
      /ARCHIVE_RETENTION_DAYS_APPLICATIONS must be >= 1/,
    )
  })
})
