/**
 * Everything that reaches a person's terminal: tables, colour, spinners, JSON. Colour and spinners appear only
 * on a TTY, never with NO_COLOR or --no-color; machine output (--json, exports) never carries either.
 */
import { styleText } from 'node:util';
import Table from 'cli-table3';
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

export function renderTable(ui: Pick<Ui, 'color'>, head: string[], rows: Array<Array<string | number>>, align?: Array<'left' | 'right'>): string {
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

/** Runs `work` under a spinner on stderr when stdout is a terminal; silently otherwise. */
export async function withSpinner<T>(ui: Ui, text: string, work: () => Promise<T>): Promise<T> {
  if (!ui.tty || ui.json || !process.stderr.isTTY) return work();
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: process.stderr, color: 'cyan', isEnabled: ui.color }).start();
  try {
    const result = await work();
    spinner.stop();
    return result;
  } catch (e) {
    spinner.stop();
    throw e;
  }
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** "Examples:" block appended to a command's --help. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
