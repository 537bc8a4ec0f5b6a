/**
 * Host adapters of the kubelet's pod workers, made only of the existing libraries' calls, in
 * the order docs/ARCHITECTURE.md ("Wiring the pod workers") gives:
 *
 * - {@link HostPodEnvironment}: volumes (`planPodVolumes` → projected tokens → `setUpVolume`,
 *   again on every sync), the pod cgroup (`planPodCgroups` + `CgroupFs.create`), the sandbox
 *   (`setUpPodSandboxNetwork` with the CNI chain, then hosts/resolv.conf/hostname files), each
 *   container's bundle (image layers unpacked, overlay rootfs mounted, subPaths prepared,
 *   environment resolved, `buildContainerSpec`), and teardown (CNI DEL and namespaces, killAll +
 *   destroy of the pod cgroup, volumes, pod dir);
 * - {@link StoreImageService}: the image store plus the registry client, with the pod's
 *   imagePullSecrets as credentials.
 *
 * State kept on disk so a restarted kubelet finds it: `<rootDir>/pods/<uid>/sandbox.json` (the
 * sandbox record), the netns under /run/netns, the bundles under `<rootDir>/containers/<id>`.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  ConfigMap,
  Container,
  EnvVar,
  Pod,
  Secret,
  ServiceAccountTokenProjection,
} from 'kubernetes-types/core/v1.js';
import { isNotFound } from '../../api/index.ts';
import type { Clientset } from '../../client/index.ts';
import { planNodeCgroups, planPodCgroups } from '../cgroups/index.ts';
import type { CgroupFs, CgroupLayout } from '../cgroups/index.ts';
import {
  RegistryClient,
  hostLayerHost,
  keyringFromPullSecrets,
  mountOverlay,
  unmountOverlay,
} from '../images/index.ts';
import type {
  CredentialKeyring,
  ImageRecord,
  ImageStore,
  LayerHost,
  RegistryTransport,
} from '../images/index.ts';
import { buildContainerSpec, parseGroup, parsePasswd } from '../runtime/index.ts';
import type {
  CreateContainerRequest,
  NodeInfo,
  PreparedMount,
  ResolvedEnvFromSource,
} from '../runtime/index.ts';
import {
  formatResolvConf,
  hostnameFileContent,
  netnsExists,
  nodenameForKernel,
  podDnsConfig,
  podHostnameAndDomain,
  podHostsFileContent,
  podPortMappings,
  removeSandboxFiles,
  sandboxNameForPod,
  sandboxNamespacePaths,
  setUpPodSandboxNetwork,
  tearDownPodSandboxNetwork,
  writeSandboxFiles,
} from '../sandbox/index.ts';
import type {
  CniClient,
  DnsConfigurerOptions,
  NetworkConfigList,
  PodSandboxNetworkRequest,
} from '../sandbox/index.ts';
import {
  TokenManager,
  extractContainerResourceValue,
  makeContainerMounts,
  mountFailedMessage,
  planPodVolumes,
  podFieldSelectorRuntimeValue,
  prefetchProjectedTokens,
  prepareSubPath,
  removePodDir,
  setUpVolume,
  tearDownPodVolumes,
} from '../volumes/index.ts';
import type { PlannedVolume } from '../volumes/index.ts';
import { traceStep, traced } from '../spawner/index.ts';
import { ContainerConfigError } from './environment.ts';
import type {
  ContainerBundleInput,
  ImageService,
  LocalImage,
  PodEnvironment,
  PodRef,
  PodSandbox,
} from './environment.ts';

/** Options of {@link HostPodEnvironment}. */
export interface HostPodEnvironmentOptions {
  /** The node's client: ConfigMaps, Secrets, service account tokens. */
  readonly clientset: Clientset;
  /** The kubelet's root directory (`pods/<uid>/volumes/...`, `containers/<id>`). */
  readonly rootDir: string;
  /** Directory of the sandboxes' IPC/UTS namespace files; default sandbox/'s. */
  readonly sandboxRunDir?: string;
  readonly cni: CniClient;
  /** The CNI chain (`defaultNetworkConfigList({ podCIDR })`). */
  readonly network: NetworkConfigList;
  readonly dns: DnsConfigurerOptions;
  readonly images: ImageStore;
  readonly layerHost?: LayerHost;
  /** The pod cgroups; without it pods run in runc's default cgroup (tests, no cgroups). */
  readonly cgroups?: { readonly fs: CgroupFs; readonly layout: CgroupLayout };
  /** Machine facts of the OCI spec (memory capacity, capabilities, cgroup v2). */
  readonly node: NodeInfo;
  readonly nodeName: string;
  readonly nodeIPs: readonly string[];
  /** status.allocatable of the node (downward API resource defaults, emptyDir memory). */
  readonly nodeAllocatable: Readonly<Record<string, string>>;
  readonly now?: () => number;
}

