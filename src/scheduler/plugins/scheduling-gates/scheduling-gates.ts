/** SchedulingGates PreEnqueue plugin (upstream plugins/schedulinggates). */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { Code, Status } from '../../framework/index.ts';
import type { PluginFactory, PreEnqueuePlugin } from '../../framework/index.ts';

/** Registry name. */
export const NAME = 'SchedulingGates';

/** Keeps gated pods out of the active queue. */
export class SchedulingGates implements PreEnqueuePlugin {
  readonly name = NAME;

  preEnqueue(pod: Pod): Status {
    const gates = pod.spec?.schedulingGates ?? [];
    if (gates.length === 0) return Status.SUCCESS;
    return Status.new(
      Code.UnschedulableAndUnresolvable,
      `waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`,
    );
  }
}

/** Factory for the registry. */
export const newSchedulingGates: PluginFactory = () => new SchedulingGates();
