import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LOCK_FILE } from './data-dir-lock.js'
import { openDatabase } from './database.js'

let dataDir: string
let holder: ChildProcess | null = null
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'custodian-lock-'))
})
afterEach(async () => {
  holder?.kill('SIGKILL')
  holder = null
  await rm(dataDir, { recursive: true, force: true })
})

/** Another live process (it only sleeps) whose pid stands in the lock, as a server's would. */
async function lockedBy(title: string) {
  holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' })
  await once(holder, 'spawn')
  await writeFile(join(dataDir, LOCK_FILE), `${holder.pid}\n${title}\n`)
  return holder.pid as number
}

describe('the embedded data directory is held by one process', () => {
  it('refuses a second process, naming the directory and the holder, and leaves the lock alone', async () => {
    const pid = await lockedBy('custodian serve')
    await expect(openDatabase({ kind: 'pglite', dataDir })).rejects.toThrow(
      `${dataDir} is in use by a running server (pid ${pid})`,
    )
    expect(await readFile(join(dataDir, LOCK_FILE), 'utf8')).toBe(`${pid}\ncustodian serve\n`)
  })

  it('takes over the lock of a process that is gone, and lets go of it on close', async () => {
    const pid = await lockedBy('custodian serve')
    holder?.kill('SIGKILL')
    await once(holder as ChildProcess, 'exit')
    const database = await openDatabase({ kind: 'pglite', dataDir })
    expect(await readFile(join(dataDir, LOCK_FILE), 'utf8')).toMatch(new RegExp(`^${process.pid}\\n`))
    expect(pid).not.toBe(process.pid)
    await database.close()
    await expect(readFile(join(dataDir, LOCK_FILE))).rejects.toThrow(/ENOENT/)
  })
})
