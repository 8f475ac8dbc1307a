/**
 * Runs callbacks after the application's MikroORM transaction commits (and drops them when it rolls
 * back), for wake-ups of tasks enqueued inside it: a worker told to look before the commit would
 * find nothing. PostgreSQL needs none of this (a NOTIFY is delivered at commit by the server);
 * `OPTIONS.wakeup` publishes to Redis, which knows nothing of the transaction.
 *
 * It follows MikroORM's transaction events (`afterTransactionStart/Commit/Rollback`) with one
 * subscriber on the ORM's global EntityManager, which every transaction's EntityManager copies when
 * it starts. Callbacks deferred inside a nested transaction (a savepoint) belong to the outermost
 * one: they run when it commits, even if the savepoint itself was rolled back (a wake-up too many
 * costs one claim that finds nothing; MikroORM 7.2 does not announce a savepoint's release).
 */
import type { EventSubscriber, TransactionEventArgs } from "@mikro-orm/core";
import type { ErrandOrm } from "./orm.js";

interface Tracked {
  parent: object | undefined;
  callbacks: (() => void)[];
}

const trackers = new WeakMap<object, AfterCommit>();

/** The after-commit tracker of `orm` (one per ORM, however many backends share it). */
export function afterCommitOf(orm: ErrandOrm): AfterCommit {
  let tracker = trackers.get(orm);
  if (!tracker) {
    tracker = new AfterCommit();
    orm.em.getEventManager().registerSubscriber(tracker);
    trackers.set(orm, tracker);
  }
  return tracker;
}

/** See the file comment. */
export class AfterCommit implements EventSubscriber {
  /** Open transactions seen starting (keyed by MikroORM's transaction object). */
  readonly #open = new WeakMap<object, Tracked>();
  /** The parent of a nested transaction, between its before- and after-start events (keyed by its EntityManager). */
  readonly #starting = new WeakMap<object, object>();

  /**
   * Runs `callback` once the outermost transaction around `transaction` (the current transaction
   * context) has committed; never if it rolls back.
   * @returns false when that transaction started before this tracker existed (the caller runs `callback` now).
   */
  defer(transaction: object, callback: () => void): boolean {
    let tracked = this.#open.get(transaction);
    while (tracked?.parent) tracked = this.#open.get(tracked.parent);
    if (!tracked) return false;
    tracked.callbacks.push(callback);
    return true;
  }

  beforeTransactionStart(args: TransactionEventArgs): void {
    if (args.transaction) this.#starting.set(args.em, args.transaction as object);
  }

  afterTransactionStart(args: TransactionEventArgs): void {
    if (!args.transaction) return;
    const parent = this.#starting.get(args.em);
    this.#starting.delete(args.em);
    this.#open.set(args.transaction as object, { parent, callbacks: [] });
  }

  afterTransactionCommit(args: TransactionEventArgs): void {
    const trx = args.transaction as object | undefined;
    const tracked = trx && this.#open.get(trx);
    if (!tracked) return;
    this.#open.delete(trx);
    for (const callback of tracked.callbacks) callback();
  }

  afterTransactionRollback(args: TransactionEventArgs): void {
    if (args.transaction) this.#open.delete(args.transaction as object);
  }
}