interface SandboxRecord extends PodSandbox {
  readonly pod: PodRef;
  /** The CNI container id of the attachment (DEL needs the same). */
  readonly cniId: string;
  readonly hostname: string;
  readonly files?: { hosts: string; resolvConf: string; hostname: string };
}

/** See the module comment. */
export class HostPodEnvironment implements PodEnvironment {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly tokens: TokenManager;
  private nodeCgroupsReady = false;
  private readonly now: () => number;

  constructor(private readonly opts: HostPodEnvironmentOptions) {
    this.now = opts.now ?? Date.now;
    this.tokens = new TokenManager({
      now: this.now,
      fetch: async (name, namespace, tr) =>
        (await opts.clientset.serviceAccounts.createSubresource(
          namespace,
          name,
          'token',
          tr,
        )) as typeof tr,
    });
  }

  private podDir(uid: string): string {
    return join(this.opts.rootDir, 'pods', uid);
  }

  private bundleDir(id: string): string {
    return join(this.opts.rootDir, 'containers', id);
  }

  private nsOptions(): { runDir?: string } {
    return this.opts.sandboxRunDir !== undefined ? { runDir: this.opts.sandboxRunDir } : {};
  }

  async setUpPod(pod: Pod, attempt: number, signal: AbortSignal): Promise<PodSandbox> {
    const m = pod.metadata ?? {};
    const ref: PodRef = { uid: m.uid ?? '', name: m.name ?? '', namespace: m.namespace ?? '' };
    const key = `${ref.namespace}/${ref.name}`;
    await mkdir(this.podDir(ref.uid), { recursive: true, mode: 0o750 });
    await traced(key, 'pod cgroup', () => this.ensurePodCgroup(pod));
    // A previous sandbox (dead, or from a crashed attempt) goes first: one sandbox per pod.
    await traced(key, 'stop old sandbox', () => this.stopSandbox(ref));
    const hostNetwork = pod.spec?.hostNetwork === true;
    const { hostname, hostDomain } = podHostnameAndDomain(pod, this.opts.dns.clusterDomain);
    const kernelName = nodenameForKernel(hostname, hostDomain, pod.spec?.setHostnameAsFQDN);
    let ips: string[] = [];
    let netnsPath: string | undefined;
    const name = sandboxNameForPod(ref.uid);
    const cniId = `${name}-${attempt}`;
    if (!hostNetwork) {
      const net = await traced(key, 'network', () =>
        setUpPodSandboxNetwork(
          this.opts.cni,
          this.opts.network,
          this.networkRequest(ref, cniId, kernelName, pod),
          signal,
        ),
      );
      ips = net.podIPs;
      netnsPath = net.namespaces.netnsPath;
    }
    const dnsConfig = podDnsConfig(pod, this.opts.dns).config;
    let nodeHosts = '';
    if (hostNetwork) nodeHosts = await readFile('/etc/hosts', 'utf8').catch(() => '');
    const files = await writeSandboxFiles(join(this.podDir(ref.uid), 'etc'), {
      hosts: podHostsFileContent({
        hostNetwork,
        podIPs: ips,
        hostname,
        hostDomain,
        ...(pod.spec?.hostAliases !== undefined ? { aliases: pod.spec.hostAliases } : {}),
        nodeHosts,
      }),
      resolvConf: formatResolvConf(dnsConfig),
      hostname: hostnameFileContent(hostNetwork ? this.opts.nodeName : kernelName),
    });
    const record: SandboxRecord = {
      id: cniId,
      attempt,
      ready: true,
      ips,
      hostNetwork,
      ...(netnsPath !== undefined ? { netnsPath } : {}),
      createdAt: this.now(),
      pod: ref,
      cniId,
      hostname: hostNetwork ? this.opts.nodeName : kernelName,
      files,
    };
    this.sandboxes.set(ref.uid, record);
    await writeFile(join(this.podDir(ref.uid), 'sandbox.json'), JSON.stringify(record));
    return publicSandbox(record);
  }

