/**
 * Spinners and redraws only on a real terminal: a pseudo-terminal that reports 0 columns (as CI jobs allocate for
 * colour) must get plain output that ends, not an endless stream of cursor codes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spinnerAllowed } from '../../commands/ui.js';
import { ROOT, tempDir } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
if (!hasScript) console.warn('skipping pseudo-terminal tests: util-linux `script` is not installed');

const stream = (isTTY: boolean, columns: number | undefined) => ({ isTTY, columns }) as unknown as NodeJS.WriteStream;

describe('spinnerAllowed', () => {
  const people = { tty: true, json: false };
  it('needs a terminal on stdout and stderr with a usable width', () => {
    expect(spinnerAllowed(people, stream(true, 120), {})).toBe(true);
    expect(spinnerAllowed(people, stream(true, 0), {}), 'a pty reporting 0 columns').toBe(false);
    expect(spinnerAllowed(people, stream(true, undefined), {}), 'width unknown').toBe(false);
    expect(spinnerAllowed(people, stream(false, 120), {}), 'stderr piped').toBe(false);
    expect(spinnerAllowed({ tty: false, json: false }, stream(true, 120), {}), 'stdout piped').toBe(false);
    expect(spinnerAllowed({ tty: true, json: true }, stream(true, 120), {}), '--json').toBe(false);
    expect(spinnerAllowed(people, stream(true, 120), { TERM: 'dumb' })).toBe(false);
  });
});

describe.runIf(hasScript)('commands under a 0-column pseudo-terminal', () => {
  for (const args of [['bars', 'GOOG', '--interval', '1y'], ['features', 'GOOG', '--set', 'rsi:14'], ['backtest', '--strategy', 'sma-cross', '--symbol', 'GOOG']]) {
    it(`cift ${args.join(' ')} finishes with plain output`, () => {
      const log = join(tmp.dir, `${args[0]}.typescript`);
      const command = `stty cols 0 rows 0; exec ${process.execPath} ${join(ROOT, 'bin', 'cift.js')} ${args.join(' ')}`;
      // Colour on, as the CI job that allocates the pty wants: NO_COLOR would hide the spinner for another reason.
      const env: NodeJS.ProcessEnv = { ...process.env, CIFT_HOME: join(tmp.dir, 'home'), TERM: 'xterm-256color' };
      delete env.NO_COLOR;
      delete env.FORCE_COLOR;
      const r = spawnSync('script', ['-qec', command, log], {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.error, 'the command ended before the timeout').toBeUndefined();
      expect(r.status).toBe(0);
      expect(statSync(log).size, 'a table, not megabytes of redraws').toBeLessThan(200_000);
      expect(readFileSync(log, 'utf8'), 'no cursor-up redraw codes').not.toMatch(/\x1b\[1A/);
    });
  }
});
