import type { FastifyInstance } from 'fastify'

/**
 * Runs `run` every `intervalMs` in this process, never two runs at once (other instances are kept
 * apart by the job itself: row locks, SKIP LOCKED). `stop()` waits for a run in progress to finish.
 */
export function startPeriodic(
  run: () => Promise<unknown>,
  options: { intervalMs: number; onError: (error: unknown) => void },
) {
  let running: Promise<unknown> | null = null
  const tick = () => {
    if (running !== null) return
    running = run()
      .catch(options.onError)
      .finally(() => {
        running = null
      })
  }
  const timer = setInterval(tick, options.intervalMs)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await running
    },
  }
}

/** A background job of the app (started only with the jobs flag): runs periodically, stops on close. */
export function scheduleJob(
  app: FastifyInstance,
  name: string,
  intervalMs: number,
  run: () => Promise<unknown>,
) {
  const job = startPeriodic(run, { intervalMs, onError: (err) => app.log.error({ err }, `${name} failed`) })
  app.addHook('onClose', () => job.stop())
}
