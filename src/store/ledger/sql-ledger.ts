/**
 * The one ledger implementation, over the SQL port. Every business action is one transaction; submit locks the
 * account row (PostgreSQL) or runs alone (DuckDB), so no order is lost or doubled and positions always equal the
 * sum of their fills.
 */
import { CiftError } from '../../errors.js';
import { add, dec, div, fmt, mul, neg, sub, ZERO, type Dec } from '../../money.js';
import { applyFill as applyFillTo } from '../../trading/position-math.js';
import { orderJson } from '../../usecases/views.js';
import { clientIdLock, forUpdate } from './dialect.js';
import { randomBytes } from 'node:crypto';
import { positionRows, STATE_STATEMENT, stateSelect, SUBMIT_STATEMENT, submitScript } from './one-trip.js';
import { appendOrderEvent, appendOrderEvents, payloadText, type OrderEventKind } from './outbox.js';
import type { Row, SqlDatabase, SqlRunner } from './sql.js';
import { RESTING_STATUSES } from './types.js';
import type { Account, AccountLimits, ApiKey, ApiKeyIntent, AccountOpening, CashMovement, Decision, DecisionContext, Fill, FillDecision, Ledger, Order, OrderChange, OrderIntent, OrderStatus, OrderType, Position, Side, StoredOrderEvent, TimeInForce } from './types.js';

/** The legacy full-fill decision (a market order) as a placement that fills at once. */
function normalize(d: Decision, quantity: Dec): Exclude<Decision, { status: 'filled' }> {
  if (d.status !== 'filled') return d;
  return { status: 'placed', final: 'filled', reserved: ZERO, triggered: false, fill: { quantity, price: d.price, fee: d.fee, priceSource: d.priceSource, position: d.position, cashDelta: d.cashDelta } };
}

/** How many times a one-trip submit (PostgreSQL) tries again on fresher state before taking the transaction path. */
const ONE_TRIP_ATTEMPTS = 3;

/**
 * Where a one-trip submit's outbox payloads take the order and fill ids, which only the database assigns. Random
 * per process, so no client text can hold it by chance (and a request that holds it anyway takes the other path).
 */
const ID_MARK = `cift-id-${randomBytes(12).toString('hex')}-`;
const ORDER_ID_MARK = `${ID_MARK}order`;
const FILL_ID_MARK = `${ID_MARK}fill`;

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

const decOrUndef = (v: Row[string] | undefined): Dec | undefined => (v === null || v === undefined ? undefined : dec(str(v)));

function toFill(r: Row): Fill {
  return { id: str(r.fill_id), orderId: str(r.id), quantity: dec(str(r.fill_quantity)), price: dec(str(r.fill_price)), fee: dec(str(r.fill_fee)), priceSource: str(r.price_source), filledNs: BigInt(str(r.filled_ns)) };
}

function toOrder(r: Row): Order {
  const fills = r.fill_id === null || r.fill_id === undefined ? [] : [toFill(r)];
  return {
    id: str(r.id),
    account: str(r.account),
    clientOrderId: str(r.client_order_id),
    symbol: str(r.symbol),
    side: str(r.side) as Order['side'],
    type: str(r.type) as OrderType,
    quantity: dec(str(r.quantity)),
    status: str(r.status) as OrderStatus,
    rejectCodes: r.reject_codes ? str(r.reject_codes).split(',') : [],
    rejectReason: r.reject_reason === null ? undefined : str(r.reject_reason),
    createdNs: BigInt(str(r.created_ns)),
    updatedNs: BigInt(str(r.updated_ns)),
    fill: fills[0],
    fills,
    limitPrice: decOrUndef(r.limit_price),
    stopPrice: decOrUndef(r.stop_price),
    tif: str(r.tif) as TimeInForce,
    filledQuantity: dec(str(r.filled_quantity)),
    filledAvgPrice: decOrUndef(r.filled_avg_price),
    reserved: dec(str(r.reserved)),
    triggered: r.triggered === true || r.triggered === 'true',
    placedNs: BigInt(str(r.placed_ns)),
    expiresNs: r.expires_ns === null || r.expires_ns === undefined ? undefined : BigInt(str(r.expires_ns)),
    cursorNs: BigInt(str(r.cursor_ns)),
    cursorSeq: Number(r.cursor_seq),
  };
}

