/**
 * client-go's event recorder (tools/record/event.go) writing core/v1 Events: `event()` builds the
 * Event at once and queues it; one background loop correlates queued events (spam filter,
 * aggregation, counting; see ./correlator.ts) and writes them, creating new ones and patching
 * count/lastTimestamp of repeats. The queue is bounded: past `maxPending` events are dropped and
 * counted (upstream's broadcaster drops when its 1000-event queue is full).
 */
import type { Event as CoreEvent, ObjectReference } from 'kubernetes-types/core/v1.js';
import { StatusError, isAlreadyExists, isNotFound } from '../../api/index.ts';
import type { Clientset } from '../clientset.ts';
import type { EventRecorder, KubeObject } from '../types.ts';
import { realClock } from '../workqueue/index.ts';
import type { Clock } from '../workqueue/index.ts';
import { EventCorrelator, formatTime } from './correlator.ts';

const maxQueuedEvents = 1000;
const maxTriesPerEvent = 12;
const defaultSleepDurationMs = 10_000;

/** Where the recorder reports what it could not write (structured: constant message, fields). */
export interface EventLogger {
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of newEventRecorder. */
export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent` (e.g. `replicaset-controller`). */
  component: string;
  /** `source.host` and `reportingInstance` (the kubelet's node name; empty for controllers). */
  host?: string;
  /** Time and timers (default: the real clock). */
  clock?: Clock;
  /** Events queued at most before new ones are dropped (default 1000, as upstream). */
  maxPending?: number;
  /** Delay between write retries after transport errors (default 10 s; the first is random). */
  retryDelayMs?: number;
  /**
   * The apiVersion and kind of an object without TypeMeta (objects decoded from lists may lack
   * it). Without one of them the event is dropped, as upstream drops an event without a reference.
   */
  resolveKind?: (obj: KubeObject) => { apiVersion: string; kind: string } | undefined;
  log?: EventLogger;
}

/** An EventRecorder writing in the background; see the module comment. */
export interface BackgroundEventRecorder extends EventRecorder {
  /** Resolves once every event queued so far is written, dropped or given up on. */
  flush(): Promise<void>;
  /** Events dropped because the queue was full or no reference could be made. */
  dropped(): number;
  /** Stops writing: queued events are discarded and later ones ignored. Idempotent. */
  shutDown(): void;
}

const noLog: EventLogger = { error: () => undefined };

/**
 * A recorder writing core/v1 Events through `clientset.coreEvents` into the involved object's
 * namespace ('default' for cluster-scoped objects).
 */
export function newEventRecorder(
  clientset: Clientset,
  opts: EventRecorderOptions,
): BackgroundEventRecorder {
  const clock = opts.clock ?? realClock;
  const log = opts.log ?? noLog;
  const maxPending = opts.maxPending ?? maxQueuedEvents;
  const sleepMs = opts.retryDelayMs ?? defaultSleepDurationMs;
  const source =
    opts.host === undefined || opts.host === ''
      ? { component: opts.component }
      : { component: opts.component, host: opts.host };
  const client = clientset.coreEvents;

  // Names are `<object>.<hex unix nanoseconds>`; our clock has milliseconds, so names made in
  // the same millisecond step a nanosecond apart to stay unique.
  let lastNanos = 0n;
  const name = (objectName: string, ms: number): string => {
    let nanos = BigInt(Math.floor(ms)) * 1_000_000n;
    if (nanos <= lastNanos) nanos = lastNanos + 1n;
    lastNanos = nanos;
    return `${objectName}.${nanos.toString(16)}`;
  };
  const correlator = new EventCorrelator(() => clock.now(), name);

  const pending: CoreEvent[] = [];
  let head = 0;
  let running = false;
  let stopped = false;
  let droppedCount = 0;
  let idleWaiters: (() => void)[] = [];

  const reference = (obj: KubeObject): ObjectReference | undefined => {
    let apiVersion = obj.apiVersion ?? '';
    let kind = obj.kind ?? '';
    if (apiVersion === '' || kind === '') {
      const resolved = opts.resolveKind?.(obj);
      if (resolved !== undefined) ({ apiVersion, kind } = resolved);
    }
    if (apiVersion === '' || kind === '') return undefined;
    const m = obj.metadata ?? {};
    const ref: ObjectReference = { kind };
    if ((m.namespace ?? '') !== '') ref.namespace = m.namespace;
    ref.name = m.name ?? '';
    if ((m.uid ?? '') !== '') ref.uid = m.uid;
    ref.apiVersion = apiVersion;
    if ((m.resourceVersion ?? '') !== '') ref.resourceVersion = m.resourceVersion;
    return ref;
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      clock.setTimer(resolve, ms);
    });

  /** One write attempt; true when done (written or not worth retrying). */
  const write = async (
    event: CoreEvent,
    patch: Record<string, unknown> | undefined,
  ): Promise<boolean> => {
    const ns = event.metadata.namespace ?? '';
    let err: unknown;
    let written: CoreEvent | undefined;
    const update = (event.count ?? 0) > 1 && patch !== undefined;
    if (update) {
      try {
        written = await client.patch(ns, event.metadata.name ?? '', 'strategic', patch);
      } catch (e) {
        err = e;
      }
    }
    // The event may have been deleted meanwhile: create it again.
    if (!update || (err !== undefined && isNotFound(err))) {
      err = undefined;
      const { resourceVersion: _rv, ...meta } = event.metadata;
      try {
        written = await client.create(ns, { ...event, metadata: meta });
      } catch (e) {
        err = e;
      }
    }
    if (err === undefined && written !== undefined) {
      correlator.updateState(written);
      return true;
    }
    if (err instanceof StatusError) {
      if (!isAlreadyExists(err) && !namespaceTerminating(err)) {
        log.error('Server rejected event (will not retry!)', {
          event: describe(event),
          err: String(err),
        });
      }
      return true;
    }
    log.error('Unable to write event (may retry after sleeping)', {
      event: describe(event),
      err: String(err),
    });
    return false;
  };

  const recordToSink = async (event: CoreEvent): Promise<void> => {
    const result = correlator.correlate(event);
    if (result.skip) return;
    for (let tries = 0; ;) {
      if (await write(result.event, result.patch)) return;
      tries++;
      if (tries >= maxTriesPerEvent) {
        log.error('Unable to write event (retry limit exceeded!)', { event: describe(event) });
        return;
      }
      // Randomise the first sleep so that clients do not retry in step after an outage.
      await sleep(tries === 1 ? sleepMs * Math.random() : sleepMs);
      if (stopped) return;
    }
  };

  const drain = async (): Promise<void> => {
    running = true;
    try {
      while (!stopped && head < pending.length) {
        const event = pending[head] as CoreEvent;
        head++;
        await recordToSink(event);
      }
    } finally {
      pending.length = 0;
      head = 0;
      running = false;
      const w = idleWaiters;
      idleWaiters = [];
      for (const resolve of w) resolve();
    }
  };

  return {
    event(obj, type, reason, message) {
      if (stopped) return;
      const ref = reference(obj);
      if (ref === undefined) {
        droppedCount++;
        log.error('Could not construct reference, will not report event', {
          object: `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`,
          eventType: type,
          reason,
          message,
        });
        return;
      }
      if (pending.length - head >= maxPending) {
        droppedCount++;
        log.error('Unable to record event: too many queued events, dropped event', {
          object: `${ref.namespace ?? ''}/${ref.name ?? ''}`,
          reason,
        });
        return;
      }
      const now = clock.now();
      const t = formatTime(now);
      const namespace = (ref.namespace ?? '') === '' ? 'default' : (ref.namespace ?? '');
      pending.push({
        metadata: { name: name(ref.name ?? '', now), namespace },
        involvedObject: ref,
        reason,
        message,
        firstTimestamp: t,
        lastTimestamp: t,
        count: 1,
        type,
        source,
        reportingComponent: opts.component,
        reportingInstance: opts.host ?? '',
      });
      if (!running) {
        // drain never rejects: every write error is caught and logged.
        void drain();
      }
    },
    flush() {
      if (!running) return Promise.resolve();
      return new Promise((resolve) => {
        idleWaiters.push(resolve);
      });
    },
    dropped: () => droppedCount,
    shutDown() {
      stopped = true;
    },
  };
}

function namespaceTerminating(err: StatusError): boolean {
  return (err.status.details?.causes ?? []).some((c) => c.reason === 'NamespaceTerminating');
}

function describe(e: CoreEvent): string {
  const o = e.involvedObject;
  return `${o.kind ?? ''} ${o.namespace ?? ''}/${o.name ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`;
}
