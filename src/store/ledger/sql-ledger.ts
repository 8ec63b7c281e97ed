/**
 * The one ledger implementation, over the SQL port. Every business action is one transaction; submit locks the
 * account row (PostgreSQL) or runs alone (DuckDB), so no order is lost or doubled and positions always equal the
 * sum of their fills.
 */
import { CiftError } from '../../errors.js';
import { add, dec, fmt, neg, type Dec } from '../../money.js';
import { orderJson } from '../../usecases/views.js';
import { clientIdLock, forUpdate } from './dialect.js';
import { appendOrderEvents, type OrderEventKind, type OrderEventRow } from './outbox.js';
import type { Row, SqlDatabase, SqlRunner } from './sql.js';
import type { Account, AccountLimits, ApiKey, ApiKeyIntent, AccountOpening, CashMovement, Decision, DecisionContext, Ledger, Order, OrderIntent, OrderStatus, Position, StoredOrderEvent } from './types.js';

/** How long a key found on a shared database (PostgreSQL) is trusted before it is looked up again. */
const KEY_TRUST_MS = 1000;

const nowNs = (): string => String(BigInt(Date.now()) * 1_000_000n);
const str = (v: Row[string]): string => (v === null ? '' : String(v));

function toAccount(r: Row): Account {
  return {
    name: str(r.name),
    createdNs: BigInt(str(r.created_ns)),
    currency: str(r.currency),
    cash: dec(str(r.cash)),
    feeRate: dec(str(r.fee_rate)),
    maxPositionQty: dec(str(r.max_position_qty)),
    maxOrderNotional: dec(str(r.max_order_notional)),
    maxLeverage: dec(str(r.max_leverage)),
    maxConcentration: r.max_concentration === null || r.max_concentration === undefined ? null : dec(str(r.max_concentration)),
  };
}

function toPosition(r: Row): Position {
  return { account: str(r.account), symbol: str(r.symbol), quantity: dec(str(r.quantity)), avgCost: dec(str(r.avg_cost)), realizedPnl: dec(str(r.realized_pnl)) };
}

function toOrder(r: Row): Order {
  return {
    id: str(r.id),
    account: str(r.account),
    clientOrderId: str(r.client_order_id),
    symbol: str(r.symbol),
    side: str(r.side) as Order['side'],
    type: 'market',
    quantity: dec(str(r.quantity)),
    status: str(r.status) as OrderStatus,
    rejectCodes: r.reject_codes ? str(r.reject_codes).split(',') : [],
    rejectReason: r.reject_reason === null ? undefined : str(r.reject_reason),
    createdNs: BigInt(str(r.created_ns)),
    updatedNs: BigInt(str(r.updated_ns)),
    fill:
      r.fill_id === null || r.fill_id === undefined
        ? undefined
        : { id: str(r.fill_id), orderId: str(r.id), quantity: dec(str(r.fill_quantity)), price: dec(str(r.fill_price)), fee: dec(str(r.fill_fee)), priceSource: str(r.price_source), filledNs: BigInt(str(r.filled_ns)) },
  };
}

function toApiKey(r: Row): ApiKey {
  return {
    id: str(r.id),
    account: str(r.account),
    name: r.name === null ? undefined : str(r.name),
    prefix: str(r.prefix),
    sha256: str(r.sha256),
    createdNs: BigInt(str(r.created_ns)),
    revokedNs: r.revoked_ns === null ? undefined : BigInt(str(r.revoked_ns)),
    lastUsedNs: r.last_used_ns === null ? undefined : BigInt(str(r.last_used_ns)),
  };
}

/** A unique-constraint violation, as PostgreSQL (SQLSTATE 23505) or DuckDB ("Duplicate key") reports it. */
function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err?.code === '23505' || /duplicate key/i.test(err?.message ?? '');
}

/** Whether a resubmission asks for exactly the order a client id already names. */
const sameOrder = (o: Order, i: OrderIntent): boolean => o.account === i.account && o.symbol === i.symbol && o.side === i.side && o.type === 'market' && o.quantity === i.quantity;

function idempotencyConflict(original: Order, intent: OrderIntent): CiftError {
  const describe = (x: { side: string; quantity: Dec; symbol: string; account: string }) => `${x.side} ${fmt(x.quantity)} ${x.symbol} market in account ${x.account}`;
  return new CiftError(
    'IDEMPOTENCY_CONFLICT',
    `IDEMPOTENCY_CONFLICT: client id "${intent.clientOrderId}" already names order ${original.id} (${describe(original)}, ${original.status}); this request is ${describe(intent)}`,
    `use a new --client-id for a new order; resubmitting order ${original.id}'s exact parameters returns it`,
  );
}

