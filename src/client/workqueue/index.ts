/**
 * The controller workqueue (client-go util/workqueue) and the injectable clock it, the event
 * recorder and leader election share.
 */
export { newRateLimitingQueue, runWorkers } from './queue.ts';
export type { RateLimitingQueue, RateLimitingQueueOptions, RunWorkersOptions } from './queue.ts';
export {
  defaultControllerRateLimiter,
  newBucketRateLimiter,
  newItemExponentialFailureRateLimiter,
  newItemFastSlowRateLimiter,
  newMaxOfRateLimiter,
} from './rate-limiters.ts';
export type { RateLimiter } from './rate-limiters.ts';
export { newFakeClock, realClock, settle } from './clock.ts';
export type { CancelTimer, Clock, FakeClock } from './clock.ts';
