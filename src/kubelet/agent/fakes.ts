/**
 * In-memory {@link PodEnvironment} and {@link ImageService} for tests of the kubelet (and for
 * running a {@link Kubelet} on the SimulatedRuntime): sandboxes get IPs from 10.88.0.0/16,
 * bundles are never written, images are a set of names. Every call is recorded.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { OCI_VERSION } from '../runtime/index.ts';
import type { CreateContainerRequest } from '../runtime/index.ts';
import type {
  ContainerBundleInput,
  ImageService,
  LocalImage,
  PodEnvironment,
  PodRef,
  PodSandbox,
} from './environment.ts';

/** See the module comment. */
export class FakePodEnvironment implements PodEnvironment {
  readonly sandboxes = new Map<string, PodSandbox>();
  /** Pods with host state (set up and not torn down). */
  readonly podsWithState = new Map<string, PodRef>();
  /** `volumes <uid>`, `setUp <uid>`, `stopSandbox <uid>`, `tearDown <uid>`, `prepare <name>`, `cleanup <id>`. */
  readonly calls: string[] = [];
  /** Makes setUpPod fail with this message while set. */
  setUpError: string | undefined;
  /** Makes syncVolumes fail with this message while set. */
  volumeError: string | undefined;
  /** Makes prepareContainer fail with this error while set. */
  prepareError: Error | undefined;
  private nextIp = 2;

  constructor(private readonly now: () => number = Date.now) {}

  setUpPod(pod: Pod, attempt: number): Promise<PodSandbox> {
    const m = pod.metadata ?? {};
    const uid = m.uid ?? '';
    this.calls.push(`setUp ${uid}`);
    if (this.setUpError !== undefined) return Promise.reject(new Error(this.setUpError));
    const hostNetwork = pod.spec?.hostNetwork === true;
    const ip = `10.88.${Math.floor(this.nextIp / 256)}.${this.nextIp % 256}`;
    this.nextIp++;
    const sandbox: PodSandbox = {
      id: `sandbox-${uid}-${attempt}`,
      attempt,
      ready: true,
      ips: hostNetwork ? [] : [ip],
      hostNetwork,
      ...(hostNetwork ? {} : { netnsPath: `/run/netns/fake-${uid}` }),
      createdAt: this.now(),
    };
    this.sandboxes.set(uid, sandbox);
    this.podsWithState.set(uid, { uid, name: m.name ?? '', namespace: m.namespace ?? '' });
    return Promise.resolve(sandbox);
  }

  syncVolumes(pod: Pod): Promise<void> {
    this.calls.push(`volumes ${pod.metadata?.uid ?? ''}`);
    if (this.volumeError !== undefined) return Promise.reject(new Error(this.volumeError));
    return Promise.resolve();
  }

  sandbox(pod: PodRef): Promise<PodSandbox | undefined> {
    return Promise.resolve(this.sandboxes.get(pod.uid));
  }

  prepareContainer(input: ContainerBundleInput): Promise<CreateContainerRequest> {
    this.calls.push(`prepare ${input.container.name}`);
    if (this.prepareError !== undefined) return Promise.reject(this.prepareError);
    return Promise.resolve({
      id: input.id,
      bundleDir: `/fake/bundles/${input.id}`,
      logPath: input.logPath,
      labels: { ...input.labels },
      spec: {
        ociVersion: OCI_VERSION,
        process: {
          user: { uid: 0, gid: 0 },
          args: [...(input.container.command ?? []), ...(input.container.args ?? [])],
          env: [],
          cwd: '/',
        },
        root: { path: `/fake/bundles/${input.id}/rootfs` },
        mounts: [],
        linux: { namespaces: [] },
      },
    });
  }

  cleanupContainer(id: string): Promise<void> {
    this.calls.push(`cleanup ${id}`);
    return Promise.resolve();
  }

  stopSandbox(pod: PodRef): Promise<void> {
    this.calls.push(`stopSandbox ${pod.uid}`);
    const s = this.sandboxes.get(pod.uid);
    if (s !== undefined) this.sandboxes.set(pod.uid, { ...s, ready: false, ips: [] });
    return Promise.resolve();
  }

  tearDownPod(pod: PodRef): Promise<void> {
    this.calls.push(`tearDown ${pod.uid}`);
    this.sandboxes.delete(pod.uid);
    this.podsWithState.delete(pod.uid);
    return Promise.resolve();
  }

  listPods(): Promise<PodRef[]> {
    return Promise.resolve([...this.podsWithState.values()]);
  }
}

/** Images present by name; pulls succeed unless the name is in `failing`. */
export class FakeImageService implements ImageService {
  readonly present_ = new Set<string>();
  /** Pull errors by image name. */
  readonly failing = new Map<string, string>();
  readonly pulls: string[] = [];

  constructor(present: readonly string[] = []) {
    for (const p of present) this.present_.add(p);
  }

  present(image: string): Promise<LocalImage | undefined> {
    return Promise.resolve(this.present_.has(image) ? this.local(image) : undefined);
  }

  pull(image: string): Promise<LocalImage> {
    this.pulls.push(image);
    const err = this.failing.get(image);
    if (err !== undefined) return Promise.reject(new Error(err));
    this.present_.add(image);
    return Promise.resolve(this.local(image));
  }

  list(): Promise<{ names: string[]; sizeBytes: number }[]> {
    return Promise.resolve([...this.present_].map((n) => ({ names: [n], sizeBytes: 1000 })));
  }

  private local(image: string): LocalImage {
    return { imageRef: `${image}@sha256:${'0'.repeat(64)}`, size: 1000 };
  }
}