/**
 * What a client id already in the ledger means for a new submit: the same order again returns the original
 * (duplicate); a different order under the id is IDEMPOTENCY_CONFLICT naming the original; unused: undefined.
 */
function idempotentAnswer(existing: readonly Order[], intent: OrderIntent): { order: Order; duplicate: true } | undefined {
  if (existing.length === 0) return undefined;
  const same = existing.find((o) => sameOrder(o, intent));
  if (same) return { order: same, duplicate: true };
  throw idempotencyConflict(existing.find((o) => o.account === intent.account) ?? existing[0], intent);
}

/** The outbox row of an order change (payload: the order's API view), written in the change's transaction. */
const eventRow = (order: Order, kind: OrderEventKind): OrderEventRow => ({ account: order.account, orderId: order.id, kind, payload: orderJson(order), createdNs: order.updatedNs });

const ORDER_SELECT = `SELECT o.*, f.id AS fill_id, f.quantity AS fill_quantity, f.price AS fill_price, f.fee AS fill_fee, f.price_source, f.filled_ns
  FROM orders o LEFT JOIN fills f ON f.order_id = o.id`;

interface AccountState {
  account: Account;
  positions: Position[];
}

export class SqlLedger implements Ledger {
  /**
   * On an exclusive database (the embedded ledger), each account's row and positions as last committed by this
   * process, so a submit need not read them back: DuckDB spends ~0.7 ms on every small statement. Entries are
   * written only after a successful write and dropped on any failure.
   */
  private readonly states = new Map<string, AccountState>();

  /**
   * On an exclusive database, each account as this process last committed it (set only after COMMIT, so a read
   * served from here sees committed data): getAccount, which every trading request makes before it submits, then
   * costs no statement. `seq` orders the writes (taken inside the transaction, which runs one at a time), so a
   * write's entry never replaces a later one's.
   */
  private readonly committed = new Map<string, { account: Account; seq: number }>();
  private writeSeq = 0;

  /**
   * API keys found by hash, so a trading request (each resolves its key) costs no lookup; unknown hashes are not
   * kept (guessed keys must not grow it). Every key write through this ledger bumps keyEpoch and empties it after
   * COMMIT, and a lookup that ran across a key write is not kept. On an exclusive database no other process can
   * write, so an entry is never stale; on a shared one (PostgreSQL) an entry is trusted for KEY_TRUST_MS only,
   * which bounds how long a key revoked by another process still works here.
   */
  private readonly keysByHash = new Map<string, { key: ApiKey; at: number }>();
  private keyEpoch = 0;

  constructor(private readonly db: SqlDatabase) {}

  /** Remembers an account as committed by the write numbered `seq` (exclusive databases only). */
  private rememberCommitted(account: Account, seq: number): void {
    if (!this.db.exclusive) return;
    const known = this.committed.get(account.name);
    if (known === undefined || known.seq < seq) this.committed.set(account.name, { account, seq });
  }

  /** After a key write has committed (or failed: it may have committed all the same). */
  private keysChanged(): void {
    this.keyEpoch++;
    this.keysByHash.clear();
  }

  get backend(): 'duckdb' | 'postgres' {
    return this.db.dialect;
  }

  async ensureAccount(name: string, opening: AccountOpening): Promise<Account> {
    return (await this.getAccount(name)) ?? (await this.insertAccount(name, opening)).account;
  }

  async createAccount(name: string, opening: AccountOpening): Promise<Account> {
    const { account, created } = await this.insertAccount(name, opening);
    if (!created) throw new CiftError('ACCOUNT_EXISTS', `ACCOUNT_EXISTS: account "${name}" already exists (cash ${fmt(account.cash)} ${account.currency})`, 'see them with `cift order accounts list`; pick another name');
    return account;
  }

