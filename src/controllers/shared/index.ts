/**
 * What the workload controllers share (upstream pkg/controller/controller_utils.go and
 * controller_ref_manager.go): expectations, pod control, controller references and the claim
 * protocol, pod predicates and the deletion ranking, and the queue-and-workers scaffold.
 */
export * from './expectations.ts';
export * from './pods.ts';
export * from './controller-ref.ts';
export * from './pod-control.ts';
export * from './controller.ts';
export * from './service-pods.ts';
