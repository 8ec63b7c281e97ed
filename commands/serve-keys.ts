/**
 * `cift serve keys create|list|revoke`: API keys for the trading routes of `cift serve`. A new key is printed once
 * (only its SHA-256 is stored); lists show its id and prefix, never the key or its hash.
 */
import { Command, Option } from './commander.js';
import { checkAccountName } from '../src/trading/accounts.js';
import { DEFAULT_ACCOUNT } from '../src/trading/orders.js';
import { openKeysService } from '../src/usecases/keys-service.js';
import { uiFrom } from './context.js';
import { examples, paint, printJson, printTable } from './ui.js';

const create = new Command('create')
  .description('make a new API key for one account and print it once')
  .addOption(new Option('--account <name>', 'the account the key trades in (create others with `cift order accounts create`)').default(DEFAULT_ACCOUNT))
  .option('--name <label>', 'a label to recognise the key by, e.g. bot')
  .addHelpText('after', examples(['cift serve keys create --account paper --name bot', 'cift serve keys create --account research --json']))
  .action(async (flags: { account: string; name?: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    checkAccountName(flags.account);
    const created = await openKeysService(ui.settings).create(flags.account, flags.name);
    if (ui.json) printJson(created);
    else {
      process.stdout.write(`created API key ${created.id} for account ${created.account}${created.name ? ` (${created.name})` : ''}:\n${created.key}\n`);
      process.stdout.write(`use it as: curl -H "X-API-Key: <the key>" http://127.0.0.1:8000/api/v1/trading/portfolio\n`);
    }
    process.stderr.write(`${paint(ui, 'yellow', 'warning:')} this key is shown only now and cannot be recovered (only its SHA-256 is stored); keep it somewhere safe\n`);
  });

const list = new Command('list')
  .description('API keys: id, account, label, prefix, created, revoked (never the key)')
  .option('--account <name>', 'only the keys of this account')
  .addHelpText('after', examples(['cift serve keys list', 'cift serve keys list --account paper --json']))
  .action(async (flags: { account?: string }, cmd: Command) => {
    const ui = uiFrom(cmd);
    if (flags.account !== undefined) checkAccountName(flags.account);
    const keys = await openKeysService(ui.settings).list(flags.account);
    if (ui.json) return printJson(keys);
    printTable(
      ui,
      ['id', 'account', 'name', 'prefix', 'created', 'revoked'],
      keys.map((k) => [k.id, k.account, k.name ?? '', `${k.prefix}…`, k.created_at.slice(0, 19), k.revoked_at?.slice(0, 19) ?? '']),
    );
  });

const revoke = new Command('revoke')
  .description('revoke an API key: requests with it are refused (401) from now on')
  .argument('<id>', 'the key id, or the prefix `keys list` shows')
  .addHelpText('after', examples(['cift serve keys revoke 3', 'cift serve keys revoke cift_AbC1234']))
  .action(async (id: string, _flags: unknown, cmd: Command) => {
    const ui = uiFrom(cmd);
    const key = await openKeysService(ui.settings).revoke(id.replace(/…$/, ''));
    if (ui.json) printJson(key);
    else process.stdout.write(`revoked API key ${key.id} (${key.prefix}…, account ${key.account})\n`);
  });

export const keysCommand = new Command('keys')
  .description('API keys for the trading routes: create (shown once), list, revoke')
  .addCommand(create)
  .addCommand(list)
  .addCommand(revoke)
  .addHelpText('after', examples(['cift serve keys create --account paper --name bot', 'cift serve keys list', 'cift serve keys revoke 1']));
