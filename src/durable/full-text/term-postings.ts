/** One query term's postings: (memory seq, word offset) per occurrence. */
export interface TermPostings {
  seqs: ArrayLike<number>;
  offsets: ArrayLike<number>;
  /** How many distinct memories hold the term, when counted as the postings were read. */
  holders?: number;
  /** What each occurrence counts for, as a share of the term's idf: 1 unless a guess (a typo's stand-in). */
  weight?: number;
}
