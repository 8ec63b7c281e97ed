/**
 * A submit on PostgreSQL in one round trip. The risk decision is made in TypeScript (trading/risk), so it cannot
 * run under the account lock without a round trip to read the account first; instead it is made on the account
 * state as last seen (a "hint": account row, positions, reserved buying power, and a fingerprint of all three),
 * and one message then locks the account, checks under the lock that the fingerprint is still the current one,
 * and only then writes the order, fill, position, cash, movements and outbox events, reading the state after:
 *
 *   BEGIN; SELECT … FOR UPDATE; [client-id lock;] EXECUTE cift_submit_v1(…); EXECUTE cift_account_state_v1(…); COMMIT
 *
 * (the two statements are prepared once per connection, in the first such message, so they are not planned on
 * every submit).
 *
 * Each statement of a simple-query message takes its own snapshot (READ COMMITTED), so the statements after the
 * lock see everything the previous holder committed, exactly as the multi-statement transaction does. When the
 * fingerprint no longer matches, nothing is written and the current state comes back for another try; the
 * decision is therefore always one made on the state the order is recorded against.
 *
 * The simple-query protocol takes no parameters: every value is written as a literal (literal() below). What is
 * left per submit on a quiet server is that one round trip, the statements' execution and the commit's WAL flush.
 */
import { fmt, type Dec } from '../../money.js';
import type { Row } from './sql.js';

/** The SQL types values are cast to (every literal is typed, so nothing depends on unknown-literal resolution). */
type SqlType = 'text' | 'numeric' | 'bigint' | 'boolean' | 'double precision';