  /** Inserts the account and its opening deposit in one transaction; an existing account is left as it is. */
  private async insertAccount(name: string, opening: AccountOpening): Promise<{ account: Account; created: boolean }> {
    let seq = 0;
    const result = await this.db.transaction(async (tx) => {
      seq = ++this.writeSeq;
      const inserted = await tx.query(
        `INSERT INTO accounts (name, currency, cash, fee_rate, max_position_qty, max_order_notional, max_leverage, created_ns)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (name) DO NOTHING RETURNING name`,
        [name, opening.currency, fmt(opening.cash), fmt(opening.feeRate), fmt(opening.maxPositionQty), fmt(opening.maxOrderNotional), fmt(opening.maxLeverage), nowNs()],
      );
      if (inserted.length) {
        await tx.query('INSERT INTO cash_movements (account, amount, kind, order_id, created_ns) VALUES ($1, $2, $3, NULL, $4)', [name, fmt(opening.cash), 'deposit', nowNs()]);
      }
      return { account: toAccount((await tx.query('SELECT * FROM accounts WHERE name = $1', [name]))[0]), created: inserted.length > 0 };
    });
    this.rememberCommitted(result.account, seq);
    return { account: { ...result.account }, created: result.created };
  }

  async accounts(): Promise<Account[]> {
    return (await this.db.query('SELECT * FROM accounts ORDER BY name')).map(toAccount);
  }

  async getAccount(name: string): Promise<Account | undefined> {
    const known = this.db.exclusive ? this.committed.get(name) : undefined;
    if (known) return { ...known.account };
    const rows = await this.db.query('SELECT * FROM accounts WHERE name = $1', [name]);
    return rows.length ? toAccount(rows[0]) : undefined;
  }

  async setLimits(name: string, limits: Partial<AccountLimits>): Promise<Account> {
    // Forget the remembered account on both sides of the write: a submit queued before it must not re-remember
    // the old limits after it.
    this.states.delete(name);
    this.committed.delete(name);
    let seq = 0;
    try {
      const account = await this.writeLimits(name, limits, () => (seq = ++this.writeSeq));
      this.rememberCommitted(account, seq);
      return { ...account };
    } catch (e) {
      this.committed.delete(name);
      throw e;
    } finally {
      this.states.delete(name);
    }
  }

  private async writeLimits(name: string, limits: Partial<AccountLimits>, began: () => void): Promise<Account> {
    // undefined leaves a column as it is; null (max_concentration only) clears it to "no limit".
    const columns: Array<[string, Dec | null | undefined]> = [
      ['fee_rate', limits.feeRate],
      ['max_position_qty', limits.maxPositionQty],
      ['max_order_notional', limits.maxOrderNotional],
      ['max_leverage', limits.maxLeverage],
      ['max_concentration', limits.maxConcentration],
    ];
    return this.db.transaction(async (tx) => {
      began();
      const set = columns.filter(([, v]) => v !== undefined);
      if (set.length) {
        await tx.query(`UPDATE accounts SET ${set.map(([c], k) => `${c} = $${k + 2}`).join(', ')} WHERE name = $1`, [name, ...set.map(([, v]) => (v === null ? null : fmt(v!)))]);
      }
      const rows = await tx.query('SELECT * FROM accounts WHERE name = $1', [name]);
      if (!rows.length) throw new CiftError('UNKNOWN_ACCOUNT', `UNKNOWN_ACCOUNT: no account "${name}"`, 'create it with `cift order accounts create NAME`');
      return toAccount(rows[0]);
    });
  }

  private async orderBy(tx: SqlRunner, where: string, params: unknown[]): Promise<Order | undefined> {
    const rows = await tx.query(`${ORDER_SELECT} WHERE ${where}`, params);
    return rows.length ? toOrder(rows[0]) : undefined;
  }

  async submit(intent: OrderIntent, decide: (ctx: DecisionContext) => Decision | Promise<Decision>): Promise<{ order: Order; duplicate: boolean }> {
    try {
      let seq = 0;
      let state: AccountState | undefined;
      const result = await this.db.transaction(async (tx) => {
        seq = ++this.writeSeq;
        const answer = await this.submitIn(tx, intent, decide);
        state = this.db.exclusive ? this.states.get(intent.account) : undefined;
        return answer;
      });
      // Committed now: what submitIn remembered is what the ledger holds.
      if (state) this.rememberCommitted(state.account, seq);
      return result;
    } catch (e) {
      this.states.delete(intent.account);
      this.committed.delete(intent.account);
      // Idempotency backstop: submitIn looks the client id up under the account lock, but a concurrent submit of
      // the same id can still win the insert (the unique (account, client_order_id) then rejects this one, and the
      // whole attempt rolled back). The winner is committed by now: answer as submitIn would have.
      if (isUniqueViolation(e)) {
        const answer = idempotentAnswer(await this.ordersWithClientId(this.db, intent.clientOrderId), intent);
        if (answer) return answer;
      }
      throw e;
    }
  }

