/**
 * The tiny SQL port the ledger is written against: parameterised queries ($1, $2, … in both databases) that
 * return rows of plain values (DECIMAL and BIGINT as strings), and transactions.
 */
export type Row = Record<string, string | number | boolean | null>;

export interface SqlRunner {
  query(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export type Dialect = 'duckdb' | 'postgres';

export interface SqlDatabase extends SqlRunner {
  readonly dialect: Dialect;
  /**
   * True when this connection is the only writer of the database (the embedded file is locked to this process
   * and opened once in it), so state it wrote can be remembered instead of read back.
   */
  readonly exclusive: boolean;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: several statements, values already inlined as literals (one-trip.ts), sent as one message
   * and so answered in one round trip; the rows of each statement in order. `prepared` are statements the script
   * EXECUTEs: each connection prepares them (in the same message) the first time it runs a script. The script
   * brings its own BEGIN and COMMIT; on an error the rest is skipped and the connection is not used again.
   */
  script?(sql: string, prepared?: ReadonlyArray<{ name: string; definition: string }>): Promise<Row[][]>;
  close(): Promise<void>;
}
