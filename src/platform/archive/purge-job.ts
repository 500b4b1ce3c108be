/**
 * Runs `run` (the archive's `purgeExpired`) every `intervalMs` in the process (never two runs at once here; other
 * instances are kept apart by row locks). `stop()` waits for a run in progress to finish.
 */
export function startPurgeJob(
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
