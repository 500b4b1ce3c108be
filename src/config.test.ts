import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.js'

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
})
