/**
 * `require` for the datastore clients (pg, ioredis, kafkajs, @duckdb/node-api). They are CommonJS, and an ESM
 * `import()` of a CommonJS package first runs Node's CJS export lexer over every file it loads: measured here,
 * @duckdb/node-api (~180 files) loads in ~45 ms required and ~100 ms imported, ioredis in 28 vs 55 ms, pg in
 * 26 vs 34 ms, on every command that opens a store. Types still come from `import type`.
 */
import { createRequire } from 'node:module';

export const requireClient = createRequire(import.meta.url);