  private async lockedState(tx: SqlRunner, name: string): Promise<AccountState> {
    const remembered = this.db.exclusive ? this.states.get(name) : undefined;
    if (remembered) return remembered;
    const accountRows = await tx.query(`SELECT * FROM accounts WHERE name = $1${forUpdate(this.db.dialect)}`, [name]);
    if (!accountRows.length) throw new CiftError('UNKNOWN_ACCOUNT', `UNKNOWN_ACCOUNT: no account "${name}"`, 'create it with `cift order accounts create NAME`');
    // Positions are read by a statement of their own, after the lock is held: in READ COMMITTED a statement that
    // waited for the lock still sees the snapshot it started with, so a joined read would miss the positions the
    // previous holder just wrote (the concurrency test catches exactly that).
    const positions = (await tx.query('SELECT * FROM positions WHERE account = $1', [name])).map(toPosition);
    return { account: toAccount(accountRows[0]), positions };
  }

  /** Every order recorded under a client id, in any account (ids written before ids were ledger-wide may repeat). */
  private async ordersWithClientId(runner: SqlRunner, clientOrderId: string): Promise<Order[]> {
    return (await runner.query(`${ORDER_SELECT} WHERE o.client_order_id = $1 ORDER BY o.id`, [clientOrderId])).map(toOrder);
  }

