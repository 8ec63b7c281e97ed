/**
 * A command run with its default flags skips zod (commands/flags.ts, FlagDefaults): its declared answer must be
 * what the real schema gives for the same bag, and the bag must name exactly the keys the schema reads. A flag
 * that differs from its default still goes through the schema, errors included.
 */
import { describe, expect, it } from 'vitest';
import { SCHEMAS_WITH_DEFAULTS, parseFlags } from '../commands/flags.js';
import { COMMAND_TABLE } from '../commands/table.js';
import { isCiftError } from '../src/errors.js';

await Promise.all(COMMAND_TABLE.map((c) => c.load()));

describe('flag defaults declared beside a schema', () => {
  it('are declared for the order commands at least (the startup path they exist for)', () => {
    expect(SCHEMAS_WITH_DEFAULTS.length).toBeGreaterThanOrEqual(2);
  });

  for (const [k, schema] of SCHEMAS_WITH_DEFAULTS.entries()) {
    const defaults = schema.defaults!;
    it(`#${k} (${Object.keys(defaults.flags).join(', ')}): the schema parses the default bag to the declared answer`, () => {
      const real = schema() as unknown as { shape: Record<string, unknown>; parse: (v: unknown) => unknown };
      expect(Object.keys(defaults.flags).sort()).toEqual(Object.keys(real.shape).sort());
      expect(real.parse(defaults.flags)).toEqual(defaults.parsed);
      // The fast path gives the same, and a copy: a caller that changes its answer does not change the next one.
      const fast = parseFlags(schema, { ...defaults.flags, unrelated: 'x' }) as Record<string, unknown>;
      expect(fast).toEqual(defaults.parsed);
      expect(fast).not.toBe(defaults.parsed);
    });
  }

  it('sends a bag that differs from the defaults through the schema, so a bad value is still refused', () => {
    const submit = SCHEMAS_WITH_DEFAULTS.find((s) => 'slippage' in s.defaults!.flags)!;
    let error: unknown;
    try {
      parseFlags(submit, { ...submit.defaults!.flags, slippage: '-1' });
    } catch (e) {
      error = e;
    }
    expect(isCiftError(error) && error.code === 'USAGE' && /--slippage "-1"/.test(error.message)).toBe(true);
    expect((parseFlags(submit, { ...submit.defaults!.flags, slippage: '2.5' }) as { slippage: number }).slippage).toBe(2.5);
  });
});
