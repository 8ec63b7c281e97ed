/**
 * What an ingest will do to the catalog, decided before anything is written (and again under the lock, against
 * the catalog as it is then). Per incoming source, in order:
 *   - no rows: nothing to store;
 *   - the same content as an earlier input of this ingest: stored once;
 *   - the same content as a stored source: that source is kept (its files are reused), with the new label;
 *   - rows overlapping the time range of a stored source of the same symbol and kind (different content):
 *     refused, unless `--replace` (drop the overlapping stored sources) or `--append` (keep both);
 *   - overlapping another input of this ingest: refused unless `--append`.
 * Conflicts are found for the whole ingest (every series of every file) before any file is written.
 */
import { CiftError } from '../../errors.js';
import type { TickKind } from '../../schema.js';
import { formatTs } from '../../time.js';
import { type Catalog, type CatalogFile, type CatalogSource, toStoredSource } from './catalog.js';
import type { IngestOutcome } from './types.js';

export type OverlapPolicy = 'refuse' | 'replace' | 'append';

export interface Incoming {
  id: string;
  kind: TickKind;
  symbol: string;
  rows: number;
  first: bigint;
  last: bigint;
  label: string;
  origin: string;
}

export type IncomingAction =
  | { action: 'store'; replaces: CatalogSource[] }
  | { action: 'same'; existing: CatalogSource }
  | { action: 'duplicate'; of: number }
  | { action: 'empty' };

export interface IngestPlan {
  actions: IncomingAction[];
  /** Stored sources the ingest removes (`--replace`). */
  dropped: CatalogSource[];
}

const overlaps = (a: { first: bigint; last: bigint }, b: { first: bigint; last: bigint }): boolean => a.first <= b.last && b.first <= a.last;

const range = (first: bigint, last: bigint): string => `${formatTs(first)} … ${formatTs(last)}`;
const where = (label: string, origin: string): string => (origin && origin !== label ? `${label} (${origin})` : label);

export const describeStored = (s: CatalogSource): string => `stored source ${s.id.slice(0, 12)} ${where(s.label, s.origin)} ${range(BigInt(s.first), BigInt(s.last))}`;
const describeIncoming = (s: Incoming): string => `${where(s.label, s.origin)} ${range(s.first, s.last)}`;

function conflict(item: Incoming, other: string, sameOrigin: boolean, withinIngest: boolean): CiftError {
  const hint = withinIngest
    ? 'these inputs overlap each other: ingest them separately, or give --append to keep both'
    : sameOrigin
      ? `${item.label} was ingested before with different content: --replace stores the new content in place of the old; --append keeps both`
      : '--replace drops the stored source and stores this one; --append keeps both (overlapping rows then count twice); `cift ingest --list` shows sources';
  return new CiftError('SOURCE_CONFLICT', `${item.kind} ${item.symbol} from ${describeIncoming(item)} overlaps ${other}`, hint);
}

export function planIngest(stored: readonly CatalogSource[], incoming: readonly Incoming[], policy: OverlapPolicy): IngestPlan {
  const actions: IncomingAction[] = [];
  const dropped = new Map<string, { source: CatalogSource; by: Incoming }>();
  /** Stored sources an input of this ingest is identical to: they stay, as that input. */
  const kept = new Map<string, Incoming>();
  const sameSeries = (a: { kind: TickKind; symbol: string }, b: { kind: TickKind; symbol: string }) => a.kind === b.kind && a.symbol === b.symbol;
  const spanOf = (s: CatalogSource) => ({ first: BigInt(s.first), last: BigInt(s.last) });
  const withinIngest = (item: Incoming, other: Incoming) => conflict(item, `${describeIncoming(other)}, another input of this ingest`, false, true);
  incoming.forEach((item, i) => {
    if (item.rows === 0) return actions.push({ action: 'empty' });
    const earlier = incoming.findIndex((o, k) => k < i && o.id === item.id && actions[k].action !== 'empty');
    if (earlier >= 0) return actions.push({ action: 'duplicate', of: earlier });
    if (policy !== 'append') {
      for (let k = 0; k < i; k++) {
        const o = incoming[k];
        if ((actions[k].action === 'store' || actions[k].action === 'same') && sameSeries(o, item) && overlaps(o, item)) throw withinIngest(item, o);
      }
    }
    const same = stored.find((s) => s.id === item.id && sameSeries(s, item));
    if (same) {
      const droppedBy = dropped.get(same.id)?.by;
      if (droppedBy) throw withinIngest(item, droppedBy);
      kept.set(same.id, item);
      return actions.push({ action: 'same', existing: same });
    }
    const clashing = stored.filter((s) => sameSeries(s, item) && !dropped.has(s.id) && !kept.has(s.id) && overlaps(spanOf(s), item));
    if (clashing.length > 0 && policy === 'refuse') {
      throw conflict(item, clashing.map(describeStored).join('; '), clashing.some((s) => s.origin === item.origin), false);
    }
    const replaces = policy === 'replace' ? clashing : [];
    for (const s of replaces) dropped.set(s.id, { source: s, by: item });
    return actions.push({ action: 'store', replaces });
  });
  return { actions, dropped: [...dropped.values()].map((d) => d.source) };
}

/** The next catalog: the current one minus dropped sources, with inputs that are new or relabelled. */
export function applyPlan(current: Catalog, plan: IngestPlan, incoming: readonly Incoming[], written: ReadonlyMap<number, CatalogFile[]>): Catalog {
  const now = new Date().toISOString();
  const key = (s: { kind: TickKind; symbol: string; id: string }) => `${s.kind}/${s.symbol}/${s.id}`;
  const dropped = new Set(plan.dropped.map(key));
  const relabelled = new Map<string, Incoming>();
  const added: CatalogSource[] = [];
  plan.actions.forEach((a, i) => {
    const item = incoming[i];
    if (a.action === 'same') relabelled.set(key(a.existing), item);
    if (a.action !== 'store') return;
    const files = written.get(i)!;
    added.push({ id: item.id, kind: item.kind, symbol: item.symbol, label: item.label, origin: item.origin, rows: item.rows, first: item.first.toString(), last: item.last.toString(), files, writtenAt: now });
  });
  const kept = current.sources
    .filter((s) => !dropped.has(key(s)))
    .map((s) => {
      const item = relabelled.get(key(s));
      return item ? { ...s, label: item.label, origin: item.origin, writtenAt: now } : s;
    });
  return { ...current, sources: [...kept, ...added] };
}

/** What happened to each input, for the ingest summary. */
export function outcomes(plan: IngestPlan, incoming: readonly Incoming[], catalog: Catalog): IngestOutcome[] {
  const seriesRows = (kind: TickKind, symbol: string) => catalog.sources.filter((s) => s.kind === kind && s.symbol === symbol).reduce((n, s) => n + s.rows, 0);
  return plan.actions.map((a, i) => {
    const item = incoming[i];
    const base = { id: item.id, kind: item.kind, symbol: item.symbol, label: item.label, rows: item.rows, first: item.first, last: item.last, seriesRows: seriesRows(item.kind, item.symbol) };
    switch (a.action) {
      case 'store':
        return { ...base, action: 'stored', replaced: a.replaces.map(toStoredSource) };
      case 'same':
        return { ...base, action: 'unchanged', replaced: [toStoredSource(a.existing)] };
      case 'duplicate':
        return { ...base, action: 'duplicate', replaced: [] };
      default:
        return { ...base, action: 'empty', replaced: [] };
    }
  });
}
