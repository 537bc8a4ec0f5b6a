/** The TTL-after-finished controller (`ttl-after-finished`): deletes finished Jobs after their TTL. */
export {
  TTLAfterFinishedController,
  jobFinishTime,
  needsCleanup,
  newTTLAfterFinishedController,
} from './ttl-after-finished.ts';
export type { TTLAfterFinishedControllerOptions } from './ttl-after-finished.ts';