/** A string as a PostgreSQL literal, as pg's escapeLiteral writes it (E'…' when it holds a backslash). */
export function quote(s: string): string {
  const body = s.replace(/'/g, "''");
  return s.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** A value as a typed literal: Dec through fmt, bigint and number as their decimal text, null as a typed NULL. */
export function literal(v: string | Dec | number | boolean | null | undefined, type: SqlType): string {
  if (v === null || v === undefined) return `NULL::${type}`;
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (type === 'numeric' && typeof v === 'bigint') return `${quote(fmt(v))}::numeric`;
  if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
  return `${quote(String(v))}::${type}`;
}

/**
 * An account's row `a` with what a decision reads besides: `h.held`, the buying power its resting orders hold, and
 * its positions (`ps.rows` as row text, `ps.json` as exact decimal strings), each computed once.
 */
const stateFrom = (account: string) => `accounts a,
     LATERAL (SELECT COALESCE(SUM(o.reserved), 0) AS held FROM orders o WHERE o.account = a.name AND o.status IN ('open', 'partially_filled')) h,
     LATERAL (SELECT string_agg(p::text, ';' ORDER BY p.symbol) AS rows,
                     json_agg(json_build_array(p.symbol, p.quantity::text, p.avg_cost::text, p.realized_pnl::text) ORDER BY p.symbol) AS json
              FROM positions p WHERE p.account = a.name) ps
   WHERE a.name = ${account}`;

/**
 * A fingerprint of everything a decision reads: the whole account row (its cash and every limit), every position
 * row, and the reserved total. Any write that changes one of them changes it.
 */
const FINGERPRINT = `md5(a::text || '|' || COALESCE(ps.rows, '') || '|' || h.held::text)`;

/** The account row, its positions, reserved total and fingerprint. */
export const stateSelect = (account: string) => `SELECT a.*, h.held::text AS held_total, ps.json::text AS positions_json, ${FINGERPRINT} AS fingerprint FROM ${stateFrom(account)}`;

/** The positions of a stateSelect row, as [symbol, quantity, avg_cost, realized_pnl] rows. */
export function positionRows(r: Row): Array<[string, string, string, string]> {
  return r.positions_json === null || r.positions_json === undefined ? [] : (JSON.parse(String(r.positions_json)) as Array<[string, string, string, string]>);
}

export interface OrderRow {
  account: string;
  clientOrderId: string;
  symbol: string;
  side: string;
  type: string;
  quantity: Dec;
  status: string;
  rejectCodes: string | null;
  rejectReason: string | null;
  createdNs: string;
  limitPrice: Dec | undefined;
  stopPrice: Dec | undefined;
  tif: string;
  filledQuantity: Dec;
  filledAvgPrice: Dec | undefined;
  reserved: Dec;
  triggered: boolean;
  placedNs: string;
  expiresNs: string | undefined;
  cursorNs: string;
  cursorSeq: number;
}

export interface FillWrite {
  symbol: string;
  side: string;
  quantity: Dec;
  price: Dec;
  fee: Dec;
  priceSource: string;
  filledNs: string;
  /** The position after the fill. */
  position: { quantity: Dec; avgCost: Dec; realizedPnl: Dec };
  /** The account's cash after the fill. */
  cash: Dec;
  /** The two cash movements: the trade's net amount and the fee (negated). */
  trade: Dec;
  feeMovement: Dec;
}

export interface SubmitScript {
  account: string;
  /** The fingerprint the decision was made on. */
  fingerprint: string;
  /** Set when the client id was given: it is locked (as the transaction path does) and must still be unused. */
  clientOrderId: string | undefined;
  order: OrderRow;
  fill: FillWrite | undefined;
  /** Outbox events in id order; `payload` holds orderIdMark / fillIdMark where the ids go. */
  events: Array<{ kind: string; payload: string }>;
  createdNs: string;
  orderIdMark: string;
  fillIdMark: string;
}

/** A statement each connection prepares once (PREPARE): planned once, executed by name with literal values. */
export interface PreparedStatement {
  name: string;
  /** What follows `PREPARE name`: the parameter types and `AS` the statement. */
  definition: string;
}

/** The state read (stateSelect) by name: $1 the account. */
export const STATE_STATEMENT: PreparedStatement = { name: 'cift_account_state_v1', definition: `(text) AS ${stateSelect('$1')}` };

/**
 * The checked write, one statement for every kind of placement: the fill's parts are written only when $24 (a
 * fill) holds, and the events come as arrays. Nothing is written unless the fingerprint ($2) is the account's
 * current one and the client id ($3, NULL for a generated id) is unused. Returns fresh, id_free, order_id, fill_id.
 */
export const SUBMIT_STATEMENT: PreparedStatement = {
  name: 'cift_submit_v1',
  definition: `(text, text, text, text, text, text, text, numeric, text, text, text, bigint, numeric, numeric, text, numeric, numeric, numeric, boolean,
      bigint, bigint, bigint, double precision, boolean, numeric, numeric, numeric, text, bigint, numeric, numeric, numeric, numeric, numeric, numeric,
      text[], text[], text, text) AS
    WITH ok AS (SELECT (SELECT ${FINGERPRINT} FROM ${stateFrom('$1')}) = $2 AS fresh,
                       ($3::text IS NULL OR NOT EXISTS (SELECT 1 FROM orders WHERE client_order_id = $3)) AS id_free),
    o AS (INSERT INTO orders (account, client_order_id, symbol, side, type, quantity, status, reject_codes, reject_reason, created_ns, updated_ns,
            limit_price, stop_price, tif, filled_quantity, filled_avg_price, reserved, triggered, placed_ns, expires_ns, cursor_ns, cursor_seq)
          SELECT $1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23 FROM ok WHERE ok.fresh AND ok.id_free
          RETURNING id),
    f AS (INSERT INTO fills (order_id, account, symbol, side, quantity, price, fee, price_source, filled_ns)
          SELECT o.id, $1, $5, $6, $25, $26, $27, $28, $29 FROM o WHERE $24 RETURNING id),
    p AS (INSERT INTO positions (account, symbol, quantity, avg_cost, realized_pnl, updated_ns)
          SELECT $1, $5, $30, $31, $32, $12 FROM o WHERE $24
          ON CONFLICT (account, symbol) DO UPDATE SET quantity = EXCLUDED.quantity, avg_cost = EXCLUDED.avg_cost, realized_pnl = EXCLUDED.realized_pnl, updated_ns = EXCLUDED.updated_ns),
    c AS (UPDATE accounts SET cash = $33 WHERE name = $1 AND $24 AND EXISTS (SELECT 1 FROM o)),
    m AS (INSERT INTO cash_movements (account, amount, kind, order_id, created_ns)
          SELECT $1, v.amount, v.kind, o.id, $12 FROM o, (VALUES (1, 'trade', $34), (2, 'fee', $35)) v(k, kind, amount) WHERE $24 ORDER BY v.k),
    e AS (INSERT INTO order_events (account, order_id, kind, payload, created_ns)
          SELECT $1, o.id, v.kind, replace(replace(v.payload, $38, o.id::text), $39, COALESCE((SELECT id FROM f)::text, '')), $12
          FROM o, unnest($36, $37) WITH ORDINALITY v(kind, payload, k) ORDER BY v.k)
    SELECT ok.fresh, ok.id_free, (SELECT id FROM o)::text AS order_id, (SELECT id FROM f)::text AS fill_id FROM ok`,
};

const textArray = (items: readonly string[]) => `ARRAY[${items.map((x) => literal(x, 'text')).join(', ')}]::text[]`;

/**
 * The one-message submit (see the module comment), executing SUBMIT_STATEMENT and STATE_STATEMENT (the caller
 * has them prepared). Its last three results: the write, the state, COMMIT.
 */
export function submitScript(s: SubmitScript): string {
  const acct = quote(s.account);
  const o = s.order;
  const f = s.fill;
  const args = [
    literal(s.account, 'text'),
    literal(s.fingerprint, 'text'),
    literal(s.clientOrderId, 'text'),
    literal(o.clientOrderId, 'text'),
    literal(o.symbol, 'text'),
    literal(o.side, 'text'),
    literal(o.type, 'text'),
    literal(o.quantity, 'numeric'),
    literal(o.status, 'text'),
    literal(o.rejectCodes, 'text'),
    literal(o.rejectReason, 'text'),
    literal(o.createdNs, 'bigint'),
    literal(o.limitPrice, 'numeric'),
    literal(o.stopPrice, 'numeric'),
    literal(o.tif, 'text'),
    literal(o.filledQuantity, 'numeric'),
    literal(o.filledAvgPrice, 'numeric'),
    literal(o.reserved, 'numeric'),
    literal(o.triggered, 'boolean'),
    literal(o.placedNs, 'bigint'),
    literal(o.expiresNs, 'bigint'),
    literal(o.cursorNs, 'bigint'),
    literal(o.cursorSeq, 'double precision'),
    literal(f !== undefined, 'boolean'),
    literal(f?.quantity, 'numeric'),
    literal(f?.price, 'numeric'),
    literal(f?.fee, 'numeric'),
    literal(f?.priceSource, 'text'),
    literal(f?.filledNs, 'bigint'),
    literal(f?.position.quantity, 'numeric'),
    literal(f?.position.avgCost, 'numeric'),
    literal(f?.position.realizedPnl, 'numeric'),
    literal(f?.cash, 'numeric'),
    literal(f?.trade, 'numeric'),
    literal(f?.feeMovement, 'numeric'),
    textArray(s.events.map((e) => e.kind)),
    textArray(s.events.map((e) => e.payload)),
    literal(s.orderIdMark, 'text'),
    literal(s.fillIdMark, 'text'),
  ];
  const lock = `SELECT 1 FROM accounts WHERE name = ${acct} FOR UPDATE`;
  // After the account lock, as the transaction path takes it: see dialect.ts clientIdLock.
  const idLock = s.clientOrderId === undefined ? [] : [`SELECT pg_advisory_xact_lock(4242002, hashtext(${quote(s.clientOrderId)}))`];
  return ['BEGIN', lock, ...idLock, `EXECUTE ${SUBMIT_STATEMENT.name}(${args.join(', ')})`, `EXECUTE ${STATE_STATEMENT.name}(${acct})`, 'COMMIT'].join(';\n');
}
