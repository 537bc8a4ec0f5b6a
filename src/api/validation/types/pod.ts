/**
 * Pod and pod template validation, ported from Kubernetes 1.32
 * pkg/apis/core/validation/validation.go (ValidatePodSpec, validateContainers,
 * ValidateVolumes, ValidatePodUpdate, ...). Only the rules that apply with 1.32's default
 * feature gates; cloud volume sources are checked for "exactly one source" and their required
 * names only. Map-valued fields are visited in object order (Go's order is random).
 */
import type {
  Affinity,
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  Lifecycle,
  LifecycleHandler,
  NodeSelector,
  NodeSelectorRequirement,
  Pod,
  PodAffinityTerm,
  PodSecurityContext,
  PodSpec,
  PodTemplateSpec,
  Probe,
  ResourceRequirements,
  SecurityContext,
  Toleration,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import {
  duplicate,
  forbidden,
  invalid,
  newPath,
  notFound,
  notSupported,
  required,
} from '../field-errors.ts';
import type { FieldError, FieldPath } from '../field-errors.ts';
import {
  inclusiveRangeError,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNSSubdomain,
  validateNamespaceName,
} from '../names.ts';
import { IS_NEGATIVE_ERROR_MSG, validateAnnotations } from '../object-meta.ts';
import {
  asArr,
  asObj,
  cloneJson,
  isSet,
  num,
  str,
  isConfigMapKey,
  isHTTPHeaderName,
  isRelaxedEnvVarName,
  isValidIP,
  isValidPortName,
  isValidPortNum,
  isValidUserID,
  quantity,
  semanticEqual,
  validateDNS1123Label,
  validateDNS1123Subdomain,
  validateLabelMap,
  validateLabelName,
  validateLabelSelector,
  validateNonnegative,
  validatePortNumOrName,
} from './util.ts';

const MAX_INT32 = 2147483647;
const FILE_MODE_ERROR_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';
const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];

