/**
 * Feeds the Node authorizer's graph (api/noderestriction NodeGraph) from storage: a watch per
 * resource it covers (pods, persistent volumes, volume attachments), as upstream's node
 * authorizer feeds its graph from informers. Only the references the graph needs are kept,
 * not the objects. After a watch failure the resource is listed again and every object
 * re-added (the graph's updates are idempotent); a pod deleted during the gap keeps its edges
 * until its node next changes it, as with a stale informer.
 */
import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import type { VolumeAttachment } from 'kubernetes-types/storage/v1.js';
import { NodeGraph } from '../../api/index.ts';
import type { Scheme } from '../../api/index.ts';
import type { Storage, StoredObject } from '../../storage/index.ts';

type Handlers = {
  added(obj: StoredObject): void;
  modified(prev: StoredObject | undefined, obj: StoredObject): void;
  deleted(obj: StoredObject): void;
};

export class NodeGraphFeed {
  readonly graph = new NodeGraph();
  private readonly stop = new AbortController();
  private readonly loops: Promise<void>[];
  private readonly synced: Promise<void>[] = [];

  constructor(storage: Storage, scheme: Scheme) {
    const g = this.graph;
    const feeds: [string, string, Handlers][] = [
      [
        '',
        'pods',
        {
          added: (o) => {
            g.onPodAdd(o as unknown as Pod);
          },
          modified: (p, o) => {
            g.onPodUpdate(p as unknown as Pod | undefined, o as unknown as Pod);
          },
          deleted: (o) => {
            g.onPodDelete(o as unknown as Pod);
          },
        },
      ],
      [
        '',
        'persistentvolumes',
        {
          added: (o) => {
            g.onPersistentVolume(o as unknown as PersistentVolume);
          },
          modified: (_p, o) => {
            g.onPersistentVolume(o as unknown as PersistentVolume);
          },
          deleted: (o) => {
            g.onPersistentVolumeDelete(o as unknown as PersistentVolume);
          },
        },
      ],
      [
        'storage.k8s.io',
        'volumeattachments',
        {
          added: (o) => {
            g.onVolumeAttachment(undefined, o as unknown as VolumeAttachment);
          },
          modified: (p, o) => {
            g.onVolumeAttachment(
              p as unknown as VolumeAttachment | undefined,
              o as unknown as VolumeAttachment,
            );
          },
          deleted: (o) => {
            g.onVolumeAttachmentDelete(o as unknown as VolumeAttachment);
          },
        },
      ],
    ];
    this.loops = feeds.map(([group, resource, handlers]) => {
      const info = scheme.byGroupResource({ group, resource });
      if (info === undefined) return Promise.resolve();
      let markSynced: () => void = () => undefined;
      this.synced.push(
        new Promise<void>((resolve) => {
          markSynced = resolve;
        }),
      );
      return this.run(storage, `${info.storagePrefix ?? ''}/`, handlers, () => {
        markSynced();
      });
    });
  }

  /** Resolves once every resource was listed into the graph. */
  async ready(): Promise<void> {
    await Promise.all(this.synced);
  }

  private async run(
    storage: Storage,
    prefix: string,
    h: Handlers,
    synced: () => void,
  ): Promise<void> {
    let delay = 100;
    while (!this.stop.signal.aborted) {
      try {
        for await (const ev of storage.watch(prefix, {
          recursive: true,
          initialEventsEnd: true,
          signal: this.stop.signal,
        })) {
          if (ev.type === 'BOOKMARK') {
            if (ev.initialEventsEnd === true) {
              synced();
              delay = 100;
            }
            continue;
          }
          if (ev.type === 'ADDED') h.added(ev.object);
          else if (ev.type === 'MODIFIED') h.modified(ev.prevObject, ev.object);
          else h.deleted(ev.object);
        }
      } catch {
        // Listed again after a pause (compaction, store restart).
      }
      if (this.stopped()) return;
      await new Promise((r) => setTimeout(r, delay).unref());
      delay = Math.min(delay * 2, 5000);
    }
  }

  /** A method, so the check after an await is not narrowed away. */
  private stopped(): boolean {
    return this.stop.signal.aborted;
  }

  async close(): Promise<void> {
    this.stop.abort();
    await Promise.all(this.loops);
  }
}
