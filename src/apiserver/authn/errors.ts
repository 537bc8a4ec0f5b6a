/**
 * Small helpers shared by the authenticators: Go-style formatting of string lists and
 * aggregated error messages, and constant-time string comparison.
 */
import { timingSafeEqual } from 'node:crypto';
import { goQuote } from '../../api/index.ts';

/** `%q` of a Go string slice: `["a" "b"]`. */
export function goQuoteList(values: readonly string[]): string {
  return `[${values.map((v) => goQuote(v)).join(' ')}]`;
}

/** utilerrors.NewAggregate(...).Error(): one message alone, several as `[a, b]`. */
export function aggregateMessage(messages: readonly string[]): string {
  if (messages.length === 1) return messages[0] ?? '';
  return `[${messages.join(', ')}]`;
}

/**
 * subtle.ConstantTimeCompare over UTF-8 bytes: the time taken does not depend on where the
 * strings differ (only on their lengths), so a token cannot be guessed byte by byte.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  if (ab.length !== bb.length) return false;
  return timingSafeEqual(ab, bb);
}

/** A value or a promise of it: lookups may answer from a cache or from storage. */
export type MaybePromise<T> = T | Promise<T>;