  private networkRequest(
    ref: PodRef,
    cniId: string,
    hostname: string | undefined,
    pod: Pod | undefined,
  ): PodSandboxNetworkRequest {
    return {
      name: sandboxNameForPod(ref.uid),
      sandboxId: cniId,
      pod: ref,
      ...(hostname !== undefined ? { hostname } : {}),
      ...(pod !== undefined ? { capabilityArgs: { portMappings: podPortMappings(pod) } } : {}),
      ...this.nsOptions(),
    };
  }

  /** {@link PodEnvironment.syncVolumes}: every planned volume set up or refreshed. */
  async syncVolumes(pod: Pod): Promise<void> {
    const plan = this.planVolumes(pod);
    const sources = await this.payloadSources(pod);
    for (const vol of plan) {
      try {
        await setUpVolume(vol, { pod, sources, now: () => new Date(this.now()) });
      } catch (err) {
        throw new Error(mountFailedMessage(vol.name, err), { cause: err });
      }
    }
  }

  private planVolumes(pod: Pod): PlannedVolume[] {
    const plan = planPodVolumes(pod, {
      root: this.opts.rootDir,
      ...(this.opts.nodeAllocatable['memory'] !== undefined
        ? { nodeAllocatableMemory: this.opts.nodeAllocatable['memory'] }
        : {}),
    });
    const first = plan.errors[0];
    if (first !== undefined) throw new Error(first.message);
    return plan.volumes;
  }

  private async payloadSources(pod: Pod) {
    const ns = pod.metadata?.namespace ?? '';
    const configMaps = new Map<string, ConfigMap>();
    const secrets = new Map<string, Secret>();
    const want = referencedObjects(pod);
    for (const name of want.configMaps) {
      const cm = await getOptional(() => this.opts.clientset.configMaps.get(ns, name));
      if (cm !== undefined) configMaps.set(name, cm);
    }
    for (const name of want.secrets) {
      const s = await getOptional(() => this.opts.clientset.secrets.get(ns, name));
      if (s !== undefined) secrets.set(name, s);
    }
    const tokens = await prefetchProjectedTokens(pod, this.tokens);
    return {
      configMap: (name: string) => configMaps.get(name),
      secret: (name: string) => secrets.get(name),
      serviceAccountToken: (p: ServiceAccountTokenProjection) => tokens.token(p),
      nodeAllocatable: this.opts.nodeAllocatable,
    };
  }

  /** {@link PodEnvironment.prepareNode}: the kubepods and QoS cgroups. */
  async prepareNode(): Promise<void> {
    const cg = this.opts.cgroups;
    if (cg === undefined || this.nodeCgroupsReady) return;
    for (const c of planNodeCgroups(cg.layout, new Map(), [])) {
      if (!(await cg.fs.exists(c.path))) await cg.fs.create(c.path, {});
    }
    this.nodeCgroupsReady = true;
  }

