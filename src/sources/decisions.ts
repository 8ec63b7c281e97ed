/**
 * What reading a file decided: its container, encoding, dialect, header, the columns used and ignored, units and
 * scales, and the rows skipped. `cift ingest` prints it (table and --json) so nothing is decided silently. The
 * reading layer (files.ts and what it calls) fills the first part; the meaning layer (tabular.ts) the rest.
 */
export interface ReadDecisions {
  format: 'csv' | 'parquet';
  /** How the bytes were reached: "gzip", "zstd", "zip:member.csv", "stdin"; absent for a plain file. */
  container?: string;
  /** "utf-8", "utf-8 with BOM", "utf-16le", "windows-1252". */
  encoding?: string;
  delimiter?: string;
  /** Decimal mark of number cells ("." or ","). */
  decimal?: string;
  /** Thousands separator removed from number cells, if any. */
  thousands?: string;
  /** Where the column names came from: "line 1", "none: the first row is data", "yfinance (3 header lines)", "--columns". */
  header?: string;
  /** The ticker a header names (yfinance's "Ticker" line): the symbol to use when none is given. */
  ticker?: string;
  /** A named layout applied (recognised or from --preset), e.g. "binance-klines". */
  layout?: string;
  /** Canonical field → the source column(s) it was read from. */
  columns?: Record<string, string>;
  /** Source columns that were not used. */
  ignored?: string[];
  /** How the timestamps were read: "Date + Time", "day-first dates", "dates only: trading dates, not moved by --tz", … */
  time?: string;
  /** Unit of integer epoch timestamps. */
  epochUnit?: 's' | 'ms' | 'us' | 'ns';
  /** Factor applied to prices (fixed-point files). */
  priceScale?: number;
  /** Rows skipped, by reason (e.g. "all-null row (holiday)": 3). */
  skipped?: Record<string, number>;
  /** Things worth a look that did not stop the read. */
  warnings?: string[];
}
