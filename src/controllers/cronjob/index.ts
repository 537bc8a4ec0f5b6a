/**
 * The CronJob controller (`cronjob`, upstream v2) and its pure cron next-activation
 * computation in IANA time zones.
 */
export {
  CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION,
  NEXT_SCHEDULE_DELTA_MS,
  CronJobController,
  getJobFromTemplate,
  getJobName,
  mostRecentScheduleTime,
  newCronJobController,
} from './cronjob-controller.ts';
export type { CronJobControllerOptions, MissedSchedules } from './cronjob-controller.ts';
export {
  formatRFC1123ZUTC,
  formatRFC3339,
  fromWall,
  nextActivation,
  wallClock,
  zoneOffset,
} from './schedule.ts';
