#!/usr/bin/env node
/**
 * `npm start`: brings the build up to date (about 30 ms when it is current, see build.mjs), then
 * serves, in this one process. A `prestart` script would cost a second npm lifecycle and a second
 * Node process on every start (about 0.6 s of it here, issue 13).
 */
import { build } from './build.mjs'

try {
  await build({ ifStale: true })
} catch (error) {
  console.error(`custodian: build failed: ${error instanceof Error ? error.message : error}`)
  process.exit(1)
}
const { main } = await import('../dist/cli.js')
await main(['serve', ...process.argv.slice(2)])
