/** The event recorder: core/v1 Events as client-go's tools/record writes them. */
export { newEventRecorder } from './recorder.ts';
export type { BackgroundEventRecorder, EventLogger, EventRecorderOptions } from './recorder.ts';
export { EventCorrelator, getEventKey } from './correlator.ts';
export type { CorrelateResult, EventNamer } from './correlator.ts';