  private async ensurePodCgroup(pod: Pod): Promise<void> {
    const cg = this.opts.cgroups;
    if (cg === undefined) return;
    await this.prepareNode();
    const plan = planPodCgroups(cg.layout, pod);
    await cg.fs.create(plan.path, plan.resources);
  }

  async sandbox(pod: PodRef): Promise<PodSandbox | undefined> {
    let rec = this.sandboxes.get(pod.uid);
    if (rec === undefined) {
      try {
        const text = await readFile(join(this.podDir(pod.uid), 'sandbox.json'), 'utf8');
        rec = JSON.parse(text) as SandboxRecord;
        this.sandboxes.set(pod.uid, rec);
      } catch {
        return undefined;
      }
    }
    if (!rec.hostNetwork && rec.ready) {
      // The netns may be gone (host reboot): the sandbox then needs recreating.
      const alive = await netnsExists(sandboxNameForPod(pod.uid));
      if (!alive) {
        rec = { ...rec, ready: false, ips: [] };
        this.sandboxes.set(pod.uid, rec);
      }
    }
    return publicSandbox(rec);
  }

  async prepareContainer(input: ContainerBundleInput): Promise<CreateContainerRequest> {
    const { pod, container, sandbox, id } = input;
    const uid = pod.metadata?.uid ?? '';
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const t0 = performance.now();
    const record = await this.findImage(input.imageRef, container.image ?? '');
    const layers = await this.opts.images.unpackImage(
      record,
      this.opts.layerHost ?? hostLayerHost(),
    );
    const config = (await this.opts.images.imageConfig(record)).config ?? {};
    traceStep(key, 'image record', t0);
    const bundle = this.bundleDir(id);
    const rootfs = join(bundle, 'rootfs');
    await mkdir(join(bundle, 'upper'), { recursive: true });
    await mkdir(join(bundle, 'work'), { recursive: true });
    await mkdir(rootfs, { recursive: true });
    await traced(key, 'overlay', () =>
      mountOverlay({
        layers,
        upperDir: join(bundle, 'upper'),
        workDir: join(bundle, 'work'),
        target: rootfs,
      }),
    );
    const passwd = await readFile(join(rootfs, 'etc/passwd'), 'utf8').catch(() => '');
    const group = await readFile(join(rootfs, 'etc/group'), 'utf8').catch(() => '');

    const env = await this.resolveEnvironment(pod, container, sandbox);
    const volumes = this.planVolumes(pod);
    const mounts: PreparedMount[] = [];
    for (const m of makeContainerMounts(container, volumes, env.resolvedVars)) {
      mounts.push({
        hostPath: await prepareSubPath(m, container.name),
        containerPath: m.containerPath,
        readOnly: m.readOnly,
        propagation: m.propagation === 'Private' ? 'None' : m.propagation,
      });
    }
    const termDir = join(this.podDir(uid), 'containers', container.name);
    await mkdir(termDir, { recursive: true });
    const terminationLogPath = join(termDir, id.slice(0, 8));
    await writeFile(terminationLogPath, '', { mode: 0o666 });

    const rec = this.sandboxes.get(uid);
    const ns = sandboxNamespacePaths(sandboxNameForPod(uid), this.nsOptions());
    const cg = this.opts.cgroups;
    const qos = cg === undefined ? undefined : planPodCgroups(cg.layout, pod).qosClass;
    const spec = buildContainerSpec({
      pod,
      container,
      image: config,
      rootfs,
      env: env.resolved,
      mounts,
      terminationLogPath,
      sandbox: {
        hostname: rec?.hostname ?? pod.metadata?.name ?? '',
        ...(sandbox.hostNetwork
          ? {}
          : { namespaces: { network: ns.netnsPath, ipc: ns.ipcPath, uts: ns.utsPath } }),
        ...(rec?.files !== undefined ? { files: rec.files } : {}),
        id: sandbox.id,
      },
      users: { passwd: parsePasswd(passwd), group: parseGroup(group) },
      ...(cg !== undefined && qos !== undefined
        ? { cgroupsPath: cg.layout.runcCgroupsPath(qos, uid, id) }
        : {}),
      node: this.opts.node,
    });
    return {
      id,
      bundleDir: bundle,
      spec,
      logPath: input.logPath,
      labels: { ...input.labels },
    };
  }

