// Requests for one key that arrive in the same turn of the event loop, or while the previous batch
// of that key is being written, are served together by one call: one storage write for many.

type Serve<R, T> = (key: string, requests: R[]) => Promise<T[]>;

export function coalesced<R, T>(serve: Serve<R, T>): (key: string, request: R) => Promise<T> {
  const queued = new Map<string, Array<{ request: R; resolve: (value: T) => void; reject: (error: unknown) => void }>>();
  const busy = new Set<string>();
  const flush = async (key: string): Promise<void> => {
    const batch = queued.get(key) ?? [];
    queued.delete(key);
    try {
      const results = await serve(
        key,
        batch.map((b) => b.request),
      );
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
    if (queued.has(key)) await flush(key);
    else busy.delete(key);
  };
  return (key, request) =>
    new Promise<T>((resolve, reject) => {
      const queue = queued.get(key) ?? [];
      queue.push({ request, resolve, reject });
      queued.set(key, queue);
      if (!busy.has(key)) {
        busy.add(key);
        setImmediate(() => void flush(key));
      }
    });
}
