import { readFileSync } from 'node:fs'
import semver from 'semver'
import { describe, expect, it } from 'vitest'

const read = (file: string) => JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8'))

describe('the Node version the project promises', () => {
  it('is supported by every installed package, so `npm install` prints no EBADENGINE', () => {
    const promised = read('../package.json').engines.node as string
    const oldest = semver.minVersion(promised)?.version
    expect(oldest).toBeDefined()
    const lock = read('../package-lock.json') as {
      packages: Record<string, { version?: string; engines?: { node?: string } }>
    }
    const unsupported = Object.entries(lock.packages)
      .filter(([path, p]) => path !== '' && p.engines?.node !== undefined)
      .filter(([, p]) => !semver.satisfies(oldest as string, p.engines?.node as string))
      .map(
        ([path, p]) => `${path.replace(/^.*node_modules\//, '')}@${p.version} needs node ${p.engines?.node}`,
      )
    expect(unsupported).toEqual([])
  })
})