  private async findImage(imageRef: string, image: string): Promise<ImageRecord> {
    const records = await this.opts.images.findImages(imageRef);
    const found = records[0] ?? (await this.opts.images.findImages(image))[0];
    if (found === undefined) throw new Error(`image ${JSON.stringify(image)} is not present`);
    return found;
  }

  /** The container's env values from the API (valueFrom, envFrom), as makeEnvironment wants. */
  private async resolveEnvironment(pod: Pod, container: Container, sandbox: PodSandbox) {
    const ns = pod.metadata?.namespace ?? '';
    const cms = new Map<string, ConfigMap | undefined>();
    const secrets = new Map<string, Secret | undefined>();
    const cm = async (name: string) => {
      if (!cms.has(name))
        cms.set(name, await getOptional(() => this.opts.clientset.configMaps.get(ns, name)));
      return cms.get(name);
    };
    const secret = async (name: string) => {
      if (!secrets.has(name))
        secrets.set(name, await getOptional(() => this.opts.clientset.secrets.get(ns, name)));
      return secrets.get(name);
    };
    const envFrom: ResolvedEnvFromSource[] = [];
    for (const src of container.envFrom ?? []) {
      const prefix = src.prefix !== undefined ? { prefix: src.prefix } : {};
      if (src.configMapRef !== undefined) {
        const obj = await cm(src.configMapRef.name ?? '');
        if (obj === undefined && src.configMapRef.optional !== true)
          throw new ContainerConfigError(`configmap "${src.configMapRef.name ?? ''}" not found`);
        envFrom.push({ ...prefix, ...(obj !== undefined ? { data: obj.data ?? {} } : {}) });
      } else if (src.secretRef !== undefined) {
        const obj = await secret(src.secretRef.name ?? '');
        if (obj === undefined && src.secretRef.optional !== true)
          throw new ContainerConfigError(`secret "${src.secretRef.name ?? ''}" not found`);
        envFrom.push({ ...prefix, ...(obj !== undefined ? { data: decodeSecret(obj) } : {}) });
      } else envFrom.push({ ...prefix });
    }
    const valueFrom: Record<string, string> = {};
    for (const e of container.env ?? []) {
      const v = await this.envValueFrom(pod, container, e, sandbox, cm, secret);
      if (v !== undefined) valueFrom[e.name] = v;
    }
    const resolvedVars = (container.env ?? []).map((e) => ({
      name: e.name,
      value: e.valueFrom !== undefined ? (valueFrom[e.name] ?? '') : (e.value ?? ''),
    }));
    return { resolved: { envFrom, valueFrom }, resolvedVars };
  }

