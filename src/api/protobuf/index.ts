/**
 * Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`), decoded into the
 * JSON objects the API server works with. Pure: no dependencies, no I/O. The wire reader, the
 * descriptor compiler and the tables are internal to this folder.
 */
export {
  decodeKubernetesProtobuf,
  encodeKubernetesProtobuf,
  isKubernetesProtobuf,
  KUBERNETES_PROTOBUF_MAGIC,
  KUBERNETES_PROTOBUF_MEDIA_TYPE,
} from './envelope.ts';
export type { DecodedKubernetesProtobuf } from './envelope.ts';
export { ProtobufDecodeError } from './errors.ts';
export type { ProtobufDecodeErrorReason } from './errors.ts';
export { supportedKinds as protobufSupportedKinds } from './kinds.ts';
