/**
 * Key/value metadata a frame carries into a Parquet or Arrow file: schema-level entries and per-column entries.
 * Both formats store it as an ordered list of (key, value) string pairs; merging keeps that order.
 */

/** `schema`: entries for the whole table; `fields`: entries per column name. */
export interface FrameMetadata {
  schema?: Readonly<Record<string, string>>;
  fields?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface KeyValue {
  key: string;
  /** Absent when the writer left the optional value out. */
  value?: string;
}

/** Entries merged by key: an existing key keeps its place and takes the new value, a new key goes at the end. */
export function mergeKeyValues(existing: readonly KeyValue[], set: Readonly<Record<string, string>>): KeyValue[] {
  // A value that is not a string (an undefined from a caller's optional field) would be written as an absent value,
  // which pyarrow refuses to read: fail here, naming the key, instead of writing such a file.
  for (const [key, value] of Object.entries(set)) if (typeof value !== 'string') throw new TypeError(`metadata value of "${key}" is ${value === undefined ? 'undefined' : typeof value}, not a string`);
  const out = existing.map((e) => (Object.hasOwn(set, e.key) ? { key: e.key, value: set[e.key]! } : { ...e }));
  const had = new Set(existing.map((e) => e.key));
  for (const [key, value] of Object.entries(set)) if (!had.has(key)) out.push({ key, value });
  return out;
}

/** True when the metadata would add nothing, so a writer can skip rewriting the file. */
export function isEmptyMetadata(meta: FrameMetadata | undefined): boolean {
  if (!meta) return true;
  const schemaEmpty = Object.keys(meta.schema ?? {}).length === 0;
  const fieldsEmpty = Object.values(meta.fields ?? {}).every((entries) => Object.keys(entries).length === 0);
  return schemaEmpty && fieldsEmpty;
}
