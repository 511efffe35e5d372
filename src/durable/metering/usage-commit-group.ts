/**
 * Group commit for the usage rows of metered reads.
 *
 * A vault records a metered search's tokens in its SQLite before the answer
 * leaves. Every write opens the object's implicit transaction, which workerd
 * commits on a later turn of its event loop, and the output gate holds every
 * answer until that commit is durable. Written one row per search, each
 * search paid for a commit of its own, and on the local runtime a commit is
 * a WAL sync on the object's only thread: that, not the row, capped one
 * vault's metered searches (BENCHMARKS.md, i13-call and i13-vcall).
 *
 * So rows gather here instead: the first of a group waits for the storage to
 * settle (`storage.sync()`: any commit still pending, then one turn of the
 * event loop), and the rows of every search that finished meanwhile are
 * written together, in one synchronous step, so they share one commit. Each
 * caller's promise settles only after its own row is written, and the
 * caller answers only after that: its answer is then behind the output gate
 * until the commit holding its row is durable. A caller whose row was not
 * written (the write threw) is rejected and answers nothing, so no answer
 * ever leaves ahead of its usage, and a row lost in a crash before its write
 * belongs to a search that was never answered.
 */
export class UsageCommitGroup<Row> {
  private gathered: {
    row: Row;
    resolve: (planned: boolean) => void;
    reject: (error: unknown) => void;
  }[] = [];
  /** A group's rows are written and their commit is not yet known durable. */
  private committing = false;

  /**
   * `settle` resolves once the storage has no commit pending (a turn later at
   * the least); `write` writes rows in one synchronous step and answers
   * whether it planned follow-up work (the hand-over alarm).
   */
  constructor(
    private readonly settle: () => Promise<unknown>,
    private readonly write: (rows: Row[]) => boolean,
  ) {}

  /**
   * Records a row. With no commit of this group's pending, it is written at
   * once, in the caller's step (a lone search waits for nothing more than
   * before); otherwise it joins the next group, written as soon as the
   * pending commit is durable. Resolves once written (true for the one
   * caller that must re-arm the alarm), rejects if the write failed.
   */
  add(row: Row): Promise<boolean> {
    const written = new Promise<boolean>((resolve, reject) =>
      this.gathered.push({ row, resolve, reject }),
    );
    if (!this.committing) this.writeNow();
    return written;
  }

  /**
   * Writes whatever is gathered now, in the caller's synchronous step (a
   * lone row, the next group once the last commit settled, or a wipe of the
   * vault that must see every row first).
   */
  writeNow(): void {
    const group = this.gathered;
    if (group.length === 0) return;
    this.gathered = [];
    let planned: boolean;
    try {
      planned = this.write(group.map(({ row }) => row));
    } catch (error) {
      for (const { reject } of group) reject(error);
      return;
    }
    group.forEach(({ resolve }, at) => resolve(planned && at === 0));
    if (!this.committing) this.followCommit();
  }

  /** Gathers rows until the commit of those just written settles, then writes them. */
  private followCommit(): void {
    this.committing = true;
    // Called from a promise, so that even a synchronous throw of `settle`
    // ends this wait instead of leaving every later row gathered forever.
    void Promise.resolve()
      .then(() => this.settle())
      .catch(() => {}) // a broken output gate resets the object; the next write fails then
      .then(() => {
        this.committing = false;
        this.writeNow();
      });
  }
}
