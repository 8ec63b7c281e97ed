/** The ledger port: accounts, orders, fills, positions and cash movements, the same on DuckDB and PostgreSQL. */
import type { Dec } from '../../money.js';
import type { OrderEventKind } from './outbox.js';

export type Side = 'buy' | 'sell';
/** accepted: written by ledgers before migration 005 (market orders never rest, so none is left in it). */
export type OrderStatus = 'filled' | 'rejected' | 'canceled' | 'accepted' | 'open' | 'partially_filled' | 'expired';
export const ORDER_STATUSES: readonly OrderStatus[] = ['open', 'partially_filled', 'filled', 'canceled', 'expired', 'rejected', 'accepted'];
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';
export type TimeInForce = 'day' | 'gtc' | 'ioc' | 'fok';
/** Statuses of an order that can still fill (and be canceled). */
export const RESTING_STATUSES: readonly OrderStatus[] = ['open', 'partially_filled', 'accepted'];

export interface AccountLimits {
  feeRate: Dec;
  maxPositionQty: Dec;
  maxOrderNotional: Dec;
  maxLeverage: Dec;
  /** Largest |position| × price ÷ equity one symbol may reach by an order; null or absent = no limit. */
  maxConcentration?: Dec | null;
}

export interface Account extends AccountLimits {
  name: string;
  currency: string;
  cash: Dec;
  createdNs: bigint;
}

/** What a new account starts with: its deposit, currency and limits. */
export type AccountOpening = { cash: Dec; currency: string } & AccountLimits;

export interface Position {
  account: string;
  symbol: string;
  quantity: Dec;
  avgCost: Dec;
  realizedPnl: Dec;
}

export interface Fill {
  id: string;
  orderId: string;
  quantity: Dec;
  price: Dec;
  fee: Dec;
  priceSource: string;
  filledNs: bigint;
}

export interface Order {
  id: string;
  account: string;
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  quantity: Dec;
  status: OrderStatus;
  rejectCodes: string[];
  rejectReason: string | undefined;
  createdNs: bigint;
  updatedNs: bigint;
  /** The first fill (a market order's only one); kept for the views and callers written before partial fills. */
  fill: Fill | undefined;
  /** Every fill, oldest first. */
  fills: Fill[];
  limitPrice: Dec | undefined;
  stopPrice: Dec | undefined;
  tif: TimeInForce;
  filledQuantity: Dec;
  filledAvgPrice: Dec | undefined;
  /** Buying power held for the unfilled rest (0 once final). */
  reserved: Dec;
  triggered: boolean;
  /** Market time (UTC ns) the order was placed at: the latest stored price's time, or --at. */
  placedNs: bigint;
  expiresNs: bigint | undefined;
  /** The last market update (ts, seq) the matcher applied to this order. */
  cursorNs: bigint;
  cursorSeq: number;
}

export interface CashMovement {
  amount: Dec;
  kind: 'deposit' | 'trade' | 'fee';
  orderId: string | undefined;
}

export interface OrderIntent {
  account: string;
  clientOrderId: string;
  /** The id was generated for this submit (a fresh UUID), so it cannot name an earlier order: no lookup needed. */
  clientOrderIdGenerated?: boolean;
  symbol: string;
  side: Side;
  quantity: Dec;
  /** Market when absent, with tif day and the placement time = now. */
  type?: OrderType;
  limitPrice?: Dec;
  stopPrice?: Dec;
  tif?: TimeInForce;
  placedNs?: bigint;
  expiresNs?: bigint;
  /** The (ts, seq) of the last market update the placement already saw. */
  cursorNs?: bigint;
  cursorSeq?: number;
}

/** One fill the trading layer decided: the ledger records it, moves the cash and sets the position. */
export interface FillDecision {
  quantity: Dec;
  price: Dec;
  fee: Dec;
  priceSource: string;
  position: Omit<Position, 'account' | 'symbol'>;
  cashDelta: Dec;
  /** Market time of the fill (UTC ns); the wall clock when absent. */
  filledNs?: bigint;
}

/** What the trading layer decided, inside the transaction, for an intent. */
export type Decision =
  | { status: 'rejected'; codes: string[]; reason: string }
  | { status: 'filled'; price: Dec; fee: Dec; priceSource: string; position: Omit<Position, 'account' | 'symbol'>; cashDelta: Dec }
  /** An order placed: maybe a fill now, then resting (open / partially_filled), filled, or canceled (ioc/fok rest). */
  | { status: 'placed'; fill: FillDecision | undefined; final: 'open' | 'partially_filled' | 'filled' | 'canceled'; reserved: Dec; triggered: boolean };

export interface DecisionContext {
  account: Account;
  positions: Position[];
  /** Buying power held by the account's resting orders (0 when absent). */
  reserved?: Dec;
}

