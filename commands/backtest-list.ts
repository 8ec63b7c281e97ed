/** `cift backtest --list`: the built-in strategies with their descriptions, parameters, defaults and bounds. */
import { BUILTIN_STRATEGIES } from '../strategies/index.js';
import { describeBound, strategyCatalog } from '../src/backtest/strategy.js';
import { printJson, printTable, type Ui } from './ui.js';

export function printStrategyList(ui: Ui): void {
  const catalog = strategyCatalog(BUILTIN_STRATEGIES);
  if (ui.json) return printJson(catalog);
  printTable(
    ui,
    ['strategy', 'params (defaults)', 'bounds', 'what'],
    catalog.map((s) => [
      s.name,
      // One parameter a line, its bound on the same line of the next column.
      s.params.map((p) => `${p.name}=${p.default}`).join('\n') || '-',
      s.params.map((p) => (p.bound ? describeBound(p.bound) : p.type === 'number' ? 'any number' : p.type)).join('\n') || '-',
      s.description,
    ]),
  );
  process.stdout.write('override with -p name=value; your own strategy: --strategy ./file.ts\n');
}
