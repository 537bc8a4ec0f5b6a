/**
 * Dynamic admission webhooks (admissionregistration.k8s.io/v1 Mutating- and
 * ValidatingWebhookConfiguration): {@link WebhookAdmission} calls the configured HTTPS
 * webhooks for a request, with Kubernetes 1.32's matching, AdmissionReview v1 exchange,
 * failure policies and error texts. The pure matching and error helpers are exported for
 * reuse and tests.
 */
export {
  WebhookAdmission,
  PATCH_AUDIT_ANNOTATION_PREFIX,
  MUTATION_AUDIT_ANNOTATION_PREFIX,
  MUTATION_FAILED_OPEN_PREFIX,
  VALIDATING_FAILED_OPEN_PREFIX,
} from './dispatcher.ts';
export type {
  AdmissionAttributes,
  AdmissionOperation,
  AdmissionUserInfo,
  EquivalentResource,
  GroupVersionKind,
  GroupVersionResource,
  JsonObject,
  MutatingAdmissionResult,
  ServiceEndpoint,
  ValidatingAdmissionResult,
  WebhookAdmissionOptions,
} from './types.ts';
export {
  isExemptAdmissionConfigurationResource,
  matchNamespaceSelector,
  matchObjectSelector,
  ruleMatches,
  shouldCallHook,
} from './matching.ts';
export type {
  MatchableWebhook,
  RuleAttributes,
  WebhookInvocation,
  WebhookRule,
} from './matching.ts';
export {
  CallingWebhookError,
  WebhookRejectionError,
  newDryRunUnsupportedErr,
  toStatusErr,
} from './errors.ts';
export { createAdmissionReview, decodeAdmissionResponse, pickReviewVersion } from './review.ts';
export type { AdmissionResponse, ReviewVersion } from './review.ts';
