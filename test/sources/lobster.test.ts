import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lobsterSecondsToNs, parseLobsterName, readLobster } from '../../src/sources/lobster.js';
import { AAPL_MESSAGE, AAPL_ORDERBOOK, hasLobster, tempDir, writeText } from '../helpers.js';

const tmp = tempDir();
afterAll(tmp.cleanup);

// 2012-06-21 is in EDT (UTC−4): local midnight is 04:00 UTC.
const MIDNIGHT_UTC_NS = BigInt(Date.UTC(2012, 5, 21, 4)) * 1_000_000n;

const MESSAGES = [
  '34200.004241176,1,16113575,18,5853300,1',
  '34200.1,4,16113575,10,5853300,1', // a bid executed: seller-initiated
  '34200.1,5,0,7,5855000,-1', // hidden ask executed: buyer-initiated
  '34201,3,16113575,8,5853300,1',
];
const BOOK = ['5859400,200,5853300,18', '5859400,200,5853300,8', '5859400,200,5853300,8', '9999999999,0,5853300,8'];

describe('LOBSTER', () => {
  it('reads symbol, date and depth from the standard file name', () => {
    expect(parseLobsterName('/x/AAPL_2012-06-21_34200000_57600000_message_10.csv')).toEqual({ symbol: 'AAPL', date: '2012-06-21', depth: 10 });
    expect(parseLobsterName('msgs.csv')).toBeUndefined();
  });

  it('converts seconds after midnight with varying fraction lengths exactly', () => {
    expect(lobsterSecondsToNs('34200.00426064')).toBe(34200_004_260_640);
    expect(lobsterSecondsToNs('53142.439')).toBe(53142_439_000_000);
    expect(lobsterSecondsToNs('43002.632812672004'), 'digits past ns are cut').toBe(43002_632_812_672);
    expect(lobsterSecondsToNs('34201')).toBe(34201_000_000_000);
  });

  it('makes one trade per execution with the aggressor opposite the resting side, and quotes per book row', () => {
    const m = writeText(tmp.dir, 'AAPL_2012-06-21_34200000_57600000_message_1.csv', MESSAGES.join('\n'));
    const b = writeText(tmp.dir, 'AAPL_2012-06-21_34200000_57600000_orderbook_1.csv', BOOK.join('\n'));
    const day = readLobster(m, b);
    expect(day.trades.symbol).toBe('AAPL');
    expect(Array.from(day.trades.values.price)).toEqual([585.33, 585.5]);
    expect(Array.from(day.trades.values.size)).toEqual([10, 7]);
    expect(Array.from(day.trades.values.side), 'executed bid → sell aggressor; executed ask → buy aggressor').toEqual([-1, 1]);
    expect(Array.from(day.trades.seq), 'seq is the message row').toEqual([1, 2]);
    expect(day.trades.ts[0]).toBe(MIDNIGHT_UTC_NS + 34200_100_000_000n);
    expect(day.quotes.ts.length, 'the one-sided last book row is left out').toBe(3);
    expect(day.oneSidedRows).toBe(1);
    expect(Array.from(day.quotes.values.bid_size)).toEqual([18, 8, 8]);
    expect(day.quotes.ts[0]).toBe(MIDNIGHT_UTC_NS + 34200_004_241_176n);
  });

  it('rejects a pair whose row counts differ', () => {
    const m = writeText(tmp.dir, 'X_2012-06-21_0_1_message_1.csv', MESSAGES.join('\n'));
    const b = writeText(tmp.dir, 'X_2012-06-21_0_1_orderbook_1.csv', BOOK.slice(0, 3).join('\n'));
    expect(() => readLobster(m, b)).toThrow(/3 rows but .* has 4/);
  });

  it('rejects time going backwards and a bad price, naming file and line', () => {
    const back = writeText(tmp.dir, 'Y_2012-06-21_0_1_message_1.csv', [MESSAGES[0], '34199,1,1,1,5853300,1', MESSAGES[2], MESSAGES[3]].join('\n'));
    const b = writeText(tmp.dir, 'Y_2012-06-21_0_1_orderbook_1.csv', BOOK.join('\n'));
    expect(() => readLobster(back, b)).toThrow(`${back} line 2: time "34199" goes backwards`);
    const price = writeText(tmp.dir, 'Z_2012-06-21_0_1_message_1.csv', [MESSAGES[0], '34200.1,4,1,10,-5,1', MESSAGES[2], MESSAGES[3]].join('\n'));
    expect(() => readLobster(price, b)).toThrow(`${price} line 2: price "-5" is not a positive price`);
  });

  it('rejects a directory, a file of NUL bytes and a line with no end, at once and in one line', () => {
    const b = writeText(tmp.dir, 'W_2012-06-21_0_1_orderbook_1.csv', BOOK.join('\n'));
    const dir = join(tmp.dir, 'W_2012-06-21_0_1_message_1.csv');
    mkdirSync(dir);
    expect(() => readLobster(dir, b)).toThrow(`${dir}: is a directory, not a data file`);
    const nul = join(tmp.dir, 'N_2012-06-21_0_1_message_1.csv');
    writeFileSync(nul, Buffer.alloc(2 << 20));
    expect(() => readLobster(nul, b)).toThrow(`${nul}: not a text LOBSTER file: NUL byte at byte 1`);
    const endless = join(tmp.dir, 'E_2012-06-21_0_1_message_1.csv');
    writeFileSync(endless, Buffer.alloc(3 << 20, '1'));
    expect(() => readLobster(endless, b)).toThrow(`${endless} line 1: longer than 65536 bytes, so not a line of this format`);
  });

  it('ignores blank lines at the end and CRLF endings, but rejects a blank line between rows', () => {
    const m = writeText(tmp.dir, 'C_2012-06-21_0_1_message_1.csv', `${MESSAGES.join('\r\n')}\r\n\r\n`);
    const b = writeText(tmp.dir, 'C_2012-06-21_0_1_orderbook_1.csv', `${BOOK.join('\n')}\n\n`);
    expect(readLobster(m, b).trades.ts.length, 'the same two executions as the plain pair').toBe(2);
    const gap = writeText(tmp.dir, 'G_2012-06-21_0_1_message_1.csv', [MESSAGES[0], '', ...MESSAGES.slice(1)].join('\n'));
    expect(() => readLobster(gap, b)).toThrow(`${gap} line 2: blank line between rows`);
  });
});

describe.runIf(hasLobster)('LOBSTER AAPL 2012-06-21 (real data)', () => {
  it('has one trade per type 4/5 message and one quote per two-sided book row', () => {
    const day = readLobster(AAPL_MESSAGE, AAPL_ORDERBOOK);
    const lines = readFileSync(AAPL_MESSAGE, 'utf8').trim().split('\n');
    const executions = lines.filter((l) => l.split(',')[1] === '4' || l.split(',')[1] === '5').length;
    expect(executions, 'SOURCE.md: 23658 type-4 + 11332 type-5').toBe(34990);
    expect(day.trades.ts.length).toBe(executions);
    expect(day.quotes.ts.length + day.oneSidedRows).toBe(118497);
    expect(day.quotes.values.ask[day.quotes.ts.length - 1], "the day's last ask").toBe(577.67);
  });
});
