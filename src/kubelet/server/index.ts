/**
 * The kubelet's HTTPS server (upstream pkg/kubelet/server plus the CRI streaming server):
 * `kubectl logs|exec|attach|port-forward|cp` as reached through the API server, `/pods`,
 * `/healthz`, `/stats/summary`, `/metrics/resource`, `/configz`; authentication (client
 * certificates, TokenReview) and authorization (SubjectAccessReview on nodes/*); the streaming
 * protocols (WebSocket channel protocols v1..v5, SPDY/3.1 remotecommand and port-forward, SPDY
 * tunnelled in WebSocket) on our own SPDY framing. The kubelet plugs in through
 * {@link KubeletServerBackend}; `netnsPortForward` is the host side of port-forward.
 */
export { KubeletServer, decodeLogQuery } from './server.ts';
export type { KubeletServerOptions } from './server.ts';
export { KubeletServerError, TerminalSizeQueue } from './types.ts';
export type {
  ContainerLogSource,
  ContainerStreams,
  KubeletServerBackend,
  StatsProvider,
  TerminalSize,
} from './types.ts';
export {
  authenticateAndAuthorize,
  requestAttributes,
  subjectAccessReviewAuthorizer,
  tokenReviewAuthenticator,
} from './auth.ts';
export type {
  AuthResult,
  Authorizer,
  KubeletAuthConfig,
  RequestAttributes,
  TokenAuthenticator,
  UserInfo,
} from './auth.ts';
export {
  REMOTE_COMMAND_PROTOCOLS,
  encodeStatusJson,
  internalErrorStatus,
  nonZeroExitStatus,
  parseStreamOptions,
  successStatus,
} from './remotecommand.ts';
export type { StreamOptions, StreamStatus } from './remotecommand.ts';
export {
  PORT_FORWARD_PROTOCOL,
  PORT_FORWARD_TUNNEL_PROTOCOL,
  parseWebSocketPorts,
} from './portforward.ts';
export type { PortForwarder } from './portforward.ts';
export { netnsPortForward } from './netns-port-forward.ts';
export type { NetnsPortForwardOptions } from './netns-port-forward.ts';
export { SpdyConnection, SpdyStream } from './spdy/connection.ts';
export type { SpdyConnectionOptions } from './spdy/connection.ts';
export {
  V4_CHANNEL_PROTOCOL,
  V5_CHANNEL_PROTOCOL,
  isWebSocketRequest,
  webSocketByteStream,
} from './wsstream.ts';
