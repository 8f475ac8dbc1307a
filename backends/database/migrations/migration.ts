/** The shape of one errand schema migration: plain SQL per dialect, applied by `migration-runner.ts`. */

/** One migration: its recorded name and the statements that apply and revert it. */
export interface ErrandMigration {
  /**
   * The name recorded in the migrations table (`errand_migrations`). Never rename one: a database
   * migrated under the old name would apply it again.
   */
  readonly name: string;
  /** Statements that apply it, in order (run in one transaction with every other pending one). */
  readonly up: readonly string[];
  /** Statements that revert it, in order. */
  readonly down: readonly string[];
}
