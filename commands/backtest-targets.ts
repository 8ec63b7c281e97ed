/**
 * What `cift backtest` checks of its flags before it knows which path it takes: the inputs (--symbol / --data)
 * and the optimiser's flags. Kept apart from backtest-multi.ts and backtest-optimize.ts so a plain run loads
 * neither (nor the worker pools, the optimiser and the HTML report they pull in).
 */
import { basename } from 'node:path';
import { CiftError } from '../src/errors.js';
import { normalizeSymbol } from '../src/schema.js';

/** One input of a run: a symbol or a file, and the label its table row and output files carry. */
export interface RunTarget {
  symbol?: string;
  file?: string;
  label: string;
}

/** The inputs `--symbol A,B` or `--data … --data …` name, checked: exactly one of the flags, no empty or repeated entry. */
export function runTargets(symbolText: string | undefined, dataFiles: readonly string[]): RunTarget[] {
  if ((symbolText === undefined) === (dataFiles.length === 0)) throw new CiftError('USAGE', 'give exactly one of --symbol or --data', 'e.g. --symbol GOOG, --symbol AAPL,GOOG or --data a.csv --data b.csv');
  const targets: RunTarget[] =
    symbolText !== undefined
      ? symbolText.split(',').map((part) => {
          if (part.trim() === '') throw new CiftError('USAGE', `--symbol "${symbolText}" has an empty name`, 'separate symbols with single commas, e.g. --symbol AAPL,GOOG');
          const symbol = normalizeSymbol(part.trim());
          return { symbol, label: symbol };
        })
      : dataFiles.map((file) => ({ file, label: basename(file).replace(/\..*$/, '') || basename(file) }));
  const flag = symbolText !== undefined ? '--symbol' : '--data';
  const seen = new Map<string, RunTarget>();
  for (const t of targets) {
    const before = seen.get(t.label);
    if (before) {
      const same = (before.symbol ?? before.file) === (t.symbol ?? t.file);
      throw new CiftError('USAGE', same ? `${flag} ${t.symbol ?? t.file} is given twice` : `--data ${before.file} and ${t.file} would both be labelled ${t.label}`, same ? undefined : 'rename one of the files');
    }
    seen.set(t.label, t);
  }
  return targets;
}

export interface OptimizeFlags {
  optimize: string[];
  constraint?: string;
  maximize?: string;
  method?: string;
  maxTries?: string;
  seed?: string;
  heatmap?: string;
  walkForward?: string;
}

/** With no --optimize, an optimiser flag is a mistake: refused, naming it. Returns undefined (nothing to optimise). */
export function assertNoOptimizerFlags(f: OptimizeFlags): undefined {
  const stray = (['constraint', 'maximize', 'method', 'maxTries', 'seed', 'heatmap', 'walkForward'] as const).find((k) => f[k] !== undefined);
  if (stray) throw new CiftError('USAGE', `--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --optimize`, 'e.g. --optimize fast=5:30:5 --optimize slow=10:80:10');
  return undefined;
}
