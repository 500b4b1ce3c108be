import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommand } from './cli.js'

/** `custodian <args>` in this process, with `stdin` as standard input and a data directory never made. */
async function custodian(
  args: string,
  options: { stdin?: string; env?: Record<string, string>; dataDir?: string } = {},
) {
  let out = ''
  let err = ''
  const dataDir = options.dataDir ?? join(tmpdir(), `custodian-cli-never-${process.pid}-${Date.now()}`)
  const code = await runCommand(args.split(' ').filter(Boolean), {
    out: (s) => {
      out += s
    },
    err: (s) => {
      err += s
    },
    stdin: async () => options.stdin ?? '',
    env: { DATA_DIR: dataDir, ...options.env },
  })
  return { code, out, err, touchedDatabase: existsSync(dataDir) }
}

describe('custodian: the command line', () => {
  it('lists every command without arguments and with --help', async () => {
    for (const args of ['', '--help', 'help']) {
      const { code, out } = await custodian(args)
      expect(code).toBe(0)
      for (const command of ['serve', 'migrate', 'create-admin', 'purge', 'openapi', 'events'])
        expect(out).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
    }
  })

  it.each([
    [
      'create-admin --help',
      ['--email <email>', '--first-name <name>', '--last-name <name>', 'ADMIN_PASSWORD'],
    ],
    ['events --help', ['tail']],
    ['events tail --help', ['--bind <pattern>', '--queue <name>']],
    ['openapi --help', ['[file]', '--check']],
    ['serve --help', ['Usage: custodian serve']],
  ])('%s shows that command’s help and does nothing else', async (args, expected) => {
    const { code, out, err, touchedDatabase } = await custodian(args)
    expect({ code, err, touchedDatabase }).toEqual({ code: 0, err: '', touchedDatabase: false })
    for (const text of expected) expect(out).toContain(text)
  })

  it('names an unknown command and suggests the nearest one, exit 2', async () => {
    expect(await custodian('serv')).toMatchObject({
      code: 2,
      err: "custodian: unknown command 'serv'\n(Did you mean serve?)\n",
    })
    expect((await custodian('events follow')).err).toContain("unknown command 'follow'")
    expect((await custodian('create-admin --email a@b.ch --frist-name A')).err).toContain(
      "unknown option '--frist-name'\n(Did you mean --first-name?)",
    )
  })

  it('openapi --check without FILE is a usage error, not a check of nothing', async () => {
    expect(await custodian('openapi --check')).toMatchObject({
      code: 2,
      out: '',
      err: 'custodian: openapi --check needs the FILE to check\n',
    })
  })

  it('create-admin refuses, before touching the database, what would make an admin who cannot sign in', async () => {
    const cases: [string, string | undefined, string][] = [
      ['create-admin', 'long-enough-Secret', "required option '--email <email>' not specified"],
      [
        'create-admin --email not-an-email',
        'long-enough-Secret',
        '--email: not-an-email is not an email address',
      ],
      [
        'create-admin --email admin@example.ch',
        '',
        'no password given: pipe it on stdin or set ADMIN_PASSWORD',
      ],
      ['create-admin --email admin@example.ch', '\n', 'no password given'],
      ['create-admin --email admin@example.ch', 'short\n', 'the password must have at least 8 characters'],
      ['create-admin --email admin@example.ch', `${'x'.repeat(257)}\n`, 'at most 256 characters'],
    ]
    for (const [args, stdin, message] of cases) {
      const result = await custodian(args, { ...(stdin !== undefined && { stdin }) })
      expect(result, args).toMatchObject({ code: 2, touchedDatabase: false })
      expect(result.err.split('\n')[0]).toContain(message)
    }
  })
})

describe('custodian: commands on a database, in this process', () => {
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'custodian-cli-'))
  })
  afterAll(() => rm(dataDir, { recursive: true, force: true }))

  it('create-admin takes the password from ADMIN_PASSWORD; purge purges what has expired', async () => {
    const env = { ADMIN_PASSWORD: 'env-admin-Secret' }
    expect(await custodian('create-admin --email third@example.ch', { dataDir, env })).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^created admin \d+ <third@example.ch>\n$/),
    })
    expect(await custodian('purge', { dataDir })).toMatchObject({
      code: 0,
      out: 'purged 0 users, 0 documents, 0 applications, 0 leads in 0 batches\n',
    })
  }, 120_000)

  it('openapi --check fails on a stale file, exit 1, and passes once written', async () => {
    const file = join(dataDir, 'openapi.json')
    expect(await custodian(`openapi ${file} --check`)).toMatchObject({
      code: 1,
      err: `custodian: ${file} is stale: run \`npm run openapi\` and commit it\n`,
    })
    expect((await custodian(`openapi ${file}`)).code).toBe(0)
    expect(await custodian(`openapi ${file} --check`)).toMatchObject({
      code: 0,
      out: `${file} is up to date\n`,
    })
  }, 60_000)
})
