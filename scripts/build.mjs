#!/usr/bin/env node
/**
 * Builds the three things `npm start` runs from: the server (esbuild: one file, dist/cli.js), the
 * admin console (vite into admin/dist/) and the embedded database's image (dist/pglite-image: initdb
 * and the migrations, see src/db/image.ts).
 *
 *   node scripts/build.mjs             `npm run build`: the server and the console always, the image
 *                                      when its inputs changed (it is a cache: initdb takes seconds)
 *   node scripts/build.mjs --if-stale  `prepare` (and `npm start`, scripts/start.mjs): each part only
 *                                      when its inputs changed
 *   … --only=server,image              only those parts (the end-to-end tests' global setup)
 *
 * A part is current when the SHA-256 of its inputs (file paths and contents) equals the one recorded
 * when it was last built (node_modules/.cache/custodian/build.json) and its output is there. Contents,
 * not times: a checkout or a touch rebuilds nothing, an edit always rebuilds.
 */
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const stampFile = join(root, 'node_modules', '.cache', 'custodian', 'build.json')

/** Every file under `path` (or `path` itself), skipping the folders named in `skip`. */
function files(path, skip = []) {
  if (!existsSync(path)) return []
  const entries = readdirSync(path, { withFileTypes: true, recursive: false })
  return entries.flatMap((entry) => {
    const full = join(path, entry.name)
    if (entry.isDirectory()) return skip.includes(full) ? [] : files(full, skip)
    return [full]
  })
}

function hash(paths) {
  const digest = createHash('sha256')
  for (const path of [...paths].sort()) {
    digest.update(`${relative(root, path)}\0`)
    digest.update(readFileSync(path))
    digest.update('\0')
  }
  return digest.digest('hex')
}

const at = (...parts) => join(root, ...parts)
const pgliteVersion = JSON.parse(
  readFileSync(at('node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8'),
).version

/** The parts in build order: the image is made by the built server's code. */
const parts = [
  {
    id: 'server',
    name: 'server',
    output: at('dist', 'cli.js'),
    inputs: () => [
      ...files(at('src')).filter((f) => !f.endsWith('.test.ts')),
      at('scripts', 'build.mjs'),
      at('package-lock.json'),
    ],
    always: true,
    build: bundleServer,
  },
  {
    id: 'admin',
    name: 'admin console',
    output: at('admin', 'dist', 'index.html'),
    inputs: () => [
      ...files(at('admin'), [at('admin', 'dist')]),
      // The console reads the workflows' statuses from the API's description.
      at('openapi.json'),
      at('package-lock.json'),
    ],
    always: true,
    build: () =>
      run(at('node_modules', '.bin', 'vite'), ['build', '--config', at('admin', 'vite.config.ts')]),
  },
  {
    id: 'image',
    name: 'database image',
    output: at('dist', 'pglite-image.json'),
    inputs: () => [...files(at('src', 'db', 'migrations')), at('src', 'db', 'image.ts')],
    salt: pgliteVersion,
    always: false,
    build: async () => {
      const { buildImage } = await import(pathToFileURL(at('dist', 'db', 'image.js')).href)
      const manifest = await buildImage()
      console.log(`  image: PGlite ${manifest.pglite}, ${manifest.migrations.length} migrations`)
    },
  },
]

/**
 * The server as one bundled file (and the image builder as another): Node then reads two files at
 * start instead of resolving and reading some 700 modules, which took about a second of every start
 * (issue 13). Packages that read files of their own beside their code (WebAssembly, a native addon,
 * Swagger UI's assets) stay in node_modules. Types are checked by `npm run typecheck`, not here.
 */
async function bundleServer() {
  const { build } = await import('esbuild')
  // What an older build left (tsc wrote one .js per module) must not be run by mistake.
  for (const entry of existsSync(at('dist')) ? readdirSync(at('dist')) : [])
    if (!entry.startsWith('pglite-image')) rmSync(at('dist', entry), { recursive: true, force: true })
  await build({
    entryPoints: { cli: at('src', 'cli.ts'), 'db/image': at('src', 'db', 'image.ts') },
    outdir: at('dist'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // Half the bytes to read and parse at every start; names are kept, so stack traces stay legible.
    minifyWhitespace: true,
    minifySyntax: true,
    external: ['@electric-sql/pglite', '@node-rs/argon2', '@fastify/swagger-ui'],
    // CommonJS packages inside an ES module bundle still call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  })
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' })
  if (result.error) throw result.error
  if (result.status !== 0) throw new Error(`${relative(root, command)} exited with ${result.status}`)
}

function readStamps() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'))
  } catch {
    return {}
  }
}

/**
 * Builds the parts named in `only` (all by default); with `ifStale`, only those whose inputs changed.
 * `npm start` calls it in its own process (scripts/start.mjs) before serving.
 */
export async function build({ ifStale = false, only = undefined } = {}) {
  const started = performance.now()
  if (!existsSync(at('node_modules', 'esbuild'))) {
    // An install without devDependencies cannot build: it runs what was built before, if anything.
    if (ifStale && existsSync(at('dist', 'cli.js'))) return
    throw new Error('esbuild is not installed (npm ci installs it): cannot build')
  }
  const stamps = readStamps()
  const built = []
  for (const part of parts) {
    if (only && !only.includes(part.id)) continue
    const key = hash(part.inputs()) + (part.salt ?? '')
    const current = stamps[part.name] === key && existsSync(part.output)
    if (current && (ifStale || !part.always)) continue
    console.log(`custodian: building the ${part.name}${current ? '' : ' (its sources changed)'}…`)
    // Forget the stamp first: a build that fails half-way is not current.
    delete stamps[part.name]
    writeStamps(stamps)
    await part.build()
    stamps[part.name] = key
    writeStamps(stamps)
    built.push(part.name)
  }
  const ms = (performance.now() - started).toFixed(0)
  if (built.length) console.log(`custodian: built the ${built.join(', ')} in ${ms} ms`)
  else console.log(`custodian: the build is current (checked in ${ms} ms)`)
}

function writeStamps(stamps) {
  mkdirSync(dirname(stampFile), { recursive: true })
  writeFileSync(stampFile, `${JSON.stringify(stamps, null, 2)}\n`)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  build({
    ifStale: process.argv.includes('--if-stale'),
    only: process.argv
      .find((arg) => arg.startsWith('--only='))
      ?.slice('--only='.length)
      .split(','),
  }).catch((error) => {
    console.error(`custodian: build failed: ${error instanceof Error ? error.message : error}`)
    process.exit(1)
  })
}
