/** Builds the Ui (settings + output mode) from the global flags commander collected. */
import type { Command } from './commander.js';
import { resolveSettings } from '../src/config.js';
import { colorEnabled, type Ui } from './ui.js';

export interface GlobalFlags {
  json?: boolean;
  debug?: boolean;
  home?: string;
  redisUrl?: string;
  color?: boolean;
}

export function uiFrom(command: Command): Ui {
  const g = command.optsWithGlobals() as GlobalFlags;
  return {
    settings: resolveSettings({ home: g.home, redisUrl: g.redisUrl }),
    json: Boolean(g.json),
    debug: Boolean(g.debug),
    color: colorEnabled(g.color, process.stdout),
    tty: Boolean(process.stdout.isTTY),
  };
}
