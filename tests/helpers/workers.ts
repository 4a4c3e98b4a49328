/**
 * Counts the workers a piece of code starts, by wrapping the global `Worker` constructor while it
 * runs (tests of the hashing thread use it to show the threaded path was taken).
 */
export async function countingWorkers<T>(fn: (started: () => number) => Promise<T>): Promise<T> {
  const original = globalThis.Worker;
  let started = 0;
  globalThis.Worker = class extends original {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      started++;
    }
  };
  try {
    return await fn(() => started);
  } finally {
    globalThis.Worker = original;
  }
}
