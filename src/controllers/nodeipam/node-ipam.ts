/**
 * The node IPAM controller with upstream's range allocator (pkg/controller/nodeipam,
 * `--allocate-node-cidrs`, `--cluster-cidr`, `--node-cidr-mask-size`; IPv4): every Node gets a
 * pod CIDR out of the cluster CIDR in `spec.podCIDR`/`spec.podCIDRs`, which its kubelet and the
 * network plugin (the CNI bridge's host-local IPAM, later our network agent) hand pod IPs from.
 * At start the CIDRs that Nodes already have are marked used before any is handed out; a
 * deleted Node's CIDR is released. A CIDR outside the cluster CIDR (a simulated node's own) is
 * left alone. When the range is exhausted the Node gets a `CIDRNotAvailable` event and is
 * retried with back-off, as upstream.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { BUILTIN_RESOURCES } from '../../client/index.ts';
import type {
  Clientset,
  DeletedFinalStateUnknown,
  EventRecorder,
  InformerFactory,
  Lister,
  SharedInformer,
} from '../../client/index.ts';
import { Controller, NOOP_LOGGER, errorMessage, unwrapTombstone } from '../shared/index.ts';
import type { ControllerLogger } from '../shared/index.ts';
import { CidrSet, NoCidrsRemainingError } from './cidr-set.ts';

/** k3s's default cluster CIDR (upstream has none: --cluster-cidr is required there). */
export const DEFAULT_CLUSTER_CIDR = '10.42.0.0/16';
/** upstream's default --node-cidr-mask-size for IPv4. */
export const DEFAULT_NODE_CIDR_MASK_SIZE = 24;

/** What the controller needs. */
export interface NodeIpamControllerOptions {
  readonly clientset: Clientset;
  readonly informers: InformerFactory;
  readonly recorder: EventRecorder;
  /** Default {@link DEFAULT_CLUSTER_CIDR}. */
  readonly clusterCidr?: string;
  /** Default {@link DEFAULT_NODE_CIDR_MASK_SIZE}. */
  readonly nodeCidrMaskSize?: number;
  readonly logger?: ControllerLogger;
}

/** The node IPAM controller; see the module comment. */
export class NodeIpamController {
  readonly cidrs: CidrSet;
  private readonly controller: Controller;
  private readonly lister: Lister<Node>;
  private readonly informer: SharedInformer<Node>;
  private readonly logger: ControllerLogger;
  /** The CIDR each node holds in {@link cidrs} (allocated or occupied), by node name. */
  private readonly held = new Map<string, string>();
  private occupiedExisting = false;

  /** Throws when the cluster CIDR or the mask size is invalid. */
  constructor(private readonly opts: NodeIpamControllerOptions) {
    this.cidrs = new CidrSet(
      opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR,
      opts.nodeCidrMaskSize ?? DEFAULT_NODE_CIDR_MASK_SIZE,
    );
    this.logger = opts.logger ?? NOOP_LOGGER;
    this.informer = opts.informers.informer<Node>(BUILTIN_RESOURCES.nodes);
    this.lister = this.informer.lister;
    this.controller = new Controller({
      name: 'node-ipam',
      sync: (key) => this.sync(key),
      informers: [this.informer],
      logger: this.logger,
    });
    this.informer.addEventHandler({
      onAdd: (n) => {
        this.enqueue(n);
      },
      onUpdate: (old, n) => {
        if (old.spec?.podCIDR !== n.spec?.podCIDR || n.spec?.podCIDR === undefined) this.enqueue(n);
      },
      onDelete: (n) => {
        this.onDelete(n);
      },
    });
  }

  /** Waits for the Nodes' cache, marks their CIDRs used, then allocates until `signal` aborts. */
  async run(signal: AbortSignal, workers = 1): Promise<void> {
    await this.controller.run(signal, workers);
  }

  private enqueue(n: Node): void {
    this.controller.queue.add(n.metadata?.name ?? '');
  }

  private onDelete(obj: Node | DeletedFinalStateUnknown<Node>): void {
    const name = unwrapTombstone(obj).metadata?.name ?? '';
    // Through the queue, so the release is ordered with any allocation in flight for the name.
    this.controller.queue.add(name);
  }

  /** upstream's occupy pass over the nodes that exist when the controller starts. */
  private occupyExisting(): void {
    if (this.occupiedExisting) return;
    this.occupiedExisting = true;
    for (const n of this.lister.list()) this.occupy(n);
  }

  private occupy(n: Node): void {
    const name = n.metadata?.name ?? '';
    const cidr = n.spec?.podCIDRs?.[0] ?? n.spec?.podCIDR ?? '';
    if (cidr === '' || this.held.get(name) === cidr) return;
    try {
      if (this.cidrs.occupy(cidr)) this.held.set(name, cidr);
    } catch (err) {
      this.logger.error('cannot occupy the pod CIDR of a node', {
        node: name,
        cidr,
        err: errorMessage(err),
      });
    }
  }

  /** Gives node `name` a pod CIDR when it has none; releases a deleted node's. */
  async sync(name: string): Promise<void> {
    this.occupyExisting();
    const node = this.lister.get('', name);
    if (node === undefined) {
      const cidr = this.held.get(name);
      if (cidr !== undefined) {
        this.cidrs.release(cidr);
        this.held.delete(name);
      }
      return;
    }
    if ((node.spec?.podCIDRs?.[0] ?? node.spec?.podCIDR ?? '') !== '') {
      this.occupy(node);
      return;
    }
    let cidr = this.held.get(name);
    if (cidr === undefined) {
      try {
        cidr = this.cidrs.allocateNext();
      } catch (err) {
        if (err instanceof NoCidrsRemainingError) {
          this.opts.recorder.event(
            node,
            'Normal',
            'CIDRNotAvailable',
            `Node ${name} status is now: CIDRNotAvailable`,
          );
        }
        throw err;
      }
      this.held.set(name, cidr);
    }
    try {
      await this.opts.clientset.nodes.patch('', name, 'strategic', {
        spec: { podCIDR: cidr, podCIDRs: [cidr] },
      });
      this.logger.info('set the pod CIDR of a node', { node: name, cidr });
    } catch (err) {
      // upstream releases the CIDR when the update fails; the retry allocates again.
      this.cidrs.release(cidr);
      this.held.delete(name);
      throw err;
    }
  }
}
