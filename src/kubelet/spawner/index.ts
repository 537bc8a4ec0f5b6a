/** Short-lived host commands run from worker threads (see spawner.ts). */
export {
  CommandError,
  Spawner,
  execFileText,
  hostSpawner,
  type CommandOptions,
  type CommandOutput,
  type CommandRunner,
  type SpawnerOptions,
} from './spawner.ts';
export { traceEnabled, traceStep, traced } from './trace.ts';
