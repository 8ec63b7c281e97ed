/**
 * Parses a feature set such as "rsi:14,ema:20,bbands:20:2,macd" against the kernel registry and names the output
 * columns: the feature and its parameters joined by "_" (parameters as the user wrote them, defaults as plain
 * numbers: 2, never 2.0; a default marked omitDefault is left out: wofi:5 → wofi_5), plus the output's suffix for multi-output kernels (bbands_20_2_lower, macd_12_26_9_signal).
 * A count-or-duration parameter (ParamSpec.orDuration) also takes a time span: realized_spread:5s → realized_spread_5s.
 */
import { CiftError, didYouMean } from '../errors.js';
import { KERNEL_NAMES, findKernel, kernelOutputs, type KernelSpec, type ParamSpec } from '../kernels/registry.js';
import { parseInterval } from '../time.js';

export interface FeatureRequest {
  spec: KernelSpec;
  params: number[];
  /** One column name per kernel output. */
  columns: string[];
  /**
   * Parameters written as a duration (ParamSpec.orDuration: realized_spread:5s), in ns, at the parameter's index;
   * their slot in `params` is NaN. Absent when no parameter was written as a duration.
   */
  durationsNs?: Array<bigint | undefined>;
}

const DURATION_EXAMPLES = 'e.g. 50, 500ms, 5s, 1m';

/** A duration with a fixed-length unit (ns, us, ms, s, m, h, d, w) in ns, or undefined when the text is not one. */
function durationNs(text: string): bigint | undefined {
  if (!/^\d+[a-z]+$/.test(text)) return undefined;
  try {
    return parseInterval(text).ns;
  } catch {
    return undefined;
  }
}

/** A count-or-duration parameter written with a unit: its length in ns, or a one-line usage error. */
function parseDurationParam(item: string, p: ParamSpec, text: string): bigint {
  const ns = durationNs(text);
  if (ns === undefined || ns <= 0n) {
    throw new CiftError('USAGE', `feature "${item}": ${p.name} "${text}" is neither a count nor a duration (${DURATION_EXAMPLES})`);
  }
  return ns;
}

export function parseFeatureSet(text: string): FeatureRequest[] {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (items.length === 0) throw new CiftError('USAGE', 'the feature set is empty', `e.g. --set "rsi:14,ema:20,bbands:20:2"; see \`cift features --list\``);
  const requests = items.map(parseOne);
  const seen = new Set<string>();
  for (const r of requests) {
    for (const c of r.columns) {
      if (seen.has(c)) throw new CiftError('USAGE', `feature column "${c}" is asked for twice`);
      seen.add(c);
    }
  }
  return requests;
}

function parseOne(item: string): FeatureRequest {
  const [rawName, ...paramTexts] = item.split(':').map((s) => s.trim());
  const name = rawName.toLowerCase();
  const named = findKernel(name);
  const spec = named?.withParams !== undefined && paramTexts.length > 0 ? named.withParams : named;
  if (spec === undefined) {
    const guess = didYouMean(name, KERNEL_NAMES);
    throw new CiftError('UNKNOWN_FEATURE', `unknown feature "${rawName}"`, guess ? `did you mean ${guess}?` : `see \`cift features --list\``);
  }
  if (paramTexts.length > spec.params.length) {
    const expected = spec.params.length === 0 ? 'no parameters' : `at most ${spec.params.length} (${spec.params.map((p) => p.name).join(':')})`;
    throw new CiftError('USAGE', `feature "${item}" has ${paramTexts.length} parameters; ${name} takes ${expected}`);
  }
  const params: number[] = [];
  const written: string[] = [];
  let durationsNs: Array<bigint | undefined> | undefined;
  spec.params.forEach((p, j) => {
    const text = paramTexts[j];
    if (text === undefined || text === '') {
      params.push(p.default);
      if (!p.omitDefault) written.push(String(p.default));
      return;
    }
    if (p.orDuration && /[a-z]$/i.test(text)) {
      durationsNs ??= [];
      durationsNs[j] = parseDurationParam(item, p, text);
      params.push(NaN);
      written.push(text);
      return;
    }
    const value = Number(text);
    if (!Number.isFinite(value)) throw new CiftError('USAGE', `feature "${item}": ${p.name} "${text}" is not a number`);
    if (p.integer && !Number.isInteger(value)) throw new CiftError('USAGE', `feature "${item}": ${p.name} must be a whole number, got ${text}`);
    if (value < p.min || value > p.max) throw new CiftError('USAGE', `feature "${item}": ${p.name} must be between ${p.min} and ${p.max}, got ${text}`);
    params.push(value);
    written.push(text);
  });
  if (spec.name === 'macd' && params[0] >= params[1]) {
    throw new CiftError('USAGE', `feature "${item}": fast (${params[0]}) must be below slow (${params[1]})`);
  }
  const base = [spec.name, ...written].join('_');
  const columns = kernelOutputs(spec, params).map((suffix) => (suffix === '' ? base : `${base}_${suffix}`));
  return durationsNs ? { spec, params, columns, durationsNs } : { spec, params, columns };
}
