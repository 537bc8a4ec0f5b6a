/**
 * Node isolation as pure libraries: the NodeRestriction admission plugin, the Node authorizer
 * and its relationship graph (which pods, secrets, configmaps, PVCs, PVs, service accounts and
 * volume attachments each kubelet may reach), and the pod reference visitors they share.
 */
export * from './node-identity.ts';
export * from './pod-refs.ts';
export * from './admission.ts';
export * from './graph.ts';
export * from './authorizer.ts';
