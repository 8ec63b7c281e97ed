/** nodejs-polars loads a native addon (~100 ms): import it only when a command needs frames. */
import { createRequire } from 'node:module';
import type plType from 'nodejs-polars';

export type Polars = typeof plType;
let loaded: Promise<Polars> | undefined;

export function loadPolars(): Promise<Polars> {
  loaded ??= import('nodejs-polars').then((m) => m.default);
  return loaded;
}

/**
 * nodejs-polars for an object that may never touch it (a tick store that a command only asks for its catalog):
 * the addon is required synchronously on the first property read, so a path that reads no frame never loads it.
 */
export function lazyPolars(): Polars {
  let real: Polars | undefined;
  const load = (): Polars => (real ??= createRequire(import.meta.url)('nodejs-polars') as Polars);
  return new Proxy({} as Polars, {
    get: (_target, key) => Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
  });
}
