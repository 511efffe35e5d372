/** One query term's postings: (memory seq, word offset) per occurrence. */
export interface TermPostings {
  seqs: ArrayLike<number>;
  offsets: ArrayLike<number>;
  /** How many distinct memories hold the term, when counted as the postings were read. */
  holders?: number;
}
