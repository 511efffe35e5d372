import { HotRows } from './hot-rows';
import { Calibration, encodeVector, encodeVectors, type Encoded } from './vector-codes';

/**
 * The vector index's calibration layer: how rows are standardised before
 * they are coded (vector-codes.ts), fitted to a sample of the float32 block
 * or adopted from a checkpoint, and every held row re-coded when it changes.
 */

/** Most rows a calibration is fitted to. */
const CALIBRATION_SAMPLE = 4_096;

export class CalibratedRows extends HotRows {
  /** How rows are standardised before coding; null until fitted (codes of x itself). */
  protected calibrationFit: Calibration | null = null;
  private readonly standardised = new Float32Array(this.dims);

  /** The calibration in use (for checkpoints); null while the index codes raw vectors. */
  get calibration(): Calibration | null {
    return this.calibrationFit;
  }

  /**
   * Fits the calibration to `samples` (by default, rows of the float32 block)
   * and re-codes every row held, from the float32 block. Returns whether it
   * did: an index that holds rows but not their float32 vectors cannot re-code.
   */
  calibrate(samples?: readonly ArrayLike<number>[]): boolean {
    if (this.count > 0 && !this.floatsUsable) return false;
    const fitted = samples ?? this.sampleRows();
    if (fitted.length < 2) return false;
    this.useCalibration(Calibration.fit(fitted, this.dims));
    return true;
  }

  /** Adopts a saved calibration (from a checkpoint) and re-codes what is held. */
  useCalibration(calibration: Calibration): void {
    if (this.count > 0 && !this.floatsUsable) {
      throw new Error('an index without its float32 vectors cannot be re-coded');
    }
    this.calibrationFit = calibration;
    if (this.count === 0) return;
    // Rows in key order, so that they code in one pass.
    this.compactFloats();
    const floats = this.floats();
    const base = this.vectorsOffset() / 4;
    const codes = new Uint8Array(this.codesKernel.memory.buffer);
    const scales = this.scales();
    const rowScales = new Float64Array(this.count);
    const rowResiduals = new Float64Array(this.count);
    encodeVectors(
      floats.subarray(base, base + this.count * this.dims),
      this.dims,
      calibration,
      codes,
      this.codesOffset(),
      rowScales,
      rowResiduals,
    );
    this.residualSum = 0;
    for (let row = 0; row < this.count; row++) {
      scales[row] = rowScales[row]!;
      this.residuals[row] = rowResiduals[row]!;
      this.residualSum += rowResiduals[row]!;
    }
  }

  /** Every few rows' float32 vectors, at most CALIBRATION_SAMPLE, to fit a calibration to. */
  private sampleRows(): Float32Array[] {
    const floats = this.floats();
    const base = this.vectorsOffset() / 4;
    const step = Math.max(1, Math.floor(this.count / CALIBRATION_SAMPLE));
    const samples: Float32Array[] = [];
    for (let row = 0; row < this.count; row += step) {
      const offset = base + this.slots[row]! * this.dims;
      samples.push(floats.subarray(offset, offset + this.dims));
    }
    return samples;
  }

  /** Codes one vector into `out` at `offset`, standardised by the calibration in use. */
  protected encode(vector: ArrayLike<number>, out: Uint8Array, offset: number): Encoded {
    const coded =
      this.calibrationFit === null
        ? vector
        : this.calibrationFit.standardise(vector, this.standardised);
    return encodeVector(coded, out, offset);
  }
}
