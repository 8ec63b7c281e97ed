/** Tests that need ../shared skip with a reason on a bare clone, and fail instead when CI requires the data. */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

function vitestWithout(shared: string, require: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, CIFT_SHARED_DIR: shared, NO_COLOR: '1' };
  if (require) env.CIFT_TEST_REQUIRE_SHARED = '1';
  else delete env.CIFT_TEST_REQUIRE_SHARED;
  return spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/sources/lobster.test.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
}

describe('tests that need ../shared', () => {
  it('skip and say why when it is absent', () => {
    const r = vitestWithout('/nonexistent/shared', false);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/skipping tests that need the LOBSTER sample day .*not found at \/nonexistent\/shared\/data\/lobster/);
    expect(r.stdout).toMatch(/skipped/);
  });

  it('fail when CIFT_TEST_REQUIRE_SHARED=1, as in CI', () => {
    const r = vitestWithout('/nonexistent/shared', true);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/CIFT_TEST_REQUIRE_SHARED=1 but the LOBSTER sample day/);
  });
});