  private async envValueFrom(
    pod: Pod,
    container: Container,
    e: EnvVar,
    sandbox: PodSandbox,
    cm: (name: string) => Promise<ConfigMap | undefined>,
    secret: (name: string) => Promise<Secret | undefined>,
  ): Promise<string | undefined> {
    const from = e.valueFrom;
    if (from === undefined) return undefined;
    if (from.fieldRef !== undefined) {
      return podFieldSelectorRuntimeValue(pod, from.fieldRef.fieldPath, {
        podIPs: sandbox.hostNetwork ? this.opts.nodeIPs : sandbox.ips,
        hostIPs: this.opts.nodeIPs,
      });
    }
    if (from.resourceFieldRef !== undefined) {
      const name = from.resourceFieldRef.containerName ?? '';
      const target =
        name === ''
          ? container
          : ([...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
              (c) => c.name === name,
            ) ?? container);
      const limits = { ...this.opts.nodeAllocatable, ...(target.resources?.limits ?? {}) };
      return extractContainerResourceValue(from.resourceFieldRef, {
        limits,
        ...(target.resources?.requests !== undefined
          ? { requests: target.resources.requests }
          : {}),
      });
    }
    if (from.configMapKeyRef !== undefined) {
      const ref = from.configMapKeyRef;
      const obj = await cm(ref.name ?? '');
      const v = obj?.data?.[ref.key];
      if (v === undefined && ref.optional !== true) {
        throw new ContainerConfigError(
          obj === undefined
            ? `configmap "${ref.name ?? ''}" not found`
            : `couldn't find key ${ref.key} in ConfigMap ${pod.metadata?.namespace ?? ''}/${ref.name ?? ''}`,
        );
      }
      return v;
    }
    if (from.secretKeyRef !== undefined) {
      const ref = from.secretKeyRef;
      const obj = await secret(ref.name ?? '');
      const v = obj === undefined ? undefined : decodeSecret(obj)[ref.key];
      if (v === undefined && ref.optional !== true) {
        throw new ContainerConfigError(
          obj === undefined
            ? `secret "${ref.name ?? ''}" not found`
            : `couldn't find key ${ref.key} in Secret ${pod.metadata?.namespace ?? ''}/${ref.name ?? ''}`,
        );
      }
      return v;
    }
    return undefined;
  }

  async cleanupContainer(id: string): Promise<void> {
    const bundle = this.bundleDir(id);
    await unmountOverlay(join(bundle, 'rootfs')).catch(() => undefined);
    await rm(bundle, { recursive: true, force: true });
  }

  async stopSandbox(pod: PodRef): Promise<void> {
    const rec = this.sandboxes.get(pod.uid) ?? (await this.readRecord(pod.uid));
    const name = sandboxNameForPod(pod.uid);
    if (rec !== undefined && !rec.hostNetwork) {
      await tearDownPodSandboxNetwork(
        this.opts.cni,
        this.opts.network,
        this.networkRequest(pod, rec.cniId, undefined, undefined),
      );
    } else if (rec === undefined && (await netnsExists(name))) {
      await tearDownPodSandboxNetwork(
        this.opts.cni,
        this.opts.network,
        this.networkRequest(pod, name, undefined, undefined),
      );
    }
    if (rec !== undefined) {
      const stopped: SandboxRecord = { ...rec, ready: false, ips: [] };
      this.sandboxes.set(pod.uid, stopped);
      await writeFile(join(this.podDir(pod.uid), 'sandbox.json'), JSON.stringify(stopped)).catch(
        () => undefined,
      );
    }
  }

  private async readRecord(uid: string): Promise<SandboxRecord | undefined> {
    try {
      return JSON.parse(
        await readFile(join(this.podDir(uid), 'sandbox.json'), 'utf8'),
      ) as SandboxRecord;
    } catch {
      return undefined;
    }
  }

  async tearDownPod(pod: PodRef): Promise<void> {
    await this.stopSandbox(pod);
    const cg = this.opts.cgroups;
    if (cg !== undefined) {
      for (const qos of ['Guaranteed', 'Burstable', 'BestEffort'] as const) {
        const path = cg.layout.path(cg.layout.pod(qos, pod.uid));
        if (!(await cg.fs.exists(path))) continue;
        await cg.fs.killAll(path);
        await cg.fs.destroy(path);
      }
    }
    await removeSandboxFiles(join(this.podDir(pod.uid), 'etc')).catch(() => undefined);
    await rm(join(this.podDir(pod.uid), 'sandbox.json'), { force: true });
    await rm(join(this.podDir(pod.uid), 'containers'), { recursive: true, force: true });
    await tearDownPodVolumes(this.opts.rootDir, pod.uid);
    await removePodDir(this.opts.rootDir, pod.uid);
    this.sandboxes.delete(pod.uid);
  }

