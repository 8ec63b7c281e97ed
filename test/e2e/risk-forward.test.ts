/**
 * `cift risk` while `cift serve` holds the embedded ledger of the same $CIFT_HOME: the question goes to the
 * server's /api/v1/trading/risk/* routes and prints exactly what a local run prints (shipped AAPL bars).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cift, startServe, tempDir, type CliResult } from '../helpers.js';

const tmp = tempDir('cift-risk-forward-');
const home = join(tmp.dir, 'home');
mkdirSync(home);
afterAll(() => tmp.cleanup());
/** --lock-timeout 0: a local run while the server holds the ledger would fail at once instead of answering. */
const risk = (args: string[]): CliResult => cift(['risk', ...args, '--lock-timeout', '0'], { home });
const QUESTIONS = [
  ['check', 'buy', 'AAPL', '10', '--json'],
  ['check', 'buy', 'AAPL', '10', '--limit', '120', '--json'],
  ['check', 'buy', 'AAPL', '100000', '--json'],
  ['max-size', 'AAPL', '--side', 'buy', '--json'],
  ['max-size', 'AAPL', '--side', 'sell', '--limit', '140', '--json'],
  ['report', '--json'],
  ['report', '--window', '30', '--json'],
  ['check', 'buy', 'NOSUCH', '1'],
];

describe('cift risk forwarded to cift serve', { tags: ['e2e'] }, () => {
  it('answers through the server exactly as locally', async () => {
    expect(cift(['order', 'buy', 'AAPL', '100'], { home }).status).toBe(0);
    expect(cift(['risk', 'limits', '--max-concentration', '0.5'], { home }).status).toBe(0);
    const local = QUESTIONS.map(risk);
    expect(local.map((r) => r.status)).toEqual([0, 0, 1, 0, 0, 0, 0, 1]);
    const server = await startServe(home);
    try {
      const forwarded = QUESTIONS.map(risk);
      forwarded.forEach((r, i) => expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }, QUESTIONS[i].join(' ')).toEqual({ status: local[i].status, stdout: local[i].stdout, stderr: local[i].stderr }));
      const limits = JSON.parse(risk(['limits', '--max-concentration', 'none', '--json']).stdout);
      expect(limits.max_concentration, 'a limit lifted through the server').toBeNull();
    } finally {
      server.child.kill('SIGTERM');
      await server.exit;
    }
    expect(JSON.parse(risk(['limits', '--json']).stdout).max_concentration, 'and stored in the ledger').toBeNull();
  });
});
