/**
 * Parses a request path into Kubernetes' RequestInfo (k8s.io/apiserver/pkg/endpoints/request
 * RequestInfoFactory): which API, group/version, namespace, resource, name, subresource and verb.
 * Pure; no I/O.
 */

export type ResourceVerb =
  'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ResourceRequestInfo {
  isResourceRequest: true;
  /** 'api' (core group) or 'apis'. */
  apiPrefix: 'api' | 'apis';
  group: string;
  version: string;
  /** Empty for cluster-scoped requests and for lists across all namespaces. */
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  verb: ResourceVerb;
  /** The path split on '/', without empty segments. */
  parts: string[];
}

export interface NonResourceRequestInfo {
  isResourceRequest: false;
  path: string;
  /** Lower-case HTTP method as a verb ('get', 'post', ...). */
  verb: string;
}

export type RequestInfo = ResourceRequestInfo | NonResourceRequestInfo;

/** Subresources of a namespace itself (`/api/v1/namespaces/NS/status`), not namespaced resources. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Parses `method` and `pathname` (already without the query string) plus whether the query
 * asked for a watch. Paths that are not resource requests (discovery documents, /healthz, ...)
 * come back with isResourceRequest false.
 */
export function parseRequestInfo(
  method: string,
  pathname: string,
  watchParam: boolean,
): RequestInfo {
  const nonResource: NonResourceRequestInfo = {
    isResourceRequest: false,
    path: pathname,
    verb: method.toLowerCase(),
  };
  const parts = pathname.split('/').filter((p) => p !== '');
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return nonResource;
  let rest = parts.slice(1);
  let group = '';
  if (prefix === 'apis') {
    // /apis, /apis/GROUP, /apis/GROUP/VERSION are discovery documents.
    if (rest.length < 3) return nonResource;
    group = rest[0] ?? '';
    rest = rest.slice(1);
  } else if (rest.length < 2) {
    // /api, /api/v1
    return nonResource;
  }
  const version = rest[0] ?? '';
  rest = rest.slice(1);

  let isWatch = watchParam;
  // Deprecated /watch/ path prefix: /api/v1/watch/namespaces/default/pods.
  if (rest[0] === 'watch') {
    isWatch = true;
    rest = rest.slice(1);
  }

  let namespace = '';
  if (rest[0] === 'namespaces') {
    if (rest.length > 1) {
      namespace = rest[1] ?? '';
      if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) {
        rest = rest.slice(2);
      }
    }
  }
  const resource = rest[0] ?? '';
  const name = rest[1] ?? '';
  const subresource = rest[2] ?? '';
  // The namespace object itself: /api/v1/namespaces/NAME → namespace is NAME (as upstream).
  if (resource === 'namespaces' && name !== '' && namespace === '') namespace = name;
  if (resource === '') return nonResource;

  let verb: ResourceVerb;
  switch (method.toUpperCase()) {
    case 'GET':
    case 'HEAD':
      verb = isWatch ? 'watch' : name === '' ? 'list' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === '' ? 'deletecollection' : 'delete';
      break;
    default:
      return nonResource;
  }
  return {
    isResourceRequest: true,
    apiPrefix: prefix,
    group,
    version,
    namespace,
    resource,
    subresource,
    name,
    verb,
    parts,
  };
}