  private async submitIn(tx: SqlRunner, intent: OrderIntent, decide: (ctx: DecisionContext) => Decision | Promise<Decision>): Promise<{ order: Order; duplicate: boolean }> {
    const { account, positions } = await this.lockedState(tx, intent.account);
    if (!intent.clientOrderIdGenerated) {
      // Read after the account lock is held, so an earlier submit of the same id in this account is committed.
      const idLock = clientIdLock(this.db.dialect);
      if (idLock) await tx.query(idLock, [intent.clientOrderId]);
      const answer = idempotentAnswer(await this.ordersWithClientId(tx, intent.clientOrderId), intent);
      if (answer) return answer;
    }
    const decision = await decide({ account, positions });
    const now = nowNs();
    let fillId = '';
    const [{ id }] = await tx.query(
      `INSERT INTO orders (account, client_order_id, symbol, side, type, quantity, status, reject_codes, reject_reason, created_ns, updated_ns)
       VALUES ($1, $2, $3, $4, 'market', $5, $6, $7, $8, $9, $9) RETURNING id`,
      [intent.account, intent.clientOrderId, intent.symbol, intent.side, fmt(intent.quantity), decision.status, decision.status === 'rejected' ? decision.codes.join(',') : null, decision.status === 'rejected' ? decision.reason : null, now],
    );
    let state: AccountState = { account, positions };
    if (decision.status === 'filled') {
      const notional = decision.cashDelta;
      const [fill] = await tx.query(
        `INSERT INTO fills (order_id, account, symbol, side, quantity, price, fee, price_source, filled_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
        [str(id), intent.account, intent.symbol, intent.side, fmt(intent.quantity), fmt(decision.price), fmt(decision.fee), decision.priceSource, now],
      );
      fillId = str(fill.id);
      // The positions were read above, so we know whether to update or insert (cheaper than an upsert in DuckDB).
      const p = decision.position;
      const held = positions.some((x) => x.symbol === intent.symbol);
      await tx.query(
        held
          ? 'UPDATE positions SET quantity = $3, avg_cost = $4, realized_pnl = $5, updated_ns = $6 WHERE account = $1 AND symbol = $2'
          : 'INSERT INTO positions (account, symbol, quantity, avg_cost, realized_pnl, updated_ns) VALUES ($1, $2, $3, $4, $5, $6)',
        [intent.account, intent.symbol, fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl), now],
      );
      const cash = add(add(account.cash, notional), neg(decision.fee));
      await tx.query('UPDATE accounts SET cash = $2 WHERE name = $1', [intent.account, fmt(cash)]);
      // The trade and its fee as two movements in one statement (a zero fee is recorded too, keeping one shape).
      await tx.query("INSERT INTO cash_movements (account, amount, kind, order_id, created_ns) VALUES ($1, $2, 'trade', $4, $5), ($1, $3, 'fee', $4, $5)", [
        intent.account,
        fmt(notional),
        fmt(neg(decision.fee)),
        str(id),
        now,
      ]);
      const position: Position = { account: intent.account, symbol: intent.symbol, ...p };
      state = { account: { ...account, cash }, positions: held ? positions.map((x) => (x.symbol === intent.symbol ? position : x)) : [...positions, position] };
    }
    // Remembered before COMMIT: the embedded database runs one transaction at a time, and a failed COMMIT drops
    // the entry again (submit's catch).
    if (this.db.exclusive) this.states.set(intent.account, state);
    const order: Order = {
      id: str(id),
      account: intent.account,
      clientOrderId: intent.clientOrderId,
      symbol: intent.symbol,
      side: intent.side,
      type: 'market',
      quantity: intent.quantity,
      status: decision.status,
      rejectCodes: decision.status === 'rejected' ? decision.codes : [],
      rejectReason: decision.status === 'rejected' ? decision.reason : undefined,
      createdNs: BigInt(now),
      updatedNs: BigInt(now),
      fill: decision.status === 'filled' ? { id: fillId, orderId: str(id), quantity: intent.quantity, price: decision.price, fee: decision.fee, priceSource: decision.priceSource, filledNs: BigInt(now) } : undefined,
    };
    // The outbox, in this transaction: a market order is accepted then filled at once, or rejected.
    await appendOrderEvents(tx, [...(decision.status === 'filled' ? [eventRow({ ...order, status: 'accepted', fill: undefined }, 'accepted')] : []), eventRow(order, decision.status)]);
    return { order, duplicate: false };
  }

  async cancel(account: string, orderId: string): Promise<Order> {
    return this.db.transaction(async (tx) => {
      if (!/^\d+$/.test(orderId)) throw new CiftError('ORDER_NOT_FOUND', `no order "${orderId}" in account "${account}"`);
      const order = await this.orderBy(tx, 'o.account = $1 AND o.id = $2', [account, orderId]);
      if (!order) throw new CiftError('ORDER_NOT_FOUND', `no order "${orderId}" in account "${account}"`);
      if (order.status !== 'accepted') {
        throw new CiftError('ORDER_NOT_CANCELABLE', `ORDER_NOT_CANCELABLE: id=${orderId} status=${order.status}`, 'only resting orders can be cancelled; market orders fill or are rejected at once');
      }
      await tx.query("UPDATE orders SET status = 'canceled', updated_ns = $2 WHERE id = $1", [orderId, nowNs()]);
      const canceled = (await this.orderBy(tx, 'o.id = $1', [orderId]))!;
      await appendOrderEvents(tx, [eventRow(canceled, 'canceled')]);
      return canceled;
    });
  }

  async orderEvents(opts: { afterId?: bigint; limit: number; unpublished?: boolean }): Promise<StoredOrderEvent[]> {
    const sql = `SELECT * FROM order_events WHERE id > $1${opts.unpublished ? ' AND published_ns IS NULL' : ''} ORDER BY id LIMIT $2`;
    const params = [String(opts.afterId ?? 0n), opts.limit];
    let rows: Row[];
    if (this.db.dialect === 'postgres') {
      // Ids come from a sequence when the row is inserted, not when it commits: event 10 may commit before 9.
      // SHARE mode waits for every transaction that has inserted a row (they hold ROW EXCLUSIVE) to end and holds
      // new inserts off while the SELECT runs, so no id below what we read can still appear. An unlocked look
      // first: an idle relay's polls then never hold writers up.
      const any = await this.db.query(`SELECT id FROM order_events WHERE id > $1${opts.unpublished ? ' AND published_ns IS NULL' : ''} LIMIT 1`, [params[0]]);
      rows = any.length === 0 ? [] : await this.db.transaction(async (tx) => (await tx.query('LOCK TABLE order_events IN SHARE MODE'), tx.query(sql, params)));
    } else {
      // The embedded ledger has one writer, one transaction at a time: ids commit in order.
      rows = await this.db.query(sql, params);
    }
    return rows.map((r) => ({
      id: BigInt(str(r.id)),
      account: str(r.account),
      orderId: str(r.order_id),
      kind: str(r.kind) as OrderEventKind,
      payload: JSON.parse(str(r.payload)) as unknown,
      createdNs: BigInt(str(r.created_ns)),
      publishedNs: r.published_ns === null ? undefined : BigInt(str(r.published_ns)),
    }));
  }

  async markPublished(ids: readonly bigint[], ns: bigint): Promise<void> {
    if (ids.length === 0) return;
    const list = ids.map((_, k) => `$${k + 2}`).join(', ');
    await this.db.transaction((tx) => tx.query(`UPDATE order_events SET published_ns = $1 WHERE id IN (${list}) AND published_ns IS NULL`, [String(ns), ...ids.map(String)]));
  }

  async orders(account: string, status?: OrderStatus): Promise<Order[]> {
    const rows = status
      ? await this.db.query(`${ORDER_SELECT} WHERE o.account = $1 AND o.status = $2 ORDER BY o.id`, [account, status])
      : await this.db.query(`${ORDER_SELECT} WHERE o.account = $1 ORDER BY o.id`, [account]);
    return rows.map(toOrder);
  }

  async positions(account: string): Promise<Position[]> {
    // Read back, not remembered: the remembered state is set before COMMIT, and a read must see committed data.
    return (await this.db.query('SELECT * FROM positions WHERE account = $1 ORDER BY symbol', [account])).map(toPosition);
  }

  async cashMovements(account: string): Promise<CashMovement[]> {
    const rows = await this.db.query('SELECT * FROM cash_movements WHERE account = $1 ORDER BY id', [account]);
    return rows.map((r) => ({ amount: dec(str(r.amount)), kind: str(r.kind) as CashMovement['kind'], orderId: r.order_id === null ? undefined : str(r.order_id) }));
  }

  async createApiKey(key: ApiKeyIntent): Promise<ApiKey> {
    // Writes go through transaction() like every other write (on DuckDB: the one writer connection, in turn).
    const rows = await this.db
      .transaction((tx) => tx.query('INSERT INTO api_keys (account, name, prefix, sha256, created_ns) VALUES ($1, $2, $3, $4, $5) RETURNING *', [
        key.account,
        key.name ?? null,
        key.prefix,
        key.sha256,
        nowNs(),
      ]))
      .finally(() => this.keysChanged());
    return toApiKey(rows[0]);
  }

  async apiKeys(account?: string): Promise<ApiKey[]> {
    const rows = account === undefined ? await this.db.query('SELECT * FROM api_keys ORDER BY id') : await this.db.query('SELECT * FROM api_keys WHERE account = $1 ORDER BY id', [account]);
    return rows.map(toApiKey);
  }

  async revokeApiKey(idOrPrefix: string): Promise<ApiKey> {
    try {
      return await this.revokeIn(idOrPrefix);
    } finally {
      this.keysChanged();
    }
  }

  private async revokeIn(idOrPrefix: string): Promise<ApiKey> {
    return this.db.transaction(async (tx) => {
      const matches = /^\d+$/.test(idOrPrefix)
        ? await tx.query('SELECT * FROM api_keys WHERE id = $1', [idOrPrefix])
        : await tx.query('SELECT * FROM api_keys WHERE prefix = $1 ORDER BY id', [idOrPrefix]);
      if (matches.length === 0) throw new CiftError('KEY_NOT_FOUND', `KEY_NOT_FOUND: no API key with id or prefix "${idOrPrefix}"`, 'see them with `cift serve keys list`');
      if (matches.length > 1) throw new CiftError('USAGE', `prefix "${idOrPrefix}" names ${matches.length} keys (ids ${matches.map((r) => str(r.id)).join(', ')})`, 'revoke by id');
      const key = toApiKey(matches[0]);
      if (key.revokedNs !== undefined) return key;
      const now = nowNs();
      await tx.query('UPDATE api_keys SET revoked_ns = $2 WHERE id = $1', [key.id, now]);
      return { ...key, revokedNs: BigInt(now) };
    });
  }

  async findApiKeyByHash(sha256: string): Promise<ApiKey | undefined> {
    const known = this.keysByHash.get(sha256);
    if (known && (this.db.exclusive || Date.now() - known.at < KEY_TRUST_MS)) return { ...known.key };
    const epoch = this.keyEpoch;
    const at = Date.now();
    const rows = await this.db.query('SELECT * FROM api_keys WHERE sha256 = $1', [sha256]);
    if (!rows.length) {
      this.keysByHash.delete(sha256);
      return undefined;
    }
    const key = toApiKey(rows[0]);
    // Kept only when no key write finished while the lookup ran (it may have read the row from before the write).
    if (epoch === this.keyEpoch) this.keysByHash.set(sha256, { key, at });
    return { ...key };
  }

  async touchApiKey(id: string, ns: bigint): Promise<void> {
    if (!/^\d+$/.test(id)) return;
    await this.db.transaction((tx) => tx.query('UPDATE api_keys SET last_used_ns = $2 WHERE id = $1', [id, String(ns)])).finally(() => this.keysChanged());
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
