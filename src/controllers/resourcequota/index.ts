/**
 * The ResourceQuota controller (upstream pkg/controller/resourcequota): quota usage in
 * `status.used`, replenished when tracked objects go away.
 */
export {
  DEFAULT_MONITOR_SYNC_WAIT_MS,
  DEFAULT_RESOURCE_QUOTA_SYNC_PERIOD_MS,
  ResourceQuotaController,
  defaultResourceResolver,
  newResourceQuotaController,
} from './resource-quota.ts';
export type { ResourceQuotaControllerOptions, ResourceResolver } from './resource-quota.ts';
