import { link, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export const LOCK_FILE = 'custodian.lock'

/** Another live process has the embedded database open. */
export class DatabaseInUseError extends Error {
  override name = 'DatabaseInUseError'
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly holder: string,
  ) {
    super(`${dataDir} is in use by ${holder} (pid ${pid})`)
  }
}

/**
 * Takes the embedded database's data directory for this process, or throws DatabaseInUseError. PGlite
 * is one process's database: a second process opening the same directory would write to its own copy
 * and one of the two would lose its writes.
 *
 * The lock is a file created exclusively (a hard link fails if it exists) holding the pid and `process.title` (the CLI sets it
 * to `custodian <command>`). A lock whose process is gone (a crash, a kill -9) is stale and taken
 * over; so is one holding this process's own pid, which is how a restarted container (pid 1 again)
 * finds the lock of its previous life. Two processes taking over one stale lock at the same instant
 * could both win; a crash followed by two simultaneous starts is the price of not depending on a
 * lock daemon.
 */
export async function lockDataDir(dataDir: string): Promise<{ release(): Promise<void> }> {
  const path = join(dataDir, LOCK_FILE)
  for (;;) {
    // Written aside, then linked into place: the lock never exists without its pid.
    const draft = `${path}.${process.pid}`
    await writeFile(draft, `${process.pid}\n${process.title}\n`)
    try {
      await link(draft, path)
      return { release: () => rm(path, { force: true }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    } finally {
      await rm(draft, { force: true })
    }
    const [pidLine = '', title = ''] = (await readFile(path, 'utf8').catch(() => '')).split('\n')
    const pid = Number(pidLine)
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      const holder =
        title === 'custodian serve'
          ? 'a running server'
          : title.startsWith('custodian ')
            ? `\`${title}\``
            : 'another process'
      throw new DatabaseInUseError(dataDir, pid, holder)
    }
    await rm(path, { force: true })
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, under another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH'
  }
}