/** What the matcher asks the ledger to apply to one resting order, in one transaction with the account locked. */
export type OrderChange =
  | { kind: 'fill'; ts: bigint; seq: number; quantity: Dec; price: Dec; priceSource: string; triggered: boolean }
  | { kind: 'expire'; ts: bigint; seq: number }
  /** No state change: the matcher saw updates up to (ts, seq) (and perhaps triggered a stop). */
  | { kind: 'advance'; ts: bigint; seq: number; triggered: boolean };

/** An API key as the ledger keeps it: the SHA-256 of the key, never the key. */
export interface ApiKey {
  id: string;
  account: string;
  /** A label ("bot"), or undefined. */
  name: string | undefined;
  /** The key's first characters, to recognise it in a list. */
  prefix: string;
  /** Lower-case hex SHA-256 of the whole key. */
  sha256: string;
  createdNs: bigint;
  revokedNs: bigint | undefined;
  lastUsedNs: bigint | undefined;
}

export interface ApiKeyIntent {
  account: string;
  name?: string;
  prefix: string;
  sha256: string;
}

/** A row of the order-event outbox (migration 004). */
export interface StoredOrderEvent {
  id: bigint;
  account: string;
  orderId: string;
  kind: OrderEventKind;
  /** The order as the API showed it after the change (parsed from the stored JSON). */
  payload: unknown;
  createdNs: bigint;
  publishedNs: bigint | undefined;
}

export interface Ledger {
  readonly backend: 'duckdb' | 'postgres';
  /** The account, created with `opening` cash and limits (and a deposit movement) if it does not exist. */
  ensureAccount(name: string, opening: AccountOpening): Promise<Account>;
  /** Creates the account with its opening deposit; ACCOUNT_EXISTS when the name is taken. */
  createAccount(name: string, opening: AccountOpening): Promise<Account>;
  getAccount(name: string): Promise<Account | undefined>;
  /** Every account, by name. */
  accounts(): Promise<Account[]>;
  setLimits(name: string, limits: Partial<AccountLimits>): Promise<Account>;
  /**
   * One transaction with the account locked: returns the existing order when the client order id was seen
   * before for the same account, symbol, side, type and quantity (duplicate = true), throws IDEMPOTENCY_CONFLICT
   * when it names a different order; otherwise records decide()'s outcome (the order, and for a fill the fill, the
   * position, the cash and its movements) atomically. decide() must be free of side effects: it may be called
   * more than once, and only the call made on the state the order is recorded against counts.
   */
  submit(intent: OrderIntent, decide: (ctx: DecisionContext) => Decision | Promise<Decision>): Promise<{ order: Order; duplicate: boolean }>;
  /** Cancels an order that can still be cancelled; throws ORDER_NOT_FOUND / ORDER_NOT_CANCELABLE otherwise. */
  cancel(account: string, orderId: string): Promise<Order>;
  /** Resting orders (open, partially filled), of one symbol when given, oldest first, across accounts. */
  restingOrders(symbol?: string): Promise<Order[]>;
  /**
   * Applies one matcher change to a resting order in one transaction with its account locked (fill: fill, cash,
   * position, reservation and status; expire: status and reservation; advance: cursor). Returns the order after,
   * or undefined when it is no longer resting or has already seen (ts, seq) (another match applied it).
   */
  applyOrderChange(account: string, orderId: string, change: OrderChange): Promise<Order | undefined>;
  orders(account: string, status?: OrderStatus): Promise<Order[]>;
  positions(account: string): Promise<Position[]>;
  cashMovements(account: string): Promise<CashMovement[]>;
  /** Records a new API key (its hash and prefix). */
  createApiKey(key: ApiKeyIntent): Promise<ApiKey>;
  /** Every API key (of one account when given), oldest first, revoked ones included. */
  apiKeys(account?: string): Promise<ApiKey[]>;
  /**
   * Revokes the key with this id, or the one key whose prefix this is; KEY_NOT_FOUND when none matches, USAGE
   * when a prefix names several. Revoking a revoked key returns it unchanged.
   */
  revokeApiKey(idOrPrefix: string): Promise<ApiKey>;
  /**
   * The key with this SHA-256 (hex), revoked or not; undefined when there is none. A key written through this
   * ledger (created, revoked, touched) is seen at once; on a shared database (PostgreSQL) a key found may be
   * answered from memory for up to a second, so a revocation by another process takes that long to be seen.
   */
  findApiKeyByHash(sha256: string): Promise<ApiKey | undefined>;
  /** Records that the key was used at `ns` (UTC epoch ns); an unknown id is ignored. */
  touchApiKey(id: string, ns: bigint): Promise<void>;
  /**
   * Outbox rows with id > afterId (all, or only unpublished ones), ascending, at most `limit`. Never returns an id
   * while a lower one may still commit (PostgreSQL waits for in-flight writers), so a reader going in id order
   * never skips an event that commits late.
   */
  orderEvents(opts: { afterId?: bigint; limit: number; unpublished?: boolean }): Promise<StoredOrderEvent[]>;
  /** Sets published_ns on these outbox rows (the relay, after the bus took them). */
  markPublished(ids: readonly bigint[], ns: bigint): Promise<void>;
  close(): Promise<void>;
}
