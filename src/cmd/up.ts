/**
 * `skiff up`: everything for one machine in one process. For now it is exactly `skiff server`;
 * later issues add the controllers, the scheduler and a node (kubelet, proxy, network) to it.
 */
import { runServer } from './server.ts';
import type { RunServerOptions } from './server.ts';
import type { ServerFlags } from './server-flags.ts';

/** Runs `skiff up`; resolves to the exit code (see runServer). */
export function runUp(
  flags: ServerFlags,
  opts: Omit<RunServerOptions, 'verb'> = {},
): Promise<number> {
  return runServer(flags, { ...opts, verb: 'up' });
}
