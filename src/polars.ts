/** nodejs-polars loads a native addon (~100 ms): import it only when a command needs frames. */
import type plType from 'nodejs-polars';

export type Polars = typeof plType;
let loaded: Promise<Polars> | undefined;

export function loadPolars(): Promise<Polars> {
  loaded ??= import('nodejs-polars').then((m) => m.default);
  return loaded;
}
