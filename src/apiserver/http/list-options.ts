/**
 * Validation of list and watch query options as kube-apiserver 1.32 does it
 * (apimachinery meta/internalversion/validation.ValidateListOptions, WatchList enabled): the
 * errors come back as 422 `ListOptions.meta.k8s.io "" is invalid: ...`.
 */
import { forbidden, newInvalid, newPath, notSupported } from '../../api/index.ts';
import type { FieldError } from '../../api/index.ts';

/** The list/watch options that the rules look at, as given in the query. */
export interface ListOptionsQuery {
  /** `watch=true` or a /watch/ path. */
  watch: boolean;
  resourceVersion: string;
  resourceVersionMatch: string;
  continue: string;
  /** undefined when the parameter is absent (the rules care about presence). */
  sendInitialEvents: boolean | undefined;
}

/** Throws the upstream 422 when the combination is not allowed. */
export function validateListOptions(q: ListOptionsQuery): void {
  const errs = q.watch ? watchErrors(q) : listErrors(q);
  if (errs.length > 0) newInvalidListOptions(errs);
}

function newInvalidListOptions(errs: FieldError[]): never {
  throw newInvalid({ group: 'meta.k8s.io', kind: 'ListOptions' }, '', errs);
}

function listErrors(q: ListOptionsQuery): FieldError[] {
  const errs: FieldError[] = [];
  const match = q.resourceVersionMatch;
  const path = newPath('resourceVersionMatch');
  if (match !== '') {
    if (q.resourceVersion === '') {
      errs.push(
        forbidden(path, 'resourceVersionMatch is forbidden unless resourceVersion is provided'),
      );
    }
    if (q.continue !== '') {
      errs.push(forbidden(path, 'resourceVersionMatch is forbidden when continue is provided'));
    }
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push(notSupported(path, match, ['Exact', 'NotOlderThan', '']));
    }
    if (match === 'Exact' && q.resourceVersion === '0') {
      errs.push(
        forbidden(path, 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'),
      );
    }
  }
  if (q.sendInitialEvents !== undefined) {
    errs.push(forbidden(newPath('sendInitialEvents'), 'sendInitialEvents is forbidden for list'));
  }
  return errs;
}

function watchErrors(q: ListOptionsQuery): FieldError[] {
  const errs: FieldError[] = [];
  const match = q.resourceVersionMatch;
  const path = newPath('resourceVersionMatch');
  if (q.sendInitialEvents !== undefined && match !== 'NotOlderThan') {
    errs.push(
      forbidden(path, 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'),
    );
  }
  if (match !== '') {
    if (q.sendInitialEvents === undefined) {
      errs.push(
        forbidden(
          path,
          'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
        ),
      );
    }
    if (match !== 'NotOlderThan') errs.push(notSupported(path, match, ['NotOlderThan']));
    if (q.continue !== '') {
      errs.push(forbidden(path, 'resourceVersionMatch is forbidden when continue is provided'));
    }
  }
  return errs;
}