/** Orders from ORDER_SELECT rows (one row per fill, ordered by order id then fill id), fills gathered per order. */
function toOrders(rows: Row[]): Order[] {
  const out: Order[] = [];
  for (const r of rows) {
    const last = out[out.length - 1];
    if (last && last.id === str(r.id)) {
      if (r.fill_id !== null && r.fill_id !== undefined) last.fills.push(toFill(r));
    } else out.push(toOrder(r));
  }
  return out;
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
const sameOrder = (o: Order, i: OrderIntent): boolean =>
  o.account === i.account &&
  o.symbol === i.symbol &&
  o.side === i.side &&
  o.type === (i.type ?? 'market') &&
  o.quantity === i.quantity &&
  o.limitPrice === i.limitPrice &&
  o.stopPrice === i.stopPrice &&
  o.tif === (i.tif ?? 'day');

function idempotencyConflict(original: Order, intent: OrderIntent): CiftError {
  const describe = (x: { side: string; quantity: Dec; symbol: string; account: string; type?: string }) => `${x.side} ${fmt(x.quantity)} ${x.symbol} ${x.type ?? 'market'} in account ${x.account}`;
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

/**
 * The order a placement records and its outbox events in order (pure: both submit paths build them here). An
 * order that rests is accepted as what it now is (open, its buying power reserved); one that fills or is canceled
 * at once is accepted as placed, and its next event says what became of it.
 */
function placementViews(
  intent: OrderIntent,
  decision: Exclude<Decision, { status: 'filled' }>,
  nowNs: bigint,
  orderId: string,
  fill: Fill | undefined,
): { order: Order; events: Array<{ kind: OrderEventKind; order: Order }> } {
  const placedNs = intent.placedNs ?? nowNs;
  const base: Order = {
    id: orderId,
    account: intent.account,
    clientOrderId: intent.clientOrderId,
    symbol: intent.symbol,
    side: intent.side,
    type: intent.type ?? 'market',
    quantity: intent.quantity,
    status: 'accepted',
    rejectCodes: [],
    rejectReason: undefined,
    createdNs: nowNs,
    updatedNs: nowNs,
    fill: undefined,
    fills: [],
    limitPrice: intent.limitPrice,
    stopPrice: intent.stopPrice,
    tif: intent.tif ?? 'day',
    filledQuantity: ZERO,
    filledAvgPrice: undefined,
    reserved: ZERO,
    triggered: decision.status === 'placed' && decision.triggered,
    placedNs,
    expiresNs: intent.expiresNs,
    cursorNs: intent.cursorNs ?? placedNs,
    cursorSeq: intent.cursorSeq ?? Number.MAX_SAFE_INTEGER,
  };
  if (decision.status === 'rejected') {
    const order: Order = { ...base, status: 'rejected', rejectCodes: decision.codes, rejectReason: decision.reason };
    return { order, events: [{ kind: 'rejected', order }] };
  }
  const events: Array<{ kind: OrderEventKind; order: Order }> = [];
  const fillDecision = decision.fill;
  let order: Order = { ...base, status: fillDecision ? (decision.final === 'filled' ? 'filled' : 'partially_filled') : decision.final, reserved: decision.reserved };
  events.push({ kind: 'accepted', order: fillDecision || decision.final === 'canceled' ? base : order });
  if (fillDecision && fill) {
    order = { ...order, fill, fills: [fill], filledQuantity: fillDecision.quantity, filledAvgPrice: fillDecision.price };
    events.push({ kind: order.status === 'filled' ? 'filled' : 'partially_filled', order });
  }
  if (decision.final === 'canceled') {
    order = { ...order, status: 'canceled', reserved: ZERO };
    events.push({ kind: 'canceled', order });
  }
  return { order, events };
}

const ORDER_SELECT = `SELECT o.*, f.id AS fill_id, f.quantity AS fill_quantity, f.price AS fill_price, f.fee AS fill_fee, f.price_source, f.filled_ns
  FROM orders o LEFT JOIN fills f ON f.order_id = o.id`;
/** ORDER_SELECT's order, so toOrders can gather each order's fills. */
const ORDER_ORDER = 'ORDER BY o.id, f.id';

interface AccountState {
  account: Account;
  positions: Position[];
  /** Buying power held by the account's resting orders. */
  reserved: Dec;
}

/** An account's state as last read from PostgreSQL, with the fingerprint a one-trip submit checks it by. */
interface StateHint {
  state: AccountState;
  fingerprint: string;
}

function toHint(r: Row): StateHint {
  const account = toAccount(r);
  const positions = positionRows(r).map(([symbol, quantity, avgCost, realizedPnl]) => ({ account: account.name, symbol, quantity: dec(quantity), avgCost: dec(avgCost), realizedPnl: dec(realizedPnl) }));
  return { state: { account, positions, reserved: dec(str(r.held_total)) }, fingerprint: str(r.fingerprint) };
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

  /**
   * On PostgreSQL, each account's state as last read, for one-trip submits. Only a guess: the submit checks it
   * against the account under its lock and writes nothing when it is stale, so other writers never make it wrong.
   */
  private readonly hints = new Map<string, StateHint>();

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
    if (this.db.script) {
      // The whole state in the same round trip: the submit that usually follows then needs no read of its own.
      const hint = await this.readHint(name);
      return hint ? { ...hint.state.account } : undefined;
    }
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
    const rows = await tx.query(`${ORDER_SELECT} WHERE ${where} ${ORDER_ORDER}`, params);
    return rows.length ? toOrders(rows)[0] : undefined;
  }

  async submit(intent: OrderIntent, decide: (ctx: DecisionContext) => Decision | Promise<Decision>): Promise<{ order: Order; duplicate: boolean }> {
    try {
      if (this.db.script) {
        const answer = await this.submitInOneTrip(intent, decide);
        if (answer) return answer;
      }
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
      this.hints.delete(intent.account);
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

  private async readHint(name: string): Promise<StateHint | undefined> {
    const rows = await this.db.query(stateSelect('$1'), [name]);
    const hint = rows.length ? toHint(rows[0]) : undefined;
    if (hint) this.hints.set(name, hint);
    else this.hints.delete(name);
    return hint;
  }

  /**
   * The submit in one round trip (PostgreSQL, one-trip.ts): decided on the account's last known state, recorded
   * only if that is still its state under the lock; on stale state, decided again on the state the trip read.
   * undefined: take the transaction path (no such account, the client id is already used, or the account keeps
   * changing under us), which answers those cases as it always has.
   */
  private async submitInOneTrip(intent: OrderIntent, decide: (ctx: DecisionContext) => Decision | Promise<Decision>): Promise<{ order: Order; duplicate: boolean } | undefined> {
    if ([intent.account, intent.clientOrderId, intent.symbol].some((t) => t.includes(ID_MARK))) return undefined;
    let hint = this.hints.get(intent.account) ?? (await this.readHint(intent.account));
    for (let attempt = 0; hint && attempt < ONE_TRIP_ATTEMPTS; attempt++) {
      const { account, positions, reserved } = hint.state;
      const decision = normalize(await decide({ account: { ...account }, positions: positions.map((p) => ({ ...p })), reserved }), intent.quantity);
      if (decision.status === 'rejected' && decision.reason.includes(ID_MARK)) return undefined;
      const now = nowNs();
      const nowBig = BigInt(now);
      const placedNs = intent.placedNs ?? nowBig;
      const f = decision.status === 'placed' ? decision.fill : undefined;
      const filledNs = f?.filledNs === undefined ? now : String(f.filledNs);
      const markedFill: Fill | undefined = f && { id: FILL_ID_MARK, orderId: ORDER_ID_MARK, quantity: f.quantity, price: f.price, fee: f.fee, priceSource: f.priceSource, filledNs: BigInt(filledNs) };
      const planned = placementViews(intent, decision, nowBig, ORDER_ID_MARK, markedFill);
      const results = await this.db.script!(
        submitScript({
          account: intent.account,
          fingerprint: hint.fingerprint,
          clientOrderId: intent.clientOrderIdGenerated ? undefined : intent.clientOrderId,
          order: {
            account: intent.account,
            clientOrderId: intent.clientOrderId,
            symbol: intent.symbol,
            side: intent.side,
            type: intent.type ?? 'market',
            quantity: intent.quantity,
            status: decision.status === 'rejected' ? 'rejected' : decision.final,
            rejectCodes: decision.status === 'rejected' ? decision.codes.join(',') : null,
            rejectReason: decision.status === 'rejected' ? decision.reason : null,
            createdNs: now,
            limitPrice: intent.limitPrice,
            stopPrice: intent.stopPrice,
            tif: intent.tif ?? 'day',
            filledQuantity: f?.quantity ?? ZERO,
            filledAvgPrice: f?.price,
            reserved: decision.status === 'placed' ? decision.reserved : ZERO,
            triggered: decision.status === 'placed' && decision.triggered,
            placedNs: String(placedNs),
            expiresNs: intent.expiresNs === undefined ? undefined : String(intent.expiresNs),
            cursorNs: String(intent.cursorNs ?? placedNs),
            cursorSeq: intent.cursorSeq ?? Number.MAX_SAFE_INTEGER,
          },
          fill: f && {
            symbol: intent.symbol,
            side: intent.side,
            quantity: f.quantity,
            price: f.price,
            fee: f.fee,
            priceSource: f.priceSource,
            filledNs,
            position: f.position,
            cash: add(add(account.cash, f.cashDelta), neg(f.fee)),
            trade: f.cashDelta,
            feeMovement: neg(f.fee),
          },
          events: planned.events.map((e) => ({ kind: e.kind, payload: payloadText(orderJson(e.order)) })),
          createdNs: now,
          orderIdMark: ORDER_ID_MARK,
          fillIdMark: FILL_ID_MARK,
        }),
        [SUBMIT_STATEMENT, STATE_STATEMENT],
      );
      const [written] = results[results.length - 3];
      const [after] = results[results.length - 2];
      hint = after ? toHint(after) : undefined;
      if (hint) this.hints.set(intent.account, hint);
      else this.hints.delete(intent.account);
      if (written.order_id !== null) {
        const orderId = str(written.order_id);
        const fill = markedFill && { ...markedFill, id: str(written.fill_id), orderId };
        return { order: placementViews(intent, decision, nowBig, orderId, fill).order, duplicate: false };
      }
      if (written.fresh === true && written.id_free === false) return undefined;
    }
    return undefined;
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
    const [held] = await tx.query("SELECT COALESCE(SUM(reserved), 0) AS reserved FROM orders WHERE account = $1 AND status IN ('open', 'partially_filled')", [name]);
    return { account: toAccount(accountRows[0]), positions, reserved: dec(str(held.reserved)) };
  }

  /** Every order recorded under a client id, in any account (ids written before ids were ledger-wide may repeat). */
  private async ordersWithClientId(runner: SqlRunner, clientOrderId: string): Promise<Order[]> {
    return toOrders(await runner.query(`${ORDER_SELECT} WHERE o.client_order_id = $1 ${ORDER_ORDER}`, [clientOrderId]));
  }

  private async submitIn(tx: SqlRunner, intent: OrderIntent, decide: (ctx: DecisionContext) => Decision | Promise<Decision>): Promise<{ order: Order; duplicate: boolean }> {
    const locked = await this.lockedState(tx, intent.account);
    const { account, positions, reserved } = locked;
    if (!intent.clientOrderIdGenerated) {
      // Read after the account lock is held, so an earlier submit of the same id in this account is committed.
      const idLock = clientIdLock(this.db.dialect);
      if (idLock) await tx.query(idLock, [intent.clientOrderId]);
      const answer = idempotentAnswer(await this.ordersWithClientId(tx, intent.clientOrderId), intent);
      if (answer) return answer;
    }
    const decision = normalize(await decide({ account, positions, reserved }), intent.quantity);
    const now = nowNs();
    const nowBig = BigInt(now);
    const type = intent.type ?? 'market';
    const tif = intent.tif ?? 'day';
    const placedNs = intent.placedNs ?? nowBig;
    const status: OrderStatus = decision.status === 'rejected' ? 'rejected' : decision.final;
    const fillDecision = decision.status === 'placed' ? decision.fill : undefined;
    const held = decision.status === 'placed' ? decision.reserved : ZERO;
    const [{ id }] = await tx.query(
      `INSERT INTO orders (account, client_order_id, symbol, side, type, quantity, status, reject_codes, reject_reason, created_ns, updated_ns,
                           limit_price, stop_price, tif, filled_quantity, filled_avg_price, reserved, triggered, placed_ns, expires_ns, cursor_ns, cursor_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id`,
      [
        intent.account,
        intent.clientOrderId,
        intent.symbol,
        intent.side,
        type,
        fmt(intent.quantity),
        status,
        decision.status === 'rejected' ? decision.codes.join(',') : null,
        decision.status === 'rejected' ? decision.reason : null,
        now,
        intent.limitPrice === undefined ? null : fmt(intent.limitPrice),
        intent.stopPrice === undefined ? null : fmt(intent.stopPrice),
        tif,
        fmt(fillDecision?.quantity ?? ZERO),
        fillDecision ? fmt(fillDecision.price) : null,
        fmt(held),
        decision.status === 'placed' && decision.triggered,
        String(placedNs),
        intent.expiresNs === undefined ? null : String(intent.expiresNs),
        String(intent.cursorNs ?? placedNs),
        intent.cursorSeq ?? Number.MAX_SAFE_INTEGER,
      ],
    );
    const orderId = str(id);
    if (decision.status === 'rejected') {
      const { order, events } = placementViews(intent, decision, nowBig, orderId, undefined);
      await appendOrderEvents(tx, events.map((e) => ({ account: intent.account, orderId, kind: e.kind, payload: orderJson(e.order), createdNs: nowBig })));
      if (this.db.exclusive) this.states.set(intent.account, locked);
      return { order, duplicate: false };
    }
    let state: AccountState = { ...locked, reserved: add(reserved, held) };
    let fill: Fill | undefined;
    if (fillDecision) {
      const recorded = await this.recordFill(tx, state, { orderId, symbol: intent.symbol, side: intent.side }, fillDecision, now);
      state = { ...recorded.state };
      fill = recorded.fill;
    }
    const { order, events } = placementViews(intent, decision, nowBig, orderId, fill);
    await appendOrderEvents(tx, events.map((e) => ({ account: intent.account, orderId, kind: e.kind, payload: orderJson(e.order), createdNs: nowBig })));
    // Remembered before COMMIT: the embedded database runs one transaction at a time, and a failed COMMIT drops
    // the entry again (submit's catch).
    if (this.db.exclusive) this.states.set(intent.account, state);
    return { order, duplicate: false };
  }

  /** Writes one fill: the fill row, the position, the cash and its two movements. Returns the account state after. */
  private async recordFill(tx: SqlRunner, state: AccountState, o: { orderId: string; symbol: string; side: Side }, f: FillDecision, now: string): Promise<{ state: AccountState; fill: Fill }> {
    const { account, positions } = state;
    const filledNs = f.filledNs === undefined ? now : String(f.filledNs);
    const [row] = await tx.query(`INSERT INTO fills (order_id, account, symbol, side, quantity, price, fee, price_source, filled_ns) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, [
      o.orderId,
      account.name,
      o.symbol,
      o.side,
      fmt(f.quantity),
      fmt(f.price),
      fmt(f.fee),
      f.priceSource,
      filledNs,
    ]);
    // The positions were read under the lock, so we know whether to update or insert (cheaper than an upsert in DuckDB).
    const p = f.position;
    const held = positions.some((x) => x.symbol === o.symbol);
    await tx.query(
      held
        ? 'UPDATE positions SET quantity = $3, avg_cost = $4, realized_pnl = $5, updated_ns = $6 WHERE account = $1 AND symbol = $2'
        : 'INSERT INTO positions (account, symbol, quantity, avg_cost, realized_pnl, updated_ns) VALUES ($1, $2, $3, $4, $5, $6)',
      [account.name, o.symbol, fmt(p.quantity), fmt(p.avgCost), fmt(p.realizedPnl), now],
    );
    const cash = add(add(account.cash, f.cashDelta), neg(f.fee));
    await tx.query('UPDATE accounts SET cash = $2 WHERE name = $1', [account.name, fmt(cash)]);
    // The trade and its fee as two movements in one statement (a zero fee is recorded too, keeping one shape).
    await tx.query("INSERT INTO cash_movements (account, amount, kind, order_id, created_ns) VALUES ($1, $2, 'trade', $4, $5), ($1, $3, 'fee', $4, $5)", [
      account.name,
      fmt(f.cashDelta),
      fmt(neg(f.fee)),
      o.orderId,
      now,
    ]);
    const position: Position = { account: account.name, symbol: o.symbol, ...p };
    const fill: Fill = { id: str(row.id), orderId: o.orderId, quantity: f.quantity, price: f.price, fee: f.fee, priceSource: f.priceSource, filledNs: BigInt(filledNs) };
    return { state: { ...state, account: { ...account, cash }, positions: held ? positions.map((x) => (x.symbol === o.symbol ? position : x)) : [...positions, position] }, fill };
  }

  async cancel(account: string, orderId: string): Promise<Order> {
    this.states.delete(account);
    try {
      return await this.db.transaction(async (tx) => {
        if (!/^\d+$/.test(orderId)) throw new CiftError('ORDER_NOT_FOUND', `no order "${orderId}" in account "${account}"`);
        // The account row first, as every order change takes it: a cancel and a fill of the same order serialise.
        await this.lockedState(tx, account);
        const order = await this.orderBy(tx, 'o.account = $1 AND o.id = $2', [account, orderId]);
        if (!order) throw new CiftError('ORDER_NOT_FOUND', `no order "${orderId}" in account "${account}"`);
        if (!RESTING_STATUSES.includes(order.status)) {
          throw new CiftError('ORDER_NOT_CANCELABLE', `ORDER_NOT_CANCELABLE: id=${orderId} status=${order.status}`, 'only open or partially filled orders can be canceled; market orders fill or are rejected at once');
        }
        const now = nowNs();
        await tx.query("UPDATE orders SET status = 'canceled', reserved = 0, updated_ns = $2 WHERE id = $1", [orderId, now]);
        const after: Order = { ...order, status: 'canceled', reserved: ZERO, updatedNs: BigInt(now) };
        await appendOrderEvent(tx, { account, orderId, kind: 'canceled', payload: orderJson(after), createdNs: BigInt(now) });
        return after;
      });
    } finally {
      this.states.delete(account);
      this.committed.delete(account);
    }
  }

  async restingOrders(symbol?: string): Promise<Order[]> {
    const where = "o.status IN ('open', 'partially_filled')" + (symbol === undefined ? '' : ' AND o.symbol = $1');
    return toOrders(await this.db.query(`${ORDER_SELECT} WHERE ${where} ${ORDER_ORDER}`, symbol === undefined ? [] : [symbol]));
  }

  async applyOrderChange(account: string, orderId: string, change: OrderChange): Promise<Order | undefined> {
    this.states.delete(account);
    try {
      return await this.db.transaction(async (tx) => {
        const state = await this.lockedState(tx, account);
        const order = await this.orderBy(tx, 'o.account = $1 AND o.id = $2', [account, orderId]);
        if (!order || !(order.status === 'open' || order.status === 'partially_filled')) return undefined;
        // Seen already (a match running alongside applied it first): nothing twice.
        if (change.ts < order.cursorNs || (change.ts === order.cursorNs && change.seq <= order.cursorSeq)) return undefined;
        const now = nowNs();
        const cursor = [String(change.ts), change.seq] as const;
        if (change.kind === 'advance') {
          await tx.query('UPDATE orders SET cursor_ns = $2, cursor_seq = $3, triggered = $4 WHERE id = $1', [orderId, ...cursor, change.triggered || order.triggered]);
          return { ...order, cursorNs: change.ts, cursorSeq: change.seq, triggered: change.triggered || order.triggered };
        }
        if (change.kind === 'expire') {
          await tx.query("UPDATE orders SET status = 'expired', reserved = 0, updated_ns = $2, cursor_ns = $3, cursor_seq = $4 WHERE id = $1", [orderId, now, ...cursor]);
          const after: Order = { ...order, status: 'expired', reserved: ZERO, updatedNs: BigInt(now), cursorNs: change.ts, cursorSeq: change.seq };
          await appendOrderEvent(tx, { account, orderId, kind: 'expired', payload: orderJson(after), createdNs: BigInt(now) });
          return after;
        }
        const remaining = sub(order.quantity, order.filledQuantity);
        const quantity = change.quantity < remaining ? change.quantity : remaining;
        const notional = mul(quantity, change.price);
        const fee = mul(notional, state.account.feeRate);
        const position = state.positions.find((p) => p.symbol === order.symbol) ?? { quantity: ZERO, avgCost: ZERO, realizedPnl: ZERO };
        const fillDecision: FillDecision = {
          quantity,
          price: change.price,
          fee,
          priceSource: change.priceSource,
          position: applyFillTo(position, order.side, quantity, change.price),
          cashDelta: order.side === 'buy' ? neg(notional) : notional,
          filledNs: change.ts,
        };
        // A cash account never goes below zero: a stop buy that gapped far above the price it reserved at (it fills
        // at the ask) may cost more than the cash; it is canceled then, naming why, with nothing filled.
        const cashAfter = add(add(state.account.cash, fillDecision.cashDelta), neg(fee));
        if (order.side === 'buy' && cashAfter < 0n && state.account.maxLeverage <= dec('1')) {
          const reason = `INSUFFICIENT_BUYING_POWER: need=${fmt(add(notional, fee))} have=${fmt(state.account.cash)}`;
          await tx.query("UPDATE orders SET status = 'canceled', reserved = 0, reject_codes = 'INSUFFICIENT_BUYING_POWER', reject_reason = $2, updated_ns = $3, cursor_ns = $4, cursor_seq = $5 WHERE id = $1", [orderId, reason, now, ...cursor]);
          const after: Order = { ...order, status: 'canceled', reserved: ZERO, rejectCodes: ['INSUFFICIENT_BUYING_POWER'], rejectReason: reason, updatedNs: BigInt(now), cursorNs: change.ts, cursorSeq: change.seq };
          await appendOrderEvent(tx, { account, orderId, kind: 'canceled', payload: orderJson(after), createdNs: BigInt(now) });
          return after;
        }
        const { fill } = await this.recordFill(tx, state, { orderId: order.id, symbol: order.symbol, side: order.side }, fillDecision, now);
        const filledQuantity = add(order.filledQuantity, quantity);
        const filledAvgPrice = div(add(mul(order.filledQuantity, order.filledAvgPrice ?? ZERO), notional), filledQuantity);
        const done = filledQuantity === order.quantity;
        // The reservation shrinks in proportion to what is left (a buy limit's fills cost at most what they held).
        const reservedAfter = done ? ZERO : div(mul(order.reserved, sub(order.quantity, filledQuantity)), remaining);
        const status: OrderStatus = done ? 'filled' : 'partially_filled';
        await tx.query('UPDATE orders SET status = $2, filled_quantity = $3, filled_avg_price = $4, reserved = $5, triggered = $6, updated_ns = $7, cursor_ns = $8, cursor_seq = $9 WHERE id = $1', [
          orderId,
          status,
          fmt(filledQuantity),
          fmt(filledAvgPrice),
          fmt(reservedAfter),
          change.triggered || order.triggered,
          now,
          ...cursor,
        ]);
        const fills = [...order.fills, fill];
        const after: Order = { ...order, status, filledQuantity, filledAvgPrice, reserved: reservedAfter, triggered: change.triggered || order.triggered, updatedNs: BigInt(now), cursorNs: change.ts, cursorSeq: change.seq, fills, fill: fills[0] };
        await appendOrderEvent(tx, { account, orderId, kind: status, payload: orderJson(after), createdNs: BigInt(now) });
        return after;
      });
    } finally {
      this.states.delete(account);
      this.committed.delete(account);
    }
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
      ? await this.db.query(`${ORDER_SELECT} WHERE o.account = $1 AND o.status = $2 ${ORDER_ORDER}`, [account, status])
      : await this.db.query(`${ORDER_SELECT} WHERE o.account = $1 ${ORDER_ORDER}`, [account]);
    return toOrders(rows);
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
