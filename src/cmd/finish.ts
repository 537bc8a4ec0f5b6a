/**
 * Sets the exit code of a long-running verb. If some handle still keeps the event loop alive
 * after a clean shutdown, exit anyway a moment later rather than hang (the timer is unref'd, so
 * it never delays a process that is already done).
 */
export function finish(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}