/** The volume source fields of a Volume, in upstream's checking order, with their paths. */
const VOLUME_SOURCES: readonly (readonly [string, string])[] = [
  ['emptyDir', 'emptyDir'],
  ['hostPath', 'hostPath'],
  ['gitRepo', 'gitRepo'],
  ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'],
  ['secret', 'secret'],
  ['nfs', 'nfs'],
  ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'],
  ['flocker', 'flocker'],
  ['persistentVolumeClaim', 'persistentVolumeClaim'],
  ['rbd', 'rbd'],
  ['cinder', 'cinder'],
  ['cephfs', 'cephFS'],
  ['quobyte', 'quobyte'],
  // Upstream's path really is misspelled here.
  ['downwardAPI', 'downwarAPI'],
  ['fc', 'fc'],
  ['flexVolume', 'flexVolume'],
  ['configMap', 'configMap'],
  ['azureFile', 'azureFile'],
  ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'],
  ['portworxVolume', 'portworxVolume'],
  ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'],
  ['projected', 'projected'],
  ['scaleIO', 'scaleIO'],
  ['csi', 'csi'],
  ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

function validateFileMode(mode: number | undefined, path: FieldPath): FieldError[] {
  return mode !== undefined && (mode > 0o777 || mode < 0)
    ? [invalid(path, mode, FILE_MODE_ERROR_MSG)]
    : [];
}

/** validateLocalDescendingPath: relative, without '..' elements. */
export function validateLocalDescendingPath(p: string, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path'));
  errs.push(...validatePathNoBacksteps(p, path));
  return errs;
}

function validatePathNoBacksteps(p: string, path: FieldPath): FieldError[] {
  return p.split('/').includes('..') ? [invalid(path, p, "must not contain '..'")] : [];
}

function validateLocalNonReservedPath(p: string, path: FieldPath): FieldError[] {
  const errs = validateLocalDescendingPath(p, path);
  if (p.startsWith('..')) errs.push(invalid(path, p, "must not start with '..'"));
  return errs;
}

function validateKeyToPath(kp: unknown, path: FieldPath): FieldError[] {
  const o = asObj(kp) ?? {};
  const key = typeof o.key === 'string' ? o.key : '';
  const p = typeof o.path === 'string' ? o.path : '';
  const errs: FieldError[] = [];
  if (key === '') errs.push(required(path.child('key')));
  if (p === '') errs.push(required(path.child('path')));
  errs.push(...validateLocalNonReservedPath(p, path.child('path')));
  errs.push(
    ...validateFileMode(typeof o.mode === 'number' ? o.mode : undefined, path.child('mode')),
  );
  return errs;
}

function validateVolumeSource(vol: Volume, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const v = vol as unknown as Record<string, unknown>;
  let count = 0;
  for (const [key, pathName] of VOLUME_SOURCES) {
    const src = asObj(v[key]);
    if (src === undefined) continue;
    if (count > 0) {
      errs.push(forbidden(path.child(pathName), 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    const p = path.child(pathName);
    switch (key) {
      case 'emptyDir': {
        const q = src.sizeLimit === undefined ? undefined : quantity(src.sizeLimit);
        if (q !== undefined && q.sign() < 0) {
          errs.push(
            forbidden(p.child('sizeLimit'), 'SizeLimit field must be a valid resource quantity'),
          );
        }
        break;
      }
      case 'hostPath': {
        const hp = typeof src.path === 'string' ? src.path : '';
        if (hp === '') {
          errs.push(required(p.child('path')));
          break;
        }
        errs.push(...validatePathNoBacksteps(hp, p.child('path')));
        const t = typeof src.type === 'string' ? src.type : '';
        const types = [
          '',
          'BlockDevice',
          'CharDevice',
          'Directory',
          'DirectoryOrCreate',
          'File',
          'FileOrCreate',
          'Socket',
        ];
        if (!types.includes(t)) errs.push(notSupported(p.child('type'), t, types));
        break;
      }
      case 'secret': {
        if (typeof src.secretName !== 'string' || src.secretName === '') {
          errs.push(required(p.child('secretName')));
        }
        errs.push(...validateSourceItems(src, p));
        break;
      }
      case 'configMap': {
        if (typeof src.name !== 'string' || src.name === '') errs.push(required(p.child('name')));
        errs.push(...validateSourceItems(src, p));
        break;
      }
      case 'persistentVolumeClaim':
        if (typeof src.claimName !== 'string' || src.claimName === '') {
          errs.push(required(p.child('claimName')));
        }
        break;
      case 'nfs': {
        const server = typeof src.server === 'string' ? src.server : '';
        const np = typeof src.path === 'string' ? src.path : '';
        if (server === '') errs.push(required(p.child('server')));
        if (np === '') errs.push(required(p.child('path')));
        if (!np.startsWith('/'))
          errs.push(invalid(p.child('path'), np, 'must be an absolute path'));
        break;
      }
      case 'downwardAPI':
        errs.push(
          ...validateFileMode(
            typeof src.defaultMode === 'number' ? src.defaultMode : undefined,
            path.child('downwardAPI').child('defaultMode'),
          ),
        );
        break;
      case 'projected':
        errs.push(
          ...validateFileMode(
            typeof src.defaultMode === 'number' ? src.defaultMode : undefined,
            p.child('defaultMode'),
          ),
        );
        break;
      case 'csi':
        if (typeof src.driver !== 'string' || src.driver === '') {
          errs.push(required(p.child('driver')));
        }
        break;
      default:
        break;
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
  return errs;
}

function validateSourceItems(src: Record<string, unknown>, p: FieldPath): FieldError[] {
  const errs = validateFileMode(
    typeof src.defaultMode === 'number' ? src.defaultMode : undefined,
    p.child('defaultMode'),
  );
  const items = Array.isArray(src.items) ? (src.items as unknown[]) : [];
  items.forEach((kp, i) => errs.push(...validateKeyToPath(kp, p.child('items').index(i))));
  return errs;
}

/** Upstream ValidateVolumes: the valid volumes by name, and the errors. */
export function validateVolumes(
  volumes: readonly Volume[] | undefined,
  path: FieldPath,
): { vols: Map<string, Volume>; errs: FieldError[] } {
  const errs: FieldError[] = [];
  const vols = new Map<string, Volume>();
  (volumes ?? []).forEach((vol, i) => {
    const idx = path.index(i);
    const namePath = idx.child('name');
    const el = validateVolumeSource(vol, idx);
    const name = str(vol.name);
    if (name === '') el.push(required(namePath));
    else el.push(...validateDNS1123Label(name, namePath));
    if (vols.has(name)) el.push(duplicate(namePath, name));
    if (el.length === 0) vols.set(name, vol);
    else errs.push(...el);
  });
  return { vols, errs };
}

function validateContainerPorts(ports: readonly ContainerPort[] | undefined, path: FieldPath) {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (ports ?? []).forEach((port, i) => {
    const idx = path.index(i);
    const name = port.name ?? '';
    if (name.length > 0) {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) for (const m of msgs) errs.push(invalid(idx.child('name'), name, m));
      else if (names.has(name)) errs.push(duplicate(idx.child('name'), name));
      else names.add(name);
    }
    const cp = num(port.containerPort);
    if (cp === 0) errs.push(required(idx.child('containerPort')));
    else for (const m of isValidPortNum(cp)) errs.push(invalid(idx.child('containerPort'), cp, m));
    const hp = port.hostPort ?? 0;
    if (hp !== 0)
      for (const m of isValidPortNum(hp)) errs.push(invalid(idx.child('hostPort'), hp, m));
    const proto = port.protocol ?? '';
    if (proto === '') errs.push(required(idx.child('protocol')));
    else if (!SUPPORTED_PROTOCOLS.includes(proto)) {
      errs.push(notSupported(idx.child('protocol'), proto, SUPPORTED_PROTOCOLS));
    }
  });
  return errs;
}

const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const RESOURCE_FIELD_PATHS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

function validateKeySelector(s: Record<string, unknown>, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  const name = typeof s.name === 'string' ? s.name : '';
  for (const m of nameIsDNSSubdomain(name, false)) errs.push(invalid(path.child('name'), name, m));
  const key = typeof s.key === 'string' ? s.key : '';
  if (key === '') errs.push(required(path.child('key')));
  else for (const m of isConfigMapKey(key)) errs.push(invalid(path.child('key'), key, m));
  return errs;
}

function validateEnv(vars: readonly EnvVar[] | undefined, path: FieldPath): FieldError[] {
  const errs: FieldError[] = [];
  (vars ?? []).forEach((ev, i) => {
    const idx = path.index(i);
    const name = str(ev.name);
    if (name === '') errs.push(required(idx.child('name')));
    else for (const m of isRelaxedEnvVarName(name)) errs.push(invalid(idx.child('name'), name, m));
    const vf = ev.valueFrom;
    if (!isSet(vf) || vf === undefined) return;
    const fp = idx.child('valueFrom');
    let n = 0;
    if (vf.fieldRef) {
      n++;
      const fr = vf.fieldRef;
      const p = fp.child('fieldRef');
      if (!fr.apiVersion) errs.push(required(p.child('apiVersion')));
      else if (!fr.fieldPath) errs.push(required(p.child('fieldPath')));
      else {
        const m = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fr.fieldPath);
        if (m) {
          const sub = m[1] === 'metadata.annotations' ? (m[2] ?? '').toLowerCase() : (m[2] ?? '');
          for (const msg of isQualifiedName(sub)) errs.push(invalid(p, sub, msg));
        } else if (!ENV_FIELD_PATHS.includes(fr.fieldPath)) {
          errs.push(notSupported(p.child('fieldPath'), fr.fieldPath, ENV_FIELD_PATHS));
        }
      }
    }
    if (vf.resourceFieldRef) {
      n++;
      const r = vf.resourceFieldRef.resource;
      const p = fp.child('resourceFieldRef');
      if (!r) errs.push(required(p.child('resource')));
      else if (
        !RESOURCE_FIELD_PATHS.includes(r) &&
        !r.startsWith('requests.hugepages-') &&
        !r.startsWith('limits.hugepages-')
      ) {
        errs.push(notSupported(p.child('resource'), r, RESOURCE_FIELD_PATHS));
      }
    }
    if (vf.configMapKeyRef) {
      n++;
      errs.push(
        ...validateKeySelector(
          vf.configMapKeyRef as unknown as Record<string, unknown>,
          fp.child('configMapKeyRef'),
        ),
      );
    }
    if (vf.secretKeyRef) {
      n++;
      errs.push(
        ...validateKeySelector(
          vf.secretKeyRef as unknown as Record<string, unknown>,
          fp.child('secretKeyRef'),
        ),
      );
    }
    if (n === 0) {
      errs.push(
        invalid(
          fp,
          '',
          'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
        ),
      );
    } else if ((ev.value ?? '') !== '') {
      errs.push(invalid(fp, '', 'may not be specified when `value` is not empty'));
    } else if (n > 1) {
      errs.push(invalid(fp, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

function validateEnvFrom(vars: readonly EnvFromSource[] | undefined, path: FieldPath) {
  const errs: FieldError[] = [];
  (vars ?? []).forEach((ev, i) => {
    const idx = path.index(i);
    const prefix = ev.prefix ?? '';
    if (prefix.length > 0) {
      for (const m of isRelaxedEnvVarName(prefix))
        errs.push(invalid(idx.child('prefix'), prefix, m));
    }
    let n = 0;
    for (const key of ['configMapRef', 'secretRef'] as const) {
      const ref = ev[key];
      if (!isSet(ref) || ref === undefined) continue;
      n++;
      const name = ref.name ?? '';
      const p = idx.child(key).child('name');
      if (name === '') errs.push(required(p));
      else for (const m of nameIsDNSSubdomain(name, true)) errs.push(invalid(p, name, m));
    }
    if (n === 0) errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (n > 1) {
      errs.push(invalid(path, '', 'may not have more than one field specified at a time'));
    }
  });
  return errs;
}

function validateVolumeMounts(
  mounts: readonly VolumeMount[] | undefined,
  devices: Map<string, string>,
  volumes: Map<string, Volume>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const mountpoints = new Set<string>();
  (mounts ?? []).forEach((mnt, i) => {
    const idx = path.index(i);
    const name = str(mnt.name);
    const mp = str(mnt.mountPath);
    if (name === '') errs.push(required(idx.child('name')));
    if (!volumes.has(name)) errs.push(notFound(idx.child('name'), name));
    if (mp === '') errs.push(required(idx.child('mountPath')));
    if (mountpoints.has(mp)) errs.push(invalid(idx.child('mountPath'), mp, 'must be unique'));
    mountpoints.add(mp);
    if (devices.has(name)) {
      errs.push(invalid(idx.child('name'), name, 'must not already exist in volumeDevices'));
    }
    if ([...devices.values()].includes(mp)) {
      errs.push(
        invalid(idx.child('mountPath'), mp, 'must not already exist as a path in volumeDevices'),
      );
    }
    const subPath = mnt.subPath ?? '';
    const subPathExpr = mnt.subPathExpr ?? '';
    // Upstream reports these at the list path, not the element's.
    if (subPath.length > 0)
      errs.push(...validateLocalDescendingPath(subPath, path.child('subPath')));
    if (subPathExpr.length > 0) {
      if (subPath.length > 0) {
        errs.push(
          invalid(
            idx.child('subPathExpr'),
            subPathExpr,
            'subPathExpr and subPath are mutually exclusive',
          ),
        );
      }
      errs.push(...validateLocalDescendingPath(subPathExpr, path.child('subPathExpr')));
    }
    if (mnt.mountPropagation !== undefined) {
      const modes = ['Bidirectional', 'HostToContainer', 'None'];
      if (!modes.includes(mnt.mountPropagation)) {
        errs.push(notSupported(path.child('mountPropagation'), mnt.mountPropagation, modes));
      }
    }
  });
  return errs;
}

const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];

function isHugePages(name: string): boolean {
  return name.startsWith('hugepages-');
}

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** helper.IsOvercommitAllowed: native resources other than hugepages. */
function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !isHugePages(name);
}

function validateContainerResourceName(name: string, path: FieldPath): FieldError[] {
  const errs = isQualifiedName(name).map((m) => invalid(path, name, m));
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_CONTAINER_RESOURCES.includes(name) && !isHugePages(name)) {
      return [invalid(path, name, 'must be a standard resource for containers')];
    }
  } else if (!isNativeResource(name)) {
    // IsExtendedResourceName: not requests.-prefixed, and a valid quota name.
    if (name.startsWith('requests.')) {
      return [invalid(path, name, "doesn't follow extended resource name standard")];
    }
  }
  return [];
}

/** Upstream ValidateResourceQuantityValue: non-negative, integral for integer resources. */
export function validateResourceQuantityValue(
  resource: string,
  raw: unknown,
  path: FieldPath,
): FieldError[] {
  const q = quantity(raw);
  if (q === undefined) return [];
  const errs: FieldError[] = [];
  if (q.sign() < 0) errs.push(invalid(path, q.toString(), IS_NEGATIVE_ERROR_MSG));
  if (isIntegerResource(resource) && q.milliValue() % 1000 !== 0) {
    errs.push(invalid(path, q.toString(), 'must be an integer'));
  }
  return errs;
}

function isIntegerResource(name: string): boolean {
  return (
    [
      'pods',
      'count/pods',
      'services',
      'replicationcontrollers',
      'resourcequotas',
      'secrets',
      'configmaps',
      'persistentvolumeclaims',
      'services.nodeports',
      'services.loadbalancers',
    ].includes(name) ||
    (name.includes('/') && !isNativeResource(name))
  );
}

/** Upstream ValidateContainerResourceRequirements. */
export function validateResourceRequirements(
  req: ResourceRequirements | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const limits = (req?.limits ?? {}) as Record<string, unknown>;
  const requests = (req?.requests ?? {}) as Record<string, unknown>;
  const limPath = path.child('limits');
  const reqPath = path.child('requests');
  let cpuOrMem = false;
  let hugePages = false;
  for (const [name, raw] of Object.entries(limits)) {
    const p = limPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(name, raw, p));
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMem = true;
  }
  for (const [name, raw] of Object.entries(requests)) {
    const p = reqPath.key(name);
    errs.push(...validateContainerResourceName(name, p));
    errs.push(...validateResourceQuantityValue(name, raw, p));
    const q = quantity(raw);
    if (name in limits) {
      const lim = quantity(limits[name]);
      if (q !== undefined && lim !== undefined) {
        if (q.cmp(lim) !== 0 && !isOvercommitAllowed(name)) {
          errs.push(
            invalid(reqPath, q.toString(), `must be equal to ${name} limit of ${lim.toString()}`),
          );
        } else if (q.cmp(lim) > 0) {
          errs.push(
            invalid(
              reqPath,
              q.toString(),
              `must be less than or equal to ${name} limit of ${lim.toString()}`,
            ),
          );
        }
      }
    } else if (!isOvercommitAllowed(name)) {
      errs.push(required(limPath, 'Limit must be set for non overcommitable resources'));
    }
    if (isHugePages(name)) hugePages = true;
    if (name === 'cpu' || name === 'memory') cpuOrMem = true;
  }
  if (!cpuOrMem && hugePages) errs.push(forbidden(path, 'HugePages require cpu or memory'));
  return errs;
}

type Handler = Record<string, unknown>;

function validateHandler(
  h: Handler,
  keys: readonly string[],
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  for (const key of keys) {
    const a = asObj(h[key]);
    if (a === undefined) continue;
    const p = path.child(key);
    if (n > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    n++;
    switch (key) {
      case 'exec':
        if (!Array.isArray(a.command) || a.command.length === 0) {
          errs.push(required(p.child('command')));
        }
        break;
      case 'httpGet': {
        if (typeof a.path !== 'string' || a.path === '') errs.push(required(p.child('path')));
        errs.push(...validatePortNumOrName(a.port, p.child('port')));
        const scheme = typeof a.scheme === 'string' ? a.scheme : '';
        if (scheme !== 'HTTP' && scheme !== 'HTTPS') {
          errs.push(notSupported(p.child('scheme'), scheme, ['HTTP', 'HTTPS']));
        }
        const headers = Array.isArray(a.httpHeaders) ? (a.httpHeaders as unknown[]) : [];
        for (const hd of headers) {
          const name = str(asObj(hd)?.name);
          for (const m of isHTTPHeaderName(name))
            errs.push(invalid(p.child('httpHeaders'), name, m));
        }
        break;
      }
      case 'tcpSocket':
        errs.push(...validatePortNumOrName(a.port, p.child('port')));
        break;
      case 'grpc':
        errs.push(
          ...validatePortNumOrName(typeof a.port === 'number' ? a.port : 0, p.child('port')),
        );
        break;
      case 'sleep': {
        const s = typeof a.seconds === 'number' ? a.seconds : 0;
        if (gracePeriod !== undefined && (s <= 0 || s > gracePeriod)) {
          errs.push(
            invalid(
              p,
              s,
              `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod}). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero sleep.`,
            ),
          );
        }
        break;
      }
      default:
        break;
    }
  }
  if (n === 0) errs.push(required(path, 'must specify a handler type'));
  return errs;
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

function validateProbe(
  probe: Probe | undefined,
  kind: 'liveness' | 'readiness' | 'startup',
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldError[] {
  if (!isSet(probe) || probe === undefined) return [];
  const errs = validateHandler(probe as Handler, PROBE_HANDLERS, gracePeriod, path);
  const fields = [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const;
  for (const f of fields) errs.push(...validateNonnegative(probe[f] ?? 0, path.child(f)));
  const tgps = probe.terminationGracePeriodSeconds;
  if (tgps !== undefined && tgps <= 0) {
    errs.push(invalid(path.child('terminationGracePeriodSeconds'), tgps, 'must be greater than 0'));
  }
  if (kind !== 'readiness' && (probe.successThreshold ?? 0) !== 1) {
    errs.push(invalid(path.child('successThreshold'), probe.successThreshold ?? 0, 'must be 1'));
  }
  if (kind === 'readiness' && tgps !== undefined) {
    errs.push(
      invalid(
        path.child('terminationGracePeriodSeconds'),
        tgps,
        'must not be set for readinessProbes',
      ),
    );
  }
  return errs;
}

function validateLifecycle(
  lc: Lifecycle,
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['postStart', 'preStop'] as const) {
    const h: LifecycleHandler | undefined = lc[k];
    if (h)
      errs.push(...validateHandler(h as Handler, LIFECYCLE_HANDLERS, gracePeriod, path.child(k)));
  }
  return errs;
}

function validateSecurityContext(sc: SecurityContext | undefined, path: FieldPath): FieldError[] {
  if (!sc) return [];
  const errs: FieldError[] = [];
  if (sc.runAsUser !== undefined) {
    for (const m of isValidUserID(sc.runAsUser))
      errs.push(invalid(path.child('runAsUser'), sc.runAsUser, m));
  }
  if (sc.runAsGroup !== undefined) {
    for (const m of isValidUserID(sc.runAsGroup))
      errs.push(invalid(path.child('runAsGroup'), sc.runAsGroup, m));
  }
  if (sc.procMount !== undefined && sc.procMount !== 'Default' && sc.procMount !== 'Unmasked') {
    errs.push(notSupported(path.child('procMount'), sc.procMount, ['Default', 'Unmasked']));
  }
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  if (sc.allowPrivilegeEscalation === false) {
    if (sc.privileged === true) {
      errs.push(
        invalid(
          path,
          sc,
          'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
        ),
      );
    }
    for (const cap of sc.capabilities?.add ?? []) {
      if (cap === 'CAP_SYS_ADMIN') {
        errs.push(
          invalid(
            path,
            sc,
            'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN',
          ),
        );
      }
    }
  }
  return errs;
}

function validateSeccompProfile(
  sp: { type: string; localhostProfile?: string } | undefined,
  path: FieldPath,
): FieldError[] {
  if (!sp) return [];
  const errs: FieldError[] = [];
  const types = ['Localhost', 'RuntimeDefault', 'Unconfined'];
  if (sp.type === '')
    errs.push(required(path.child('type'), 'type is required when seccompProfile is set'));
  else if (!types.includes(sp.type)) errs.push(notSupported(path.child('type'), sp.type, types));
  if (sp.type === 'Localhost') {
    if (sp.localhostProfile === undefined) {
      errs.push(
        required(path.child('localhostProfile'), 'must be set when seccomp type is Localhost'),
      );
    } else {
      errs.push(
        ...validateLocalDescendingPath(sp.localhostProfile, path.child('localhostProfile')),
      );
    }
  } else if (sp.localhostProfile !== undefined) {
    errs.push(
      invalid(path.child('localhostProfile'), sp, 'can only be set when seccomp type is Localhost'),
    );
  }
  return errs;
}

function validateContainerCommon(
  ctr: Container,
  volumes: Map<string, Volume>,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const namePath = path.child('name');
  if (!ctr.name) errs.push(required(namePath));
  else errs.push(...validateDNS1123Label(ctr.name, namePath));
  if (!ctr.image) errs.push(required(path.child('image')));
  const tmp = ctr.terminationMessagePolicy ?? '';
  const tmps = ['File', 'FallbackToLogsOnError'];
  if (tmp === '') errs.push(required(path.child('terminationMessagePolicy')));
  else if (!tmps.includes(tmp))
    errs.push(notSupported(path.child('terminationMessagePolicy'), tmp, tmps));
  const devices = new Map<string, string>();
  for (const d of ctr.volumeDevices ?? []) devices.set(d.name, d.devicePath);
  errs.push(...validateContainerPorts(ctr.ports, path.child('ports')));
  errs.push(...validateEnv(ctr.env, path.child('env')));
  errs.push(...validateEnvFrom(ctr.envFrom, path.child('envFrom')));
  errs.push(
    ...validateVolumeMounts(ctr.volumeMounts, devices, volumes, path.child('volumeMounts')),
  );
  const pull = ctr.imagePullPolicy ?? '';
  const pulls = ['Always', 'IfNotPresent', 'Never'];
  if (pull === '') errs.push(required(path.child('imagePullPolicy')));
  else if (!pulls.includes(pull))
    errs.push(notSupported(path.child('imagePullPolicy'), pull, pulls));
  errs.push(...validateResourceRequirements(ctr.resources, path.child('resources')));
  errs.push(...validateSecurityContext(ctr.securityContext, path.child('securityContext')));
  return errs;
}

function checkHostPortConflicts(containers: readonly Container[], path: FieldPath, base = 0) {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((ctr, ci) => {
    (ctr.ports ?? []).forEach((p, pi) => {
      const hp = p.hostPort ?? 0;
      if (hp === 0) return;
      const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${hp}`;
      const at = path
        .index(ci + base)
        .child('ports')
        .index(pi)
        .child('hostPort');
      if (seen.has(key)) errs.push(duplicate(at, key));
      else seen.add(key);
    });
  });
  return errs;
}

function validateContainers(
  containers: readonly Container[] | undefined,
  volumes: Map<string, Volume>,
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldError[] {
  const list = containers ?? [];
  if (list.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  list.forEach((ctr, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    if (names.has(ctr.name)) errs.push(duplicate(p.child('name'), ctr.name));
    else names.add(ctr.name);
    if (ctr.lifecycle)
      errs.push(...validateLifecycle(ctr.lifecycle, gracePeriod, p.child('lifecycle')));
    errs.push(
      ...validateProbe(ctr.livenessProbe, 'liveness', gracePeriod, p.child('livenessProbe')),
    );
    errs.push(
      ...validateProbe(ctr.readinessProbe, 'readiness', gracePeriod, p.child('readinessProbe')),
    );
    errs.push(...validateProbe(ctr.startupProbe, 'startup', gracePeriod, p.child('startupProbe')));
    if (ctr.restartPolicy !== undefined) {
      errs.push(forbidden(p.child('restartPolicy'), 'may not be set for non-init containers'));
    }
  });
  errs.push(...checkHostPortConflicts(list, path));
  return errs;
}

function validateInitContainers(
  containers: readonly Container[] | undefined,
  regular: readonly Container[] | undefined,
  volumes: Map<string, Volume>,
  gracePeriod: number | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((regular ?? []).map((c) => c.name));
  (containers ?? []).forEach((ctr, i) => {
    const p = path.index(i);
    errs.push(...validateContainerCommon(ctr, volumes, p));
    let restartAlways = false;
    if (ctr.restartPolicy !== undefined) {
      if (ctr.restartPolicy !== 'Always') {
        errs.push(notSupported(p.child('restartPolicy'), ctr.restartPolicy, ['Always']));
      }
      restartAlways = ctr.restartPolicy === 'Always';
    }
    if (names.has(ctr.name)) errs.push(duplicate(p.child('name'), ctr.name));
    else if (ctr.name) names.add(ctr.name);
    errs.push(...checkHostPortConflicts([ctr], path, i));
    if (restartAlways) {
      if (ctr.lifecycle)
        errs.push(...validateLifecycle(ctr.lifecycle, gracePeriod, p.child('lifecycle')));
      errs.push(
        ...validateProbe(ctr.livenessProbe, 'liveness', gracePeriod, p.child('livenessProbe')),
      );
      errs.push(
        ...validateProbe(ctr.readinessProbe, 'readiness', gracePeriod, p.child('readinessProbe')),
      );
      errs.push(
        ...validateProbe(ctr.startupProbe, 'startup', gracePeriod, p.child('startupProbe')),
      );
    } else {
      const msg = 'may not be set for init containers without restartPolicy=Always';
      if (ctr.lifecycle) errs.push(forbidden(p.child('lifecycle'), msg));
      if (ctr.livenessProbe) errs.push(forbidden(p.child('livenessProbe'), msg));
      if (ctr.readinessProbe) errs.push(forbidden(p.child('readinessProbe'), msg));
      if (ctr.startupProbe) errs.push(forbidden(p.child('startupProbe'), msg));
    }
    if ((ctr.resizePolicy ?? []).length > 0) {
      errs.push(
        invalid(p.child('resizePolicy'), ctr.resizePolicy, 'must not be set for init containers'),
      );
    }
  });
  return errs;
}

/** Upstream ValidateTolerations. */
export function validateTolerations(
  tolerations: readonly Toleration[] | undefined,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  (tolerations ?? []).forEach((t, i) => {
    const idx = path.index(i);
    const key = t.key ?? '';
    const op = t.operator ?? '';
    const effect = t.effect ?? '';
    const value = t.value ?? '';
    if (key.length > 0) errs.push(...validateLabelName(key, idx.child('key')));
    if (key === '' && op !== 'Exists') {
      errs.push(
        invalid(
          idx.child('operator'),
          op,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds !== undefined && effect !== 'NoExecute') {
      errs.push(
        invalid(
          idx.child('effect'),
          effect,
          "effect must be 'NoExecute' when `tolerationSeconds` is set",
        ),
      );
    }
    switch (op) {
      case 'Equal':
      case '': {
        const msgs = isValidLabelValue(value);
        if (msgs.length > 0) errs.push(invalid(idx.child('operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value.length > 0) {
          errs.push(
            invalid(
              idx.child('operator'),
              value,
              "value must be empty when `operator` is 'Exists'",
            ),
          );
        }
        break;
      default:
        errs.push(notSupported(idx.child('operator'), op, ['Equal', 'Exists']));
    }
    if (effect.length > 0) errs.push(...validateTaintEffect(effect, idx.child('effect')));
  });
  return errs;
}

/** Upstream validateTaintEffect (empty allowed; the caller checks required-ness). */
export function validateTaintEffect(effect: string, path: FieldPath): FieldError[] {
  const valid = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
  return valid.includes(effect) ? [] : [notSupported(path, effect, valid)];
}

function validateNodeSelectorRequirement(
  rq: NodeSelectorRequirement,
  checkValues: boolean,
  path: FieldPath,
): FieldError[] {
  const errs: FieldError[] = [];
  const values = rq.values ?? [];
  switch (rq.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        errs.push(
          required(path.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"),
        );
      }
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(
          forbidden(
            path.child('values'),
            "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          ),
        );
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(
          required(
            path.child('values'),
            "must be specified single value when `operator` is 'Lt' or 'Gt'",
          ),
        );
      }
      break;
    default:
      errs.push(invalid(path.child('operator'), rq.operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(rq.key, path.child('key')));
  if (checkValues) {
    values.forEach((v, i) => {
      for (const m of isValidLabelValue(v)) errs.push(invalid(path.child('values').index(i), v, m));
    });
  }
  return errs;
}

function validateNodeSelectorTerm(term: unknown, checkValues: boolean, path: FieldPath) {
  const t = asObj(term) ?? {};
  const errs: FieldError[] = [];
  const exprs = (
    Array.isArray(t.matchExpressions) ? t.matchExpressions : []
  ) as NodeSelectorRequirement[];
  exprs.forEach((r, j) =>
    errs.push(
      ...validateNodeSelectorRequirement(r, checkValues, path.child('matchExpressions').index(j)),
    ),
  );
  const fields = (Array.isArray(t.matchFields) ? t.matchFields : []) as NodeSelectorRequirement[];
  fields.forEach((r, j) => {
    const p = path.child('matchFields').index(j);
    if (r.operator === 'In' || r.operator === 'NotIn') {
      if ((r.values ?? []).length !== 1) {
        errs.push(
          required(
            p.child('values'),
            "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
          ),
        );
      }
    } else {
      errs.push(invalid(p.child('operator'), r.operator, 'not a valid selector operator'));
    }
    if (r.key !== 'metadata.name') {
      errs.push(invalid(p.child('key'), r.key, 'not a valid field selector key'));
    } else {
      (r.values ?? []).forEach((v, i) => {
        for (const m of nameIsDNSSubdomain(v, false))
          errs.push(invalid(p.child('values').index(i), v, m));
      });
    }
  });
  return errs;
}

/** Upstream ValidateNodeSelector (required node affinity). */
export function validateNodeSelector(ns: NodeSelector, path: FieldPath): FieldError[] {
  const termPath = path.child('nodeSelectorTerms');
  if (ns.nodeSelectorTerms.length === 0) {
    return [required(termPath, 'must have at least one node selector term')];
  }
  return ns.nodeSelectorTerms.flatMap((t, i) =>
    validateNodeSelectorTerm(t, true, termPath.index(i)),
  );
}

function validatePodAffinityTerm(term: PodAffinityTerm, path: FieldPath): FieldError[] {
  const errs = validateLabelSelector(term.labelSelector, path.child('labelSelector'));
  errs.push(...validateLabelSelector(term.namespaceSelector, path.child('namespaceSelector')));
  for (const ns of term.namespaces ?? []) {
    for (const m of validateNamespaceName(ns, false))
      errs.push(invalid(path.child('namespace'), ns, m));
  }
  if (!term.topologyKey) errs.push(required(path.child('topologyKey'), 'can not be empty'));
  errs.push(...validateLabelName(term.topologyKey, path.child('topologyKey')));
  return errs;
}

function validateAffinity(affinity: Affinity | undefined, path: FieldPath): FieldError[] {
  if (!affinity) return [];
  const errs: FieldError[] = [];
  const na = affinity.nodeAffinity;
  if (na) {
    const p = path.child('nodeAffinity');
    if (na.requiredDuringSchedulingIgnoredDuringExecution) {
      errs.push(
        ...validateNodeSelector(
          na.requiredDuringSchedulingIgnoredDuringExecution,
          p.child('requiredDuringSchedulingIgnoredDuringExecution'),
        ),
      );
    }
    (na.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      const tp = p.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      if (t.weight <= 0 || t.weight > 100) {
        errs.push(invalid(tp.child('weight'), t.weight, 'must be in the range 1-100'));
      }
      errs.push(...validateNodeSelectorTerm(t.preference, false, tp.child('preference')));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity'] as const) {
    const pa = affinity[kind];
    if (!pa) continue;
    const p = path.child(kind);
    (pa.requiredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) =>
      errs.push(
        ...validatePodAffinityTerm(
          t,
          p.child('requiredDuringSchedulingIgnoredDuringExecution').index(i),
        ),
      ),
    );
    (pa.preferredDuringSchedulingIgnoredDuringExecution ?? []).forEach((t, i) => {
      const tp = p.child('preferredDuringSchedulingIgnoredDuringExecution').index(i);
      if (t.weight <= 0 || t.weight > 100) {
        errs.push(invalid(tp.child('weight'), t.weight, 'must be in the range 1-100'));
      }
      errs.push(...validatePodAffinityTerm(t.podAffinityTerm, tp.child('podAffinityTerm')));
    });
  }
  return errs;
}

function validatePodSecurityContext(sc: PodSecurityContext | undefined, path: FieldPath) {
  if (!sc) return [];
  const errs: FieldError[] = [];
  for (const f of ['fsGroup', 'runAsUser', 'runAsGroup'] as const) {
    const v = sc[f];
    if (v !== undefined) for (const m of isValidUserID(v)) errs.push(invalid(path.child(f), v, m));
  }
  (sc.supplementalGroups ?? []).forEach((g, i) => {
    for (const m of isValidUserID(g))
      errs.push(invalid(path.child('supplementalGroups').index(i), g, m));
  });
  if (sc.fsGroupChangePolicy !== undefined) {
    const valid = ['Always', 'OnRootMismatch'];
    if (!valid.includes(sc.fsGroupChangePolicy)) {
      errs.push(notSupported(path.child('fsGroupChangePolicy'), sc.fsGroupChangePolicy, valid));
    }
  }
  const names = new Set<string>();
  (sc.sysctls ?? []).forEach((s, i) => {
    const p = path.child('sysctls').index(i).child('name');
    const re = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$/;
    if (!s.name) errs.push(required(p));
    else if (s.name.length > 253 || !re.test(s.name)) {
      errs.push(
        invalid(
          p,
          s.name,
          'must have at most 253 characters and match regex ^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[\\./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?$',
        ),
      );
    } else if (names.has(s.name)) errs.push(duplicate(p, s.name));
    names.add(s.name);
  });
  errs.push(...validateSeccompProfile(sc.seccompProfile, path.child('seccompProfile')));
  return errs;
}

/** Options for {@link validatePodSpec}. */
export interface PodSpecOptions {
  /** The PodSpec belongs to a Pod (not a template): host ports must match under hostNetwork. */
  readonly resourceIsPod?: boolean;
}

/** Upstream ValidatePodSpec. */
export function validatePodSpec(
  spec: PodSpec | undefined,
  path: FieldPath,
  opts: PodSpecOptions = {},
): FieldError[] {
  const s: PodSpec = spec ?? { containers: [] };
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds === undefined) {
    errs.push(required(path.child('terminationGracePeriodSeconds')));
  }
  const grace = s.terminationGracePeriodSeconds;
  const { vols, errs: vErrs } = validateVolumes(s.volumes, path.child('volumes'));
  errs.push(...vErrs);
  errs.push(...validateContainers(s.containers, vols, grace, path.child('containers')));
  errs.push(
    ...validateInitContainers(
      s.initContainers,
      s.containers,
      vols,
      grace,
      path.child('initContainers'),
    ),
  );
  if (s.hostNetwork === true) {
    (asArr(s.containers) as Container[]).forEach((c, i) => {
      (c.ports ?? []).forEach((p, j) => {
        const hp = p.hostPort ?? 0;
        if ((opts.resourceIsPod === true || hp !== 0) && hp !== p.containerPort) {
          errs.push(
            invalid(
              path.child('containers').index(i).child('ports').index(j).child('hostPort'),
              hp,
              'must match `containerPort` when `hostNetwork` is true',
            ),
          );
        }
      });
    });
  }
  const rp = s.restartPolicy ?? '';
  const rps = ['Always', 'OnFailure', 'Never'];
  if (rp === '') errs.push(required(path.child('restartPolicy')));
  else if (!rps.includes(rp)) errs.push(notSupported(path.child('restartPolicy'), rp, rps));
  const dp = s.dnsPolicy ?? '';
  const dps = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (dp === '') errs.push(required(path.child('dnsPolicy')));
  else if (!dps.includes(dp)) errs.push(notSupported(path.child('dnsPolicy'), dp, dps));
  errs.push(...validateLabelMap(s.nodeSelector, path.child('nodeSelector')));
  errs.push(...validatePodSecurityContext(s.securityContext, path.child('securityContext')));
  (s.imagePullSecrets ?? []).forEach((ref, i) => {
    const extra = Object.keys(ref).filter((k) => k !== 'name');
    if (extra.length > 0)
      errs.push(invalid(path.child('imagePullSecrets').index(i), ref, 'only name may be set'));
  });
  errs.push(...validateAffinity(s.affinity, path.child('affinity')));
  const dnsPath = path.child('dnsConfig');
  if (dp === 'None' && !s.dnsConfig) {
    errs.push(required(dnsPath, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  } else if (dp === 'None' && (s.dnsConfig?.nameservers ?? []).length === 0) {
    errs.push(
      required(
        dnsPath.child('nameservers'),
        'must provide at least one DNS nameserver when `dnsPolicy` is None',
      ),
    );
  } else if (s.dnsConfig) {
    const ns = s.dnsConfig.nameservers ?? [];
    if (ns.length > 3)
      errs.push(invalid(dnsPath.child('nameservers'), ns, 'must not have more than 3 nameservers'));
    ns.forEach((n, i) => errs.push(...isValidIP(dnsPath.child('nameservers').index(i), n)));
    const searches = s.dnsConfig.searches ?? [];
    if (searches.length > 32) {
      errs.push(
        invalid(dnsPath.child('searches'), searches, 'must not have more than 32 search paths'),
      );
    }
    searches.forEach((sp, i) =>
      errs.push(
        ...validateDNS1123Subdomain(sp.replace(/\.$/, ''), dnsPath.child('searches').index(i)),
      ),
    );
    (s.dnsConfig.options ?? []).forEach((o, i) => {
      if (!o.name) errs.push(required(dnsPath.child('options').index(i), 'must not be empty'));
    });
  }
  (s.readinessGates ?? []).forEach((g, i) =>
    errs.push(
      ...validateLabelName(
        g.conditionType,
        path.child('readinessGates').index(i).child('conditionType'),
      ),
    ),
  );
  const gates = new Set<string>();
  (s.schedulingGates ?? []).forEach((g, i) => {
    const p = path.child('schedulingGates').index(i);
    errs.push(...validateLabelName(g.name, p));
    if (gates.has(g.name)) errs.push(duplicate(p, g.name));
    gates.add(g.name);
  });
  (s.topologySpreadConstraints ?? []).forEach((c, i) => {
    const p = path.child('topologySpreadConstraints').index(i);
    if (c.maxSkew <= 0)
      errs.push(invalid(p.child('maxSkew'), c.maxSkew, 'must be greater than zero'));
    if (!c.topologyKey) errs.push(required(p.child('topologyKey'), 'can not be empty'));
    const acts = ['DoNotSchedule', 'ScheduleAnyway'];
    if (!acts.includes(c.whenUnsatisfiable)) {
      errs.push(notSupported(p.child('whenUnsatisfiable'), c.whenUnsatisfiable, acts));
    }
    errs.push(...validateLabelSelector(c.labelSelector, p.child('labelSelector')));
  });
  if (s.serviceAccountName) {
    for (const m of nameIsDNSSubdomain(s.serviceAccountName, false)) {
      errs.push(invalid(path.child('serviceAccountName'), s.serviceAccountName, m));
    }
  }
  if (s.nodeName) {
    for (const m of nameIsDNSSubdomain(s.nodeName, false))
      errs.push(invalid(path.child('nodeName'), s.nodeName, m));
  }
  if (s.activeDeadlineSeconds !== undefined) {
    const v = s.activeDeadlineSeconds;
    if (v < 1 || v > MAX_INT32) {
      errs.push(invalid(path.child('activeDeadlineSeconds'), v, inclusiveRangeError(1, MAX_INT32)));
    }
  }
  if (s.hostname) errs.push(...validateDNS1123Label(s.hostname, path.child('hostname')));
  if (s.subdomain) errs.push(...validateDNS1123Label(s.subdomain, path.child('subdomain')));
  errs.push(...validateTolerations(s.tolerations, path.child('tolerations')));
  (s.hostAliases ?? []).forEach((ha, i) => {
    const p = path.child('hostAliases').index(i);
    errs.push(...isValidIP(p.child('ip'), ha.ip ?? ''));
    (ha.hostnames ?? []).forEach((h, j) =>
      errs.push(...validateDNS1123Subdomain(h, p.child('hostnames').index(j))),
    );
  });
  if (s.priorityClassName) {
    for (const m of nameIsDNSSubdomain(s.priorityClassName, false)) {
      errs.push(invalid(path.child('priorityClassName'), s.priorityClassName, m));
    }
  }
  if (s.runtimeClassName !== undefined) {
    for (const m of nameIsDNSSubdomain(s.runtimeClassName, false)) {
      errs.push(invalid(path.child('runtimeClassName'), s.runtimeClassName, m));
    }
  }
  if (s.preemptionPolicy !== undefined) {
    const pp = ['PreemptLowerPriority', 'Never'];
    if (s.preemptionPolicy === '') errs.push(required(path.child('preemptionPolicy')));
    else if (!pp.includes(s.preemptionPolicy))
      errs.push(notSupported(path.child('preemptionPolicy'), s.preemptionPolicy, pp));
  }
  if (s.os) {
    if (!s.os.name) errs.push(required(path.child('os').child('name'), 'cannot be empty'));
    else if (!['linux', 'windows'].includes(s.os.name)) {
      errs.push(notSupported(path.child('os'), s.os.name, ['linux', 'windows']));
    }
  }
  return errs;
}

/** Upstream ValidatePodTemplateSpec: template labels, annotations and spec. */
export function validatePodTemplateSpec(
  tpl: PodTemplateSpec | undefined,
  path: FieldPath,
): FieldError[] {
  const t = tpl ?? {};
  const errs = validateLabelMap(t.metadata?.labels, path.child('labels'));
  errs.push(...validateAnnotations(t.metadata?.annotations, path.child('annotations')));
  errs.push(...validatePodSpec(t.spec, path.child('spec')));
  if ((t.spec?.ephemeralContainers ?? []).length > 0) {
    errs.push(
      forbidden(
        path.child('spec', 'ephemeralContainers'),
        'ephemeral containers not allowed in pod template',
      ),
    );
  }
  return errs;
}

/** Pod create validation (upstream ValidatePodCreate without metadata). */
export function validatePodCreate(pod: Pod): FieldError[] {
  const spec = newPath('spec');
  const errs = validatePodSpec(pod.spec, spec, { resourceIsPod: true });
  errs.push(...validateContainersOnlyForPod(pod.spec));
  if ((pod.spec?.ephemeralContainers ?? []).length > 0) {
    errs.push(forbidden(spec.child('ephemeralContainers'), 'cannot be set on create'));
  }
  if (pod.spec?.nodeName && (pod.spec.schedulingGates ?? []).length > 0) {
    errs.push(
      forbidden(
        spec.child('nodeName'),
        'cannot be set until all schedulingGates have been cleared',
      ),
    );
  }
  return errs;
}

function validateContainersOnlyForPod(spec: PodSpec | undefined): FieldError[] {
  const errs: FieldError[] = [];
  for (const key of ['containers', 'initContainers'] as const) {
    (spec?.[key] ?? []).forEach((c, i) => {
      const image = c.image ?? '';
      if (image.length !== image.trim().length) {
        errs.push(
          invalid(
            newPath('spec', key).index(i).child('image'),
            image,
            'must not have leading or trailing whitespace',
          ),
        );
      }
    });
  }
  return errs;
}

/** The fields a pod update may change, in upstream's message. */
const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/**
 * A short diff of two JSON values, one line per changed leaf (`path: old -> new`). Upstream
 * prints go-cmp's diff here; its exact text is not reproducible, so we give the changed paths.
 */
export function jsonDiff(oldV: unknown, newV: unknown, prefix = ''): string[] {
  if (semanticEqual(oldV, newV)) return [];
  const oa = asObj(oldV);
  const na = asObj(newV);
  if (oa !== undefined && na !== undefined) {
    const keys = [...new Set([...Object.keys(oa), ...Object.keys(na)])];
    return keys.flatMap((k) => jsonDiff(oa[k], na[k], prefix === '' ? k : `${prefix}.${k}`));
  }
  if (Array.isArray(oldV) && Array.isArray(newV) && oldV.length === newV.length) {
    return oldV.flatMap((x, i) => jsonDiff(x, newV[i], `${prefix}[${i}]`));
  }
  return [`  ${prefix}: ${jsonText(oldV)} -> ${jsonText(newV)}`];
}

function jsonText(v: unknown): string {
  // JSON.stringify returns undefined for undefined despite its declared type.
  const t = JSON.stringify(v) as string | undefined;
  return t ?? 'null';
}

/** Pod update validation (upstream ValidatePodUpdate without metadata). */
export function validatePodUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs = validatePodCreateLikeForUpdate(pod);
  const specPath = newPath('spec');
  const newSpec: PodSpec = pod.spec ?? { containers: [] };
  const oldSpec: PodSpec = old.spec ?? { containers: [] };
  for (const key of ['containers', 'initContainers'] as const) {
    const nc = newSpec[key] ?? [];
    const oc = oldSpec[key] ?? [];
    if (nc.length !== oc.length) {
      errs.push(forbidden(specPath.child(key), 'pod updates may not add or remove containers'));
      return errs;
    }
    nc.forEach((c, i) => {
      if (!c.image) errs.push(required(specPath.child(key).index(i).child('image')));
    });
  }
  const nad = newSpec.activeDeadlineSeconds;
  const oad = oldSpec.activeDeadlineSeconds;
  if (nad !== undefined) {
    if (nad < 0 || nad > MAX_INT32) {
      errs.push(
        invalid(specPath.child('activeDeadlineSeconds'), nad, inclusiveRangeError(0, MAX_INT32)),
      );
      return errs;
    }
    if (oad !== undefined && oad < nad) {
      errs.push(
        invalid(
          specPath.child('activeDeadlineSeconds'),
          nad,
          'must be less than or equal to previous value',
        ),
      );
      return errs;
    }
  } else if (oad !== undefined) {
    errs.push(
      invalid(
        specPath.child('activeDeadlineSeconds'),
        null,
        'must not update from a positive integer to nil value',
      ),
    );
  }
  // Only additions to tolerations (tolerationSeconds of existing ones may change).
  const newTols = newSpec.tolerations ?? [];
  for (const ot of oldSpec.tolerations ?? []) {
    const found = newTols.some((nt) =>
      semanticEqual({ ...ot, tolerationSeconds: nt.tolerationSeconds }, nt),
    );
    if (!found) {
      errs.push(
        forbidden(
          specPath.child('tolerations'),
          'existing toleration can not be modified except its tolerationSeconds',
        ),
      );
      break;
    }
  }
  const oldGates = new Set((oldSpec.schedulingGates ?? []).map((g) => g.name));
  (newSpec.schedulingGates ?? []).forEach((g, i) => {
    if (!oldGates.has(g.name)) {
      errs.push(
        forbidden(
          specPath.child('schedulingGates').index(i).child('name'),
          `only deletion is allowed, but found new scheduling gate '${g.name}'`,
        ),
      );
    }
  });
  if (semanticEqual(newSpec, oldSpec)) return errs;
  const munged = cloneJson(newSpec);
  munged.containers = (asArr(munged.containers) as Container[]).map((c, i) => ({
    ...c,
    image: oldSpec.containers[i]?.image ?? '',
  }));
  if (munged.initContainers) {
    munged.initContainers = munged.initContainers.map((c, i) => ({
      ...c,
      image: oldSpec.initContainers?.[i]?.image ?? '',
    }));
  }
  setOrDelete(munged, 'activeDeadlineSeconds', oldSpec.activeDeadlineSeconds);
  setOrDelete(munged, 'schedulingGates', oldSpec.schedulingGates);
  setOrDelete(munged, 'tolerations', oldSpec.tolerations);
  const oldGrace = oldSpec.terminationGracePeriodSeconds;
  if (oldGrace !== undefined && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (oldGates.size > 0) {
    // Gated pods may add nodeSelector entries (no deletions or mutations).
    const ons = oldSpec.nodeSelector ?? {};
    const nns = munged.nodeSelector ?? {};
    if (!semanticEqual(ons, nns)) {
      for (const [k, v] of Object.entries(ons)) {
        if (nns[k] !== v) {
          errs.push(
            invalid(
              specPath.child('nodeSelector'),
              nns,
              'only additions to spec.nodeSelector are allowed (no mutations or deletions)',
            ),
          );
          break;
        }
      }
      setOrDelete(munged, 'nodeSelector', oldSpec.nodeSelector);
    }
  }
  if (!semanticEqual(munged, oldSpec)) {
    const diff = jsonDiff(oldSpec, munged).join('\n');
    errs.push(
      forbidden(
        specPath,
        `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff}`,
      ),
    );
  }
  return errs;
}

function validatePodCreateLikeForUpdate(pod: Pod): FieldError[] {
  const errs = validatePodSpec(pod.spec, newPath('spec'), { resourceIsPod: true });
  errs.push(...validateContainersOnlyForPod(pod.spec));
  return errs;
}

function setOrDelete<K extends keyof PodSpec>(spec: PodSpec, key: K, value: PodSpec[K]): void {
  if (value === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
    delete spec[key];
  } else {
    spec[key] = value;
  }
}

/** Pod status update validation (upstream ValidatePodStatusUpdate without metadata). */
export function validatePodStatusUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const status = newPath('status');
  if ((pod.spec?.nodeName ?? '') !== (old.spec?.nodeName ?? '')) {
    errs.push(forbidden(status.child('nodeName'), 'may not be changed directly'));
  }
  const nnn = pod.status?.nominatedNodeName ?? '';
  if (nnn !== (old.status?.nominatedNodeName ?? '') && nnn.length > 0) {
    for (const m of nameIsDNSSubdomain(nnn, false))
      errs.push(invalid(status.child('nominatedNodeName'), nnn, m));
  }
  const system = ['PodScheduled', 'Ready', 'Initialized'];
  (pod.status?.conditions ?? []).forEach((c, i) => {
    if (!system.includes(c.type)) {
      errs.push(
        ...validateLabelName(c.type, newPath('metadata', 'conditions').index(i).child('Type')),
      );
    }
  });
  if (old.status?.qosClass !== undefined || pod.status?.qosClass !== undefined) {
    if ((pod.status?.qosClass ?? '') !== (old.status?.qosClass ?? '')) {
      errs.push(
        invalid(status.child('qosClass'), pod.status?.qosClass ?? '', 'field is immutable'),
      );
    }
  }
  (pod.status?.podIPs ?? []).forEach((ip, i) =>
    errs.push(...isValidIP(status.child('podIPs').index(i), ip.ip ?? '')),
  );
  const hostIPs = pod.status?.hostIPs ?? [];
  if (hostIPs.length > 0) {
    if ((pod.status?.hostIP ?? '') !== hostIPs[0]?.ip) {
      errs.push(
        invalid(
          status.child('hostIPs').index(0).child('ip'),
          hostIPs[0]?.ip ?? '',
          'must be equal to `hostIP`',
        ),
      );
    }
    hostIPs.forEach((ip, i) =>
      errs.push(...isValidIP(status.child('hostIPs').index(i), ip.ip ?? '')),
    );
  }
  return errs;
}
