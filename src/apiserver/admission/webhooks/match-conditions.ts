/**
 * A webhook's `matchConditions` (CEL, upstream admission/plugin/webhook/matchconditions): every
 * condition must evaluate to true for the webhook to be called. Variables: `object`, `oldObject`
 * (null when absent), `request` (the AdmissionRequest the webhook would receive, without the
 * objects) and `authorizer` (not available here: an expression that uses it fails to compile,
 * which counts as an evaluation error). A false condition skips the webhook; an error follows
 * the webhook's failurePolicy (the caller decides).
 */
import { compileCel, jsonToCel, type CelProgram, type CelValue } from '../../../api/index.ts';
import { createAdmissionReview } from './review.ts';
import type { AdmissionAttributes, JsonObject } from './types.ts';
import type { WebhookInvocation } from './matching.ts';

/** The outcome of a webhook's conditions for one request. */
export type MatchConditionsResult = { readonly matches: boolean } | { readonly error: string };

interface Condition {
  readonly name: string;
  readonly expression: string;
}

const VARIABLES = [{ name: 'object' }, { name: 'oldObject' }, { name: 'request' }];

/** Compiled conditions per condition list (the configurations' objects are shared and stable). */
const compiled = new WeakMap<readonly Condition[], readonly (CelProgram | Error)[]>();

function programs(conditions: readonly Condition[]): readonly (CelProgram | Error)[] {
  let out = compiled.get(conditions);
  if (out === undefined) {
    out = conditions.map((c) => {
      try {
        return compileCel(c.expression, { variables: VARIABLES });
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    });
    compiled.set(conditions, out);
  }
  return out;
}

/**
 * Evaluates `conditions` for a request that reaches the webhook through `invocation`; `object`
 * and `oldObject` are the versions the webhook would receive.
 */
export function evaluateMatchConditions(
  conditions: readonly Condition[] | undefined,
  attrs: AdmissionAttributes,
  invocation: WebhookInvocation,
  object: JsonObject | undefined,
  oldObject: JsonObject | undefined,
): MatchConditionsResult {
  if (conditions === undefined || conditions.length === 0) return { matches: true };
  const review = createAdmissionReview('v1', '', attrs, invocation, undefined, undefined);
  const request = { ...(review['request'] as JsonObject) };
  delete request['object'];
  delete request['oldObject'];
  delete request['uid'];
  const vars = new Map<string, CelValue>([
    ['object', jsonToCel(object ?? null, undefined)],
    ['oldObject', jsonToCel(oldObject ?? null, undefined)],
    ['request', jsonToCel(request, undefined)],
  ]);
  const errors: string[] = [];
  for (const [i, program] of programs(conditions).entries()) {
    const name = conditions[i]?.name ?? '';
    if (program instanceof Error) {
      errors.push(`expression '${name}' resulted in error: ${program.message}`);
      continue;
    }
    try {
      const { value } = program.evaluate(vars);
      if (value === false) return { matches: false };
      if (value !== true) {
        errors.push(`expression '${name}' resulted in error: the expression must return a bool`);
      }
    } catch (err) {
      errors.push(
        `expression '${name}' resulted in error: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  return errors.length === 0 ? { matches: true } : { error: errors.join(', ') };
}
