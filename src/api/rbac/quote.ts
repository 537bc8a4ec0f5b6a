/** Internal quoting helper of the RBAC library (not re-exported). */
import { goQuote } from '../validation/index.ts';

const PLAIN_ASCII = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Go's `%q` with a fast path: plain printable ASCII without `"` or `\` is wrapped in quotes
 * directly; anything else goes through the full {@link goQuote}. Allow reasons are built on
 * every allowed request, so this matters.
 */
export function quote(s: string): string {
  return PLAIN_ASCII.test(s) ? `"${s}"` : goQuote(s);
}
