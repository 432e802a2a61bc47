import { AsyncLocalStorage } from 'node:async_hooks';

type Memo = Map<object, Map<string, Promise<unknown>>>;

const scopes = new AsyncLocalStorage<Memo>();

/**
 * One operation (one request at a door) reads the same rows again and again: the token
 * door's status then verify each loaded the settings, the user and every factor's
 * records (issue 15: 43 statements for one code check). Inside a scope those reads are
 * shared; a write through the same store drops what it changed. Nothing outlives the
 * scope, so another app instance's change is seen by the next request, as before; the
 * rules that must hold across instances (a code used once, a try counted, an attempt
 * passed once) are compare-and-swap writes in the database, which no memo skips.
 * A scope already open (the bridge API inside the Express door) is reused.
 */
export function withOperationScope<T>(work: () => T): T {
  return scopes.getStore() ? work() : scopes.run(new Map(), work);
}

/**
 * Runs `work` with no scope: for what looks at the database again and again within one
 * request (a Server-Sent Events stream polling an approval), or outlives it (a mail job).
 */
export function outsideOperationScope<T>(work: () => T): T {
  return scopes.exit(work);
}

/**
 * `read()` once per scope for this owner and key; without a scope, every time. A read
 * that fails is not kept. Callers must not change what it answers: hand out copies.
 */
export function rememberedRead<T>(owner: object, key: string, read: () => PromiseLike<T>): Promise<T> {
  const memo = scopes.getStore();
  if (!memo) return Promise.resolve(read());
  let owned = memo.get(owner);
  if (!owned) memo.set(owner, (owned = new Map()));
  const kept = owned.get(key);
  if (kept) return kept as Promise<T>;
  // A real promise: a query builder is only thenable, and runs its query again on every await.
  const reading = Promise.resolve(read());
  owned.set(key, reading);
  reading.catch(() => {
    if (owned.get(key) === reading) owned.delete(key);
  });
  return reading;
}

/** Drops one remembered read (or all of this owner's): the next read in the scope goes to the database. */
export function forgetRead(owner: object, key?: string): void {
  const owned = scopes.getStore()?.get(owner);
  if (!owned) return;
  if (key === undefined) owned.clear();
  else owned.delete(key);
}

/** Primes a read already made another way (an attempt found by its handle is the attempt by its id). */
export function rememberRead<T>(owner: object, key: string, value: T): void {
  const memo = scopes.getStore();
  if (!memo) return;
  let owned = memo.get(owner);
  if (!owned) memo.set(owner, (owned = new Map()));
  owned.set(key, Promise.resolve(value));
}

/**
 * A write that changes what `key` reads: dropped before (no read started during the
 * write is kept) and after (nor one that started before it and answers after).
 */
export async function writeThrough<T>(owner: object, key: string | undefined, write: () => Promise<T>): Promise<T> {
  forgetRead(owner, key);
  try {
    return await write();
  } finally {
    forgetRead(owner, key);
  }
}
