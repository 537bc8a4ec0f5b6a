/**
 * One shared informer per resource for a whole component (client-go SharedInformerFactory):
 * controllers that watch the same resource share one list+watch and one cache.
 */
import type { Clientset } from '../clientset.ts';
import type { GroupVersionResource, KubeObject } from '../types.ts';
import { SharedInformer } from './shared-informer.ts';
import type { SharedInformerOptions } from './shared-informer.ts';

/** Options applied to every informer of the factory. */
export type InformerFactoryOptions = Pick<
  SharedInformerOptions,
  'resyncMs' | 'pageSize' | 'backoffMs' | 'onError' | 'namespace' | 'transform'
>;

/** Makes and runs shared informers; see the module comment. */
export class InformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private readonly running: Promise<void>[] = [];
  private signal: AbortSignal | undefined;

  constructor(
    private readonly clientset: Clientset,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /**
   * The shared informer of `gvr` (made on first use). An informer asked for after `start`
   * starts at once.
   */
  informer<T extends KubeObject>(gvr: GroupVersionResource): SharedInformer<T> {
    const key = `${gvr.group}/${gvr.version}/${gvr.resource}`;
    let inf = this.informers.get(key);
    if (inf === undefined) {
      inf = new SharedInformer<KubeObject>(this.clientset.resource<KubeObject>(gvr), this.opts);
      this.informers.set(key, inf);
      if (this.signal !== undefined) this.running.push(inf.run(this.signal));
    }
    return inf as unknown as SharedInformer<T>;
  }

  /** Starts every informer made so far (and later ones) until `signal` aborts. */
  start(signal: AbortSignal): void {
    if (this.signal !== undefined) return;
    this.signal = signal;
    for (const inf of this.informers.values()) this.running.push(inf.run(signal));
  }

  /** Resolves once every informer made so far has synced (or `signal` aborts). */
  async waitForCacheSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
  }

  /** Resolves once every running informer has stopped (after the start signal aborted). */
  async stopped(): Promise<void> {
    await Promise.all(this.running);
  }
}