  async listPods(): Promise<PodRef[]> {
    let uids: string[];
    try {
      uids = await readdir(join(this.opts.rootDir, 'pods'));
    } catch {
      return [];
    }
    const out: PodRef[] = [];
    for (const uid of uids) {
      const rec = await this.readRecord(uid);
      out.push(rec?.pod ?? { uid, name: '', namespace: '' });
    }
    return out;
  }
}

function publicSandbox(rec: SandboxRecord): PodSandbox {
  return {
    id: rec.id,
    attempt: rec.attempt,
    ready: rec.ready,
    ips: [...rec.ips],
    hostNetwork: rec.hostNetwork,
    ...(rec.netnsPath !== undefined ? { netnsPath: rec.netnsPath } : {}),
    createdAt: rec.createdAt,
  };
}

async function getOptional<T>(get: () => Promise<T>): Promise<T | undefined> {
  try {
    return await get();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function decodeSecret(s: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString();
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

/** ConfigMaps and Secrets a pod's volumes reference (projected sources included). */
function referencedObjects(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap?.name !== undefined) configMaps.add(v.configMap.name);
    if (v.secret?.secretName !== undefined) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name !== undefined) configMaps.add(s.configMap.name);
      if (s.secret?.name !== undefined) secrets.add(s.secret.name);
    }
  }
  return { configMaps, secrets };
}

/** Options of {@link StoreImageService}. */
export interface StoreImageServiceOptions {
  readonly store: ImageStore;
  readonly transport: RegistryTransport;
  /** Reads the pods' imagePullSecrets. */
  readonly clientset: Clientset;
  /** Credentials used when a pod has no pull secrets (a docker config.json keyring). */
  readonly defaultKeyring?: CredentialKeyring;
  readonly insecureRegistries?: readonly string[];
}

/** {@link ImageService} over the image store and the OCI distribution client. */
export class StoreImageService implements ImageService {
  constructor(private readonly opts: StoreImageServiceOptions) {}

  async present(image: string): Promise<LocalImage | undefined> {
    let records: ImageRecord[];
    try {
      records = await this.opts.store.findImages(image);
    } catch {
      return undefined;
    }
    const r = records[0];
    return r === undefined ? undefined : toLocal(r);
  }

  async pull(image: string, pod: Pod, signal: AbortSignal): Promise<LocalImage> {
    const ns = pod.metadata?.namespace ?? '';
    const secrets: Secret[] = [];
    for (const ref of pod.spec?.imagePullSecrets ?? []) {
      const s = await getOptional(() => this.opts.clientset.secrets.get(ns, ref.name ?? ''));
      if (s !== undefined) secrets.push(s);
    }
    const keyring = secrets.length > 0 ? keyringFromPullSecrets(secrets) : this.opts.defaultKeyring;
    const client = new RegistryClient({
      transport: this.opts.transport,
      ...(keyring !== undefined ? { keyring } : {}),
      ...(this.opts.insecureRegistries !== undefined
        ? { insecureRegistries: this.opts.insecureRegistries }
        : {}),
    });
    return toLocal(await client.pull(image, this.opts.store, { signal }));
  }

  async list(): Promise<{ names: string[]; sizeBytes: number }[]> {
    return (await this.opts.store.listImages()).map((r) => ({
      names: [repoDigest(r), r.name],
      sizeBytes: r.size,
    }));
  }
}

/** `docker.io/library/busybox:1.36` + digest → `docker.io/library/busybox@sha256:…`. */
function repoDigest(r: ImageRecord): string {
  const at = r.name.indexOf('@');
  if (at >= 0) return r.name;
  const slash = r.name.lastIndexOf('/');
  const colon = r.name.lastIndexOf(':');
  const repo = colon > slash ? r.name.slice(0, colon) : r.name;
  return `${repo}@${r.digest}`;
}

function toLocal(r: ImageRecord): LocalImage {
  return { imageRef: repoDigest(r), size: r.size };
}
