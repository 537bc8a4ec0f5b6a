/**
 * Plugin result codes and the Status value (upstream framework.Code / framework.Status).
 * Plugins return a Status for every outcome, including failures; they never throw for a normal
 * "does not fit" answer.
 */

/** Result codes, in upstream's numeric order. */
export const Code = {
  /** The plugin ran correctly and found the pod schedulable (or the step succeeded). */
  Success: 0,
  /** An internal error, not a scheduling verdict; the pod is retried later. */
  Error: 1,
  /** The pod does not fit now; preemption may help. */
  Unschedulable: 2,
  /** The pod does not fit and preemption on this node would not help. */
  UnschedulableAndUnresolvable: 3,
  /** Permit: the pod waits for an approval before binding. */
  Wait: 4,
  /** The plugin has nothing to do for this pod (PreFilter, PreScore, Bind). */
  Skip: 5,
  /** The pod is waiting for something outside the scheduler (upstream Pending). */
  Pending: 6,
} as const;
/** One of {@link Code}. */
export type Code = (typeof Code)[keyof typeof Code];

const codeNames: readonly string[] = [
  'Success',
  'Error',
  'Unschedulable',
  'UnschedulableAndUnresolvable',
  'Wait',
  'Skip',
  'Pending',
];

/** The upstream name of a code (`Code.String()`). */
export function codeString(code: Code): string {
  return codeNames[code] ?? `Unknown Code(${code})`;
}

/**
 * The outcome of a plugin or extension point. Immutable apart from the failing plugin, which the
 * runtime records once (`withPlugin`). `reasons` are the human-readable parts that FitError
 * counts per node, so each reason must be stable text (`Insufficient cpu`).
 */
export class Status {
  #plugin: string;

  private constructor(
    readonly code: Code,
    readonly reasons: readonly string[],
    /** The error behind a Code.Error status, if any. */
    readonly err: Error | undefined,
    plugin: string,
  ) {
    this.#plugin = plugin;
  }

  /** The shared Success status. */
  static readonly SUCCESS: Status = new Status(Code.Success, [], undefined, '');

  /** A status with the given code and reasons. */
  static new(code: Code, ...reasons: string[]): Status {
    if (code === Code.Success && reasons.length === 0) return Status.SUCCESS;
    return new Status(code, reasons, undefined, '');
  }

  /** A Code.Error status wrapping `err` (upstream AsStatus); its message is the reason. */
  static asStatus(err: Error): Status {
    return new Status(Code.Error, [err.message], err, '');
  }

  /** The failing plugin's name, '' when not recorded. */
  get plugin(): string {
    return this.#plugin;
  }

  /**
   * Records the plugin that produced this status; returns this (or a copy for the shared
   * success singleton) so that it can be chained.
   */
  withPlugin(name: string): Status {
    if (this === Status.SUCCESS) return new Status(Code.Success, [], undefined, name);
    this.#plugin = name;
    return this;
  }

  /** True for Success. */
  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  /** True for Unschedulable, UnschedulableAndUnresolvable and Pending (upstream IsRejected). */
  isRejected(): boolean {
    return (
      this.code === Code.Unschedulable ||
      this.code === Code.UnschedulableAndUnresolvable ||
      this.code === Code.Pending
    );
  }

  /** True for Skip. */
  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  /** True for Wait. */
  isWait(): boolean {
    return this.code === Code.Wait;
  }

  /** The reasons joined with ", " (upstream Message()). */
  message(): string {
    return this.reasons.join(', ');
  }

  /** An Error for a non-success status (upstream AsError); undefined for Success and Skip. */
  asError(): Error | undefined {
    if (this.code === Code.Success || this.code === Code.Skip) return undefined;
    return this.err ?? new Error(this.message());
  }

  /** Debug form: `Unschedulable: a, b`. */
  toString(): string {
    return `${codeString(this.code)}: ${this.message()}`;
  }
}

const SUCCESS: Status = Status.SUCCESS;

/** The shared Success status (no reasons, no plugin). */
export function success(): Status {
  return SUCCESS;
}

/** Shorthand for `Status.new(code, ...reasons)`. */
export function newStatus(code: Code, ...reasons: string[]): Status {
  return Status.new(code, ...reasons);
}

/** Shorthand for {@link Status.asStatus}. */
export function asStatus(err: unknown): Status {
  return Status.asStatus(err instanceof Error ? err : new Error(String(err)));
}
