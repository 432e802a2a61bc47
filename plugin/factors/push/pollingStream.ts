/** One step of a stream: an event to send, nothing new this time, or the end. */
export type StreamStep = { event: string; data: unknown } | 'nothing' | 'end';

/**
 * Server-Sent Events made by looking at the database again and again (any app instance may
 * change what is shown, so there is nothing in memory to wait on). An iterator object, not
 * an async generator, on purpose: the door calls `return()` when the client leaves, and a
 * generator only hears that at its next `yield`, which a quiet stream may never reach; here
 * `return()` stops the loop at once, and its pending wait with it.
 */
export function pollingStream(look: () => Promise<StreamStep>, options: { everyMs: number; lifetimeMs: number }): AsyncIterableIterator<{ event: string; data: unknown }> {
  const endAt = Date.now() + options.lifetimeMs;
  let stopped = false;
  let wake: (() => void) | null = null;
  const pause = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.everyMs);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const done = { value: undefined, done: true } as const;
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      while (!stopped && Date.now() < endAt) {
        // The door asks for each event outside the request's memo of reads (FactorRouteResponse 'events'): each look is afresh.
        const step = await look();
        if (stopped || step === 'end') break;
        if (step !== 'nothing') return { value: step, done: false };
        await pause();
      }
      stopped = true;
      return done;
    },
    async return() {
      stopped = true;
      wake?.();
      return done;
    },
  };
}
