import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './config.js';

/** cift's version, from package.json. */
export const VERSION = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
