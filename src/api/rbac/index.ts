/**
 * Kubernetes RBAC as a pure library: rule matching, the indexed authorizer and rule resolver,
 * SelfSubjectRulesReview rules, forbidden messages, escalation checks for role and binding
 * writes, ClusterRole aggregation, the bootstrap policy and its reconciliation.
 */
export * from './types.ts';
export * from './rule-match.ts';
export * from './resolver.ts';
export * from './forbidden.ts';
export * from './covers.ts';
export * from './escalation.ts';
export * from './aggregation.ts';
export * from './reconcile.ts';
export * from './bootstrap.ts';
export * from './memory-source.ts';
