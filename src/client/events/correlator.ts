/**
 * The event correlator of client-go's recorder (tools/record/events_cache.go), pure and
 * clock-driven: a spam filter per source+object, aggregation of similar events that differ only
 * in message, and counting of identical events (so a repeat becomes a PATCH of count and
 * lastTimestamp instead of a new Event).
 */
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';

const maxLruCacheEntries = 4096;
// If the same event varies only by message more than 10 times in 10 minutes, aggregate it.
const defaultAggregateMaxEvents = 10;
const defaultAggregateIntervalMs = 600_000;
// A source may send 25 events about an object, then 1 every 5 minutes.
const defaultSpamBurst = 25;
const defaultSpamQps = 1 / 300;

/** A bounded map that forgets its least recently used entry (groupcache/lru). */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done !== true) this.map.delete(oldest.value);
    }
  }
}

/** Events are created by this package, so these fields are always present. */
type Ev = CoreEvent;

/** `metav1.Time` on the wire: RFC 3339 in whole seconds. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** The key of identical events (getEventKey). */
export function getEventKey(e: Ev): string {
  const o = e.involvedObject;
  return [
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.fieldPath,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.message,
  ]
    .map((s) => s ?? '')
    .join('');
}

function getSpamKey(e: Ev): string {
  const o = e.involvedObject;
  return [e.source?.component, e.source?.host, o.kind, o.namespace, o.name, o.uid, o.apiVersion]
    .map((s) => s ?? '')
    .join('');
}

/** EventAggregatorByReasonFunc: the group key and the key within the group (the message). */
function aggregateKeys(e: Ev): [string, string] {
  const o = e.involvedObject;
  const key = [
    e.source?.component,
    e.source?.host,
    o.kind,
    o.namespace,
    o.name,
    o.uid,
    o.apiVersion,
    e.type,
    e.reason,
    e.reportingComponent,
    e.reportingInstance,
  ]
    .map((s) => s ?? '')
    .join('');
  return [key, e.message ?? ''];
}

interface AggregateRecord {
  localKeys: Set<string>;
  lastTimestamp: number;
}

interface EventLog {
  count: number;
  firstTimestamp: string | undefined;
  name: string;
  resourceVersion: string;
}

interface SpamRecord {
  tokens: number;
  last: number;
}

/** What to do with an event after correlation. */
export interface CorrelateResult {
  /** The event to write (a copy); its count > 1 means: PATCH `patch` onto the existing one. */
  event: Ev;
  /** The strategic-merge patch for a repeat: count, lastTimestamp and message. */
  patch: Record<string, unknown> | undefined;
  /** True when the spam filter dropped the event. */
  skip: boolean;
}

/** Makes the name of a new event (`<object>.<hex nanoseconds>`), unique per recorder. */
export type EventNamer = (objectName: string, ms: number) => string;

/** EventCorrelator with upstream's defaults; one per recorder (its caches are its state). */
export class EventCorrelator {
  private readonly aggregates = new Lru<AggregateRecord>(maxLruCacheEntries);
  private readonly logs = new Lru<EventLog>(maxLruCacheEntries);
  private readonly spam = new Lru<SpamRecord>(maxLruCacheEntries);

  constructor(
    private readonly now: () => number,
    private readonly name: EventNamer,
  ) {}

  correlate(newEvent: Ev): CorrelateResult {
    const [aggregated, key] = this.aggregate(newEvent);
    const [observed, patch] = this.observe(aggregated, key);
    return { event: observed, patch, skip: this.filter(observed) };
  }

  /** Records the server's answer: later repeats patch the stored name and resourceVersion. */
  updateState(e: Ev): void {
    this.logs.set(getEventKey(e), {
      count: e.count ?? 0,
      firstTimestamp: e.firstTimestamp,
      name: e.metadata.name ?? '',
      resourceVersion: e.metadata.resourceVersion ?? '',
    });
  }

  private aggregate(e: Ev): [Ev, string] {
    const now = this.now();
    const eventKey = getEventKey(e);
    const [aggregateKey, localKey] = aggregateKeys(e);
    let record = this.aggregates.get(aggregateKey);
    if (record === undefined || now - record.lastTimestamp > defaultAggregateIntervalMs) {
      record = { localKeys: new Set(), lastTimestamp: 0 };
    }
    record.localKeys.add(localKey);
    record.lastTimestamp = now;
    this.aggregates.set(aggregateKey, record);
    if (record.localKeys.size < defaultAggregateMaxEvents) return [e, eventKey];
    // Do not grow the set past the maximum (sets.PopAny).
    const first = record.localKeys.values().next();
    if (first.done !== true) record.localKeys.delete(first.value);
    const t = formatTime(now);
    const combined: Ev = {
      metadata: {
        name: this.name(e.involvedObject.name ?? '', now),
        namespace: e.metadata.namespace ?? '',
      },
      count: 1,
      firstTimestamp: t,
      involvedObject: e.involvedObject,
      lastTimestamp: t,
      message: `(combined from similar events): ${e.message ?? ''}`,
      type: e.type ?? '',
      reason: e.reason ?? '',
      source: e.source ?? {},
    };
    return [combined, aggregateKey];
  }

  private observe(newEvent: Ev, key: string): [Ev, Record<string, unknown> | undefined] {
    const event: Ev = { ...newEvent, metadata: { ...newEvent.metadata } };
    let patch: Record<string, unknown> | undefined;
    const last = this.logs.get(key);
    if (last !== undefined && last.count > 0) {
      const meta = event.metadata as { name?: string; resourceVersion?: string };
      meta.name = last.name;
      meta.resourceVersion = last.resourceVersion;
      event.firstTimestamp = last.firstTimestamp;
      event.count = last.count + 1;
      // CreateTwoWayMergePatch against a copy with count, lastTimestamp and message zeroed.
      patch = { count: event.count };
      if (event.lastTimestamp !== undefined) patch.lastTimestamp = event.lastTimestamp;
      if ((event.message ?? '') !== '') patch.message = event.message;
    }
    this.logs.set(key, {
      count: event.count ?? 0,
      firstTimestamp: event.firstTimestamp,
      name: event.metadata.name ?? '',
      resourceVersion: event.metadata.resourceVersion ?? '',
    });
    return [event, patch];
  }

  /** EventSourceObjectSpamFilter: true when the source+object has used up its token bucket. */
  private filter(e: Ev): boolean {
    const now = this.now();
    const key = getSpamKey(e);
    const r = this.spam.get(key) ?? { tokens: defaultSpamBurst, last: now };
    if (now > r.last) {
      r.tokens = Math.min(defaultSpamBurst, r.tokens + ((now - r.last) / 1000) * defaultSpamQps);
      r.last = now;
    }
    const allowed = r.tokens >= 1;
    if (allowed) r.tokens -= 1;
    this.spam.set(key, r);
    return !allowed;
  }
}
