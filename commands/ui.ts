/**
 * Everything that reaches a person's terminal: tables, colour, spinners, JSON. Colour and spinners appear only
 * on a TTY, never with NO_COLOR or --no-color; machine output (--json, exports) never carries either.
 */
import { createRequire } from 'node:module';
import { styleText } from 'node:util';
import type TableType from 'cli-table3';
import type { Settings } from '../src/config.js';

export interface Ui {
  settings: Settings;
  json: boolean;
  debug: boolean;
  color: boolean;
  /** stdout is a terminal (tables, spinners); false when piped. */
  tty: boolean;
}

export function colorEnabled(flag: boolean | undefined, stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY);
}

type Style = Parameters<typeof styleText>[0];
export const paint = (ui: Pick<Ui, 'color'>, style: Style, text: string): string => (ui.color ? styleText(style, text) : text);

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

// cli-table3 (and its string-width chain) is required on the first table only: `--help` and exports never draw one.
const requireTable = (): typeof TableType => createRequire(import.meta.url)('cli-table3') as typeof TableType;

export function renderTable(ui: Pick<Ui, 'color'>, head: string[], rows: Array<Array<string | number>>, align?: Array<'left' | 'right'>): string {
  const Table = requireTable();
  const table = new Table({
    head: head.map((h) => paint(ui, 'bold', h)),
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    ...(align ? { colAligns: align } : {}),
  });
  for (const row of rows) table.push(row.map((c) => String(c)));
  return table.toString();
}

export function printTable(ui: Ui, head: string[], rows: Array<Array<string | number>>, align?: Array<'left' | 'right'>): void {
  process.stdout.write(`${renderTable(ui, head, rows, align)}\n`);
}

/** Narrowest terminal a spinner line fits in; below it (or unknown) a redraw would wrap and never clear. */
const MIN_SPINNER_COLUMNS = 20;

/**
 * Whether a spinner may draw: stdout and stderr are real terminals with a known width (a pseudo-terminal that
 * reports 0 columns, as CI jobs use for colour, gets none: ora's redraw then loops on cursor-up codes), not
 * `TERM=dumb`, and the output is for people (no --json).
 */
export function spinnerAllowed(ui: Pick<Ui, 'tty' | 'json'>, stderr: NodeJS.WriteStream = process.stderr, env: NodeJS.ProcessEnv = process.env): boolean {
  if (!ui.tty || ui.json || !stderr.isTTY) return false;
  if (env.TERM === 'dumb') return false;
  return (stderr.columns ?? 0) >= MIN_SPINNER_COLUMNS;
}

export interface Progress {
  /** Replaces the spinner's text. */
  update(text: string): void;
}

/** Runs `work` under a spinner on stderr when spinnerAllowed; silently otherwise. The spinner always stops. */
export async function withSpinner<T>(ui: Ui, text: string, work: (progress: Progress) => Promise<T>): Promise<T> {
  if (!spinnerAllowed(ui)) return work({ update: () => undefined });
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, color: 'cyan', isEnabled: ui.color, discardStdin: false }).start();
  try {
    return await work({ update: (t) => (spinner.text = t) });
  } finally {
    spinner.stop();
  }
}

/**
 * A count with thousands separators, as toLocaleString('en-US') writes a whole number ("38,602"), without
 * building ICU's number formatter (~10 ms on its first use in a process). Other numbers fall back to it.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out;
  return n < 0 ? `-${out}` : out;
}

/** "Examples:" block appended to a command's --help. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
