/** nodejs-polars loads a native addon (~100 ms): import it only when a command needs frames. */
import { createRequire } from 'node:module';
import type plType from 'nodejs-polars';

export type Polars = typeof plType;
let loaded: Promise<Polars> | undefined;

export function loadPolars(): Promise<Polars> {
  loaded ??= Promise.resolve().then(requirePolars);
  return loaded;
}

/**
 * require, not import(): nodejs-polars is CommonJS, and an ESM import of it runs Node's CJS export lexer over each
 * of its ~80 files first (~12 ms of every process that uses frames).
 */
function requirePolars(): Polars {
  return createRequire(import.meta.url)('nodejs-polars') as Polars;
}

/**
 * nodejs-polars for an object that may never touch it (a tick store that a command only asks for its catalog):
 * the addon is required synchronously on the first property read, so a path that reads no frame never loads it.
 */
export function lazyPolars(): Polars {
  let real: Polars | undefined;
  const load = (): Polars => (real ??= requirePolars());
  return new Proxy({} as Polars, {
    get: (_target, key) => Reflect.get(load(), key),
    has: (_target, key) => Reflect.has(load(), key),
  });
}
