;; Similarity kernels of the hot vector index, precompiled to dot.wasm (no
;; run-time compilation in Workers). Uses SIMD and one relaxed-SIMD
;; instruction (workerd's V8 has both; `npm run bench` runs this module).
;;
;; All pointers are byte offsets into this module's own memory. The caller keeps
;; every block 16-byte aligned.
;;
;; dot_rows(query, rows, dims, count, out): float32 rows, for i in [0, count)
;;   out[i] = sum_j query[j] * rows[i * dims + j]
;; dot_picked(query, rows, dims, picks, count, out): the same for the rows whose
;;   indices (i32) are listed at `picks`: out[i] = query · row[picks[i]], two
;;   rows per pass (each the same float as dot_rows would give it)
;; dot_codes(query, codes, codeBytes, count, scales, bias, unit, out): 2-bit
;;   rows against an int8 query (vector-codes.ts has the layout), for i in [0, count)
;;   out[i] = (sum_j query[j] * code_ij - bias) * scales[i] * unit
;; rotate(src, dst, count, dims, tables, norm): the fixed rotation of
;;   vector-codes.ts (`Rotation`) for dims a multiple of 128, bit for bit
;; code(rotated, center, spread, x, dims, codes, out): encodeVectors' coding
;;   of one rotated vector against a calibration, bit for bit
;; above(scores, count, threshold, out, room): the positions of the scores
;;   not below a threshold (a scan's candidates), the first `room` written out
;;
;; Float sums use four independent accumulators to hide the latency of
;; f32x4.add; the caller re-scores its final candidates in float64, so the
;; summation order only has to be good enough to pick candidates.
(module
  (memory (export "memory") 1)

  ;; One float32 dot product; any dims >= 1 (a tail of dims % 4 is scalar).
  (func $dot (param $query i32) (param $row i32) (param $dims i32) (result f32)
    (local $rowBytes i32) (local $bytes16 i32) (local $bytes4 i32)
    (local $j i32) (local $sum f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $rowBytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $bytes16 (i32.and (local.get $rowBytes) (i32.const -64)))
    (local.set $bytes4 (i32.and (local.get $rowBytes) (i32.const -16)))

    ;; 16 components per step, in four independent accumulators.
    (block $wideDone
      (loop $wide
        (br_if $wideDone (i32.ge_u (local.get $j) (local.get $bytes16)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
          (v128.load (i32.add (local.get $query) (local.get $j)))
          (v128.load (i32.add (local.get $row) (local.get $j))))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul
          (v128.load offset=16 (i32.add (local.get $query) (local.get $j)))
          (v128.load offset=16 (i32.add (local.get $row) (local.get $j))))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul
          (v128.load offset=32 (i32.add (local.get $query) (local.get $j)))
          (v128.load offset=32 (i32.add (local.get $row) (local.get $j))))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul
          (v128.load offset=48 (i32.add (local.get $query) (local.get $j)))
          (v128.load offset=48 (i32.add (local.get $row) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $wide)))

    ;; Remaining groups of four.
    (block $narrowDone
      (loop $narrow
        (br_if $narrowDone (i32.ge_u (local.get $j) (local.get $bytes4)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul
          (v128.load (i32.add (local.get $query) (local.get $j)))
          (v128.load (i32.add (local.get $row) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $narrow)))

    (local.set $a0 (f32x4.add
      (f32x4.add (local.get $a0) (local.get $a1))
      (f32x4.add (local.get $a2) (local.get $a3))))
    (local.set $sum (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
      (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))

    ;; Scalar tail when dims is not a multiple of four.
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $sum (f32.add (local.get $sum) (f32.mul
          (f32.load (i32.add (local.get $query) (local.get $j)))
          (f32.load (i32.add (local.get $row) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail)))
    (local.get $sum))

  ;; $dot of two rows side by side: each row's sums are exactly $dot's (the
  ;; same accumulators, additions and order), so each result is the same
  ;; float; the two rows share the query's loads, and their memory reads
  ;; (picked rows are scattered over the block) are in flight together.
  (func $dot2 (param $query i32) (param $rowA i32) (param $rowB i32) (param $dims i32)
    (result f32 f32)
    (local $rowBytes i32) (local $bytes16 i32) (local $bytes4 i32)
    (local $j i32) (local $sumA f32) (local $sumB f32) (local $q v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $rowBytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $bytes16 (i32.and (local.get $rowBytes) (i32.const -64)))
    (local.set $bytes4 (i32.and (local.get $rowBytes) (i32.const -16)))

    (block $wideDone
      (loop $wide
        (br_if $wideDone (i32.ge_u (local.get $j) (local.get $bytes16)))
        (local.set $q (v128.load (i32.add (local.get $query) (local.get $j))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $q)
          (v128.load (i32.add (local.get $rowA) (local.get $j))))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $q)
          (v128.load (i32.add (local.get $rowB) (local.get $j))))))
        (local.set $q (v128.load offset=16 (i32.add (local.get $query) (local.get $j))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $q)
          (v128.load offset=16 (i32.add (local.get $rowA) (local.get $j))))))
        (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $q)
          (v128.load offset=16 (i32.add (local.get $rowB) (local.get $j))))))
        (local.set $q (v128.load offset=32 (i32.add (local.get $query) (local.get $j))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $q)
          (v128.load offset=32 (i32.add (local.get $rowA) (local.get $j))))))
        (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $q)
          (v128.load offset=32 (i32.add (local.get $rowB) (local.get $j))))))
        (local.set $q (v128.load offset=48 (i32.add (local.get $query) (local.get $j))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $q)
          (v128.load offset=48 (i32.add (local.get $rowA) (local.get $j))))))
        (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $q)
          (v128.load offset=48 (i32.add (local.get $rowB) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 64)))
        (br $wide)))

    (block $narrowDone
      (loop $narrow
        (br_if $narrowDone (i32.ge_u (local.get $j) (local.get $bytes4)))
        (local.set $q (v128.load (i32.add (local.get $query) (local.get $j))))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $q)
          (v128.load (i32.add (local.get $rowA) (local.get $j))))))
        (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $q)
          (v128.load (i32.add (local.get $rowB) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $narrow)))

    (local.set $a0 (f32x4.add
      (f32x4.add (local.get $a0) (local.get $a1))
      (f32x4.add (local.get $a2) (local.get $a3))))
    (local.set $sumA (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
      (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0)))))
    (local.set $b0 (f32x4.add
      (f32x4.add (local.get $b0) (local.get $b1))
      (f32x4.add (local.get $b2) (local.get $b3))))
    (local.set $sumB (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $b0)) (f32x4.extract_lane 1 (local.get $b0)))
      (f32.add (f32x4.extract_lane 2 (local.get $b0)) (f32x4.extract_lane 3 (local.get $b0)))))

    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $j) (local.get $rowBytes)))
        (local.set $sumA (f32.add (local.get $sumA) (f32.mul
          (f32.load (i32.add (local.get $query) (local.get $j)))
          (f32.load (i32.add (local.get $rowA) (local.get $j))))))
        (local.set $sumB (f32.add (local.get $sumB) (f32.mul
          (f32.load (i32.add (local.get $query) (local.get $j)))
          (f32.load (i32.add (local.get $rowB) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $tail)))
    (local.get $sumA)
    (local.get $sumB))

  (func (export "dot_rows")
    (param $query i32) (param $rows i32) (param $dims i32) (param $count i32) (param $out i32)
    (local $rowBytes i32) (local $outEnd i32)
    (local.set $rowBytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
        (f32.store (local.get $out)
          (call $dot (local.get $query) (local.get $rows) (local.get $dims)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $rows (i32.add (local.get $rows) (local.get $rowBytes)))
        (br $each))))

  (func (export "dot_picked")
    (param $query i32) (param $rows i32) (param $dims i32) (param $picks i32) (param $count i32)
    (param $out i32)
    (local $rowBytes i32) (local $outEnd i32) (local $pairsEnd i32) (local $a f32) (local $b f32)
    (local.set $rowBytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $pairsEnd (i32.add (local.get $out)
      (i32.shl (i32.and (local.get $count) (i32.const -2)) (i32.const 2))))
    ;; Two picked rows per pass ($dot2), then the odd one.
    (block $pairsDone
      (loop $pair
        (br_if $pairsDone (i32.ge_u (local.get $out) (local.get $pairsEnd)))
        (call $dot2
          (local.get $query)
          (i32.add (local.get $rows) (i32.mul (i32.load (local.get $picks)) (local.get $rowBytes)))
          (i32.add (local.get $rows) (i32.mul (i32.load offset=4 (local.get $picks)) (local.get $rowBytes)))
          (local.get $dims))
        (local.set $b)
        (local.set $a)
        (f32.store (local.get $out) (local.get $a))
        (f32.store offset=4 (local.get $out) (local.get $b))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $picks (i32.add (local.get $picks) (i32.const 8)))
        (br $pair)))
    (if (i32.lt_u (local.get $out) (local.get $outEnd))
      (then
        (f32.store (local.get $out)
          (call $dot
            (local.get $query)
            (i32.add (local.get $rows) (i32.mul (i32.load (local.get $picks)) (local.get $rowBytes)))
            (local.get $dims))))))

  ;; 2-bit codes: each 16-byte block holds 64 components, byte l's bits 2p..2p+1
  ;; being component 16p + l of the block, so plane p lines up with 16
  ;; consecutive int8 query components. i16x8.relaxed_dot_i8x16_i7x16_s (one
  ;; pmaddubsw on x86) multiplies and adds pairs; its result is exact and the
  ;; same on every platform because the codes (0..3) fit in 7 bits. Pairs (at
  ;; most 2 × 127 × 3) add up in i16 lanes for up to 8 blocks (512
  ;; components), then widen to i32. Planes are shifted in i16 lanes (x86 has
  ;; no byte shift: V8 emulates i8x16.shr_u with a shift and a mask) and
  ;; masked to their two bits, which drops what crossed from the next byte.
  (func (export "dot_codes")
    (param $query i32) (param $codes i32) (param $codeBytes i32) (param $count i32)
    (param $scales i32) (param $bias f32) (param $unit f32) (param $out i32)
    (local $outEnd i32) (local $j i32) (local $q i32) (local $groupEnd i32)
    (local $plane v128) (local $mask v128)
    (local $codesB i32) (local $codesC i32) (local $codesD i32)
    (local $hasB i32) (local $hasC i32) (local $hasD i32)
    (local $blockA v128) (local $blockB v128) (local $blockC v128) (local $blockD v128)
    (local $wideA v128) (local $wideB v128) (local $wideC v128) (local $wideD v128)
    (local $accA v128) (local $accB v128) (local $accC v128) (local $accD v128)
    (local.set $mask (v128.const i8x16 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    ;; Four rows per pass share the query's loads and the loop's bookkeeping
    ;; (more would not fit the 16 vector registers of x86-64). Past the last
    ;; row, a lane rescans the first row of the pass and is not stored.
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $out) (local.get $outEnd)))
        (local.set $accA (v128.const i32x4 0 0 0 0))
        (local.set $hasB (i32.lt_u (i32.add (local.get $out) (i32.const 4)) (local.get $outEnd)))
        (local.set $codesB (select
          (i32.add (local.get $codes) (i32.mul (local.get $codeBytes) (i32.const 1)))
          (local.get $codes)
          (local.get $hasB)))
        (local.set $accB (v128.const i32x4 0 0 0 0))
        (local.set $hasC (i32.lt_u (i32.add (local.get $out) (i32.const 8)) (local.get $outEnd)))
        (local.set $codesC (select
          (i32.add (local.get $codes) (i32.mul (local.get $codeBytes) (i32.const 2)))
          (local.get $codes)
          (local.get $hasC)))
        (local.set $accC (v128.const i32x4 0 0 0 0))
        (local.set $hasD (i32.lt_u (i32.add (local.get $out) (i32.const 12)) (local.get $outEnd)))
        (local.set $codesD (select
          (i32.add (local.get $codes) (i32.mul (local.get $codeBytes) (i32.const 3)))
          (local.get $codes)
          (local.get $hasD)))
        (local.set $accD (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (local.set $q (local.get $query))
        (block $groupsDone
          (loop $groups
            (br_if $groupsDone (i32.ge_u (local.get $j) (local.get $codeBytes)))
            (local.set $groupEnd (i32.add (local.get $j) (i32.const 128)))
            (if (i32.gt_u (local.get $groupEnd) (local.get $codeBytes))
              (then (local.set $groupEnd (local.get $codeBytes))))
            (local.set $wideA (v128.const i32x4 0 0 0 0))
            (local.set $wideB (v128.const i32x4 0 0 0 0))
            (local.set $wideC (v128.const i32x4 0 0 0 0))
            (local.set $wideD (v128.const i32x4 0 0 0 0))
            (block $blocksDone
              (loop $blocks
                (br_if $blocksDone (i32.ge_u (local.get $j) (local.get $groupEnd)))
                (local.set $blockA (v128.load (i32.add (local.get $codes) (local.get $j))))
                (local.set $blockB (v128.load (i32.add (local.get $codesB) (local.get $j))))
                (local.set $blockC (v128.load (i32.add (local.get $codesC) (local.get $j))))
                (local.set $blockD (v128.load (i32.add (local.get $codesD) (local.get $j))))
                (local.set $plane (v128.load (local.get $q)))
                (local.set $wideA (i16x8.add (local.get $wideA) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (local.get $blockA) (local.get $mask)))))
                (local.set $wideB (i16x8.add (local.get $wideB) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (local.get $blockB) (local.get $mask)))))
                (local.set $wideC (i16x8.add (local.get $wideC) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (local.get $blockC) (local.get $mask)))))
                (local.set $wideD (i16x8.add (local.get $wideD) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (local.get $blockD) (local.get $mask)))))
                (local.set $plane (v128.load offset=16 (local.get $q)))
                (local.set $wideA (i16x8.add (local.get $wideA) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockA) (i32.const 2)) (local.get $mask)))))
                (local.set $wideB (i16x8.add (local.get $wideB) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockB) (i32.const 2)) (local.get $mask)))))
                (local.set $wideC (i16x8.add (local.get $wideC) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockC) (i32.const 2)) (local.get $mask)))))
                (local.set $wideD (i16x8.add (local.get $wideD) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockD) (i32.const 2)) (local.get $mask)))))
                (local.set $plane (v128.load offset=32 (local.get $q)))
                (local.set $wideA (i16x8.add (local.get $wideA) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockA) (i32.const 4)) (local.get $mask)))))
                (local.set $wideB (i16x8.add (local.get $wideB) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockB) (i32.const 4)) (local.get $mask)))))
                (local.set $wideC (i16x8.add (local.get $wideC) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockC) (i32.const 4)) (local.get $mask)))))
                (local.set $wideD (i16x8.add (local.get $wideD) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockD) (i32.const 4)) (local.get $mask)))))
                (local.set $plane (v128.load offset=48 (local.get $q)))
                (local.set $wideA (i16x8.add (local.get $wideA) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockA) (i32.const 6)) (local.get $mask)))))
                (local.set $wideB (i16x8.add (local.get $wideB) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockB) (i32.const 6)) (local.get $mask)))))
                (local.set $wideC (i16x8.add (local.get $wideC) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockC) (i32.const 6)) (local.get $mask)))))
                (local.set $wideD (i16x8.add (local.get $wideD) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get $plane) (v128.and (i16x8.shr_u (local.get $blockD) (i32.const 6)) (local.get $mask)))))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (local.set $q (i32.add (local.get $q) (i32.const 64)))
                (br $blocks)))
            (local.set $accA (i32x4.add (local.get $accA) (i32x4.extadd_pairwise_i16x8_s (local.get $wideA))))
            (local.set $accB (i32x4.add (local.get $accB) (i32x4.extadd_pairwise_i16x8_s (local.get $wideB))))
            (local.set $accC (i32x4.add (local.get $accC) (i32x4.extadd_pairwise_i16x8_s (local.get $wideC))))
            (local.set $accD (i32x4.add (local.get $accD) (i32x4.extadd_pairwise_i16x8_s (local.get $wideD))))
            (br $groups)))
        (f32.store (local.get $out) (f32.mul (f32.mul (f32.sub
              (f32.convert_i32_s (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $accA)) (i32x4.extract_lane 1 (local.get $accA)))
                (i32.add (i32x4.extract_lane 2 (local.get $accA)) (i32x4.extract_lane 3 (local.get $accA)))))
              (local.get $bias)) (f32.load (local.get $scales))) (local.get $unit)))
        (if (local.get $hasB) (then (f32.store offset=4 (local.get $out) (f32.mul (f32.mul (f32.sub
              (f32.convert_i32_s (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $accB)) (i32x4.extract_lane 1 (local.get $accB)))
                (i32.add (i32x4.extract_lane 2 (local.get $accB)) (i32x4.extract_lane 3 (local.get $accB)))))
              (local.get $bias)) (f32.load offset=4 (local.get $scales))) (local.get $unit)))))
        (if (local.get $hasC) (then (f32.store offset=8 (local.get $out) (f32.mul (f32.mul (f32.sub
              (f32.convert_i32_s (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $accC)) (i32x4.extract_lane 1 (local.get $accC)))
                (i32.add (i32x4.extract_lane 2 (local.get $accC)) (i32x4.extract_lane 3 (local.get $accC)))))
              (local.get $bias)) (f32.load offset=8 (local.get $scales))) (local.get $unit)))))
        (if (local.get $hasD) (then (f32.store offset=12 (local.get $out) (f32.mul (f32.mul (f32.sub
              (f32.convert_i32_s (i32.add
                (i32.add (i32x4.extract_lane 0 (local.get $accD)) (i32x4.extract_lane 1 (local.get $accD)))
                (i32.add (i32x4.extract_lane 2 (local.get $accD)) (i32x4.extract_lane 3 (local.get $accD)))))
              (local.get $bias)) (f32.load offset=12 (local.get $scales))) (local.get $unit)))))
        (local.set $codes (i32.add (local.get $codes) (i32.mul (local.get $codeBytes) (i32.const 4))))
        (local.set $scales (i32.add (local.get $scales) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (br $each))))

  ;; rotate(src, dst, count, dims, tables, norm): Rotation.applyAt of
  ;; vector-codes.ts for `count` float32 vectors of `dims` (a multiple of 128:
  ;; every Hadamard block is 128 wide) at `src`, written to `dst` (which may
  ;; be `src`). `tables` holds, `dims` entries each: the first permutation
  ;; (i32 element indices), its signs (f32, ±1), the second permutation, its
  ;; signs, then `dims` floats of scratch. `norm` is 1/√128 as float64.
  ;; The same bits as the JavaScript: float32 sums and differences of float32
  ;; values are exactly what `Math.fround` of the float64 ones gives, the
  ;; signs are ±1 (exact), and the last level's scaling is done in float64
  ;; lanes and rounded once, as the JavaScript stores it.
  (func (export "rotate")
    (param $src i32) (param $dst i32) (param $count i32) (param $dims i32)
    (param $tables i32) (param $norm f64)
    (local $bytes i32) (local $i i32) (local $scratch i32)
    (local.set $bytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $scratch (i32.add (local.get $tables) (i32.shl (local.get $bytes) (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (call $permute (local.get $src) (local.get $tables)
          (i32.add (local.get $tables) (local.get $bytes)) (local.get $scratch) (local.get $dims))
        (call $hadamardBlocks (local.get $scratch) (local.get $bytes) (local.get $norm))
        (call $permute (local.get $scratch)
          (i32.add (local.get $tables) (i32.shl (local.get $bytes) (i32.const 1)))
          (i32.add (local.get $tables) (i32.mul (local.get $bytes) (i32.const 3)))
          (local.get $dst) (local.get $dims))
        (call $hadamardBlocks (local.get $dst) (local.get $bytes) (local.get $norm))
        (local.set $src (i32.add (local.get $src) (local.get $bytes)))
        (local.set $dst (i32.add (local.get $dst) (local.get $bytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each))))

  ;; out[j] = source[order[j]] * signs[j], j in [0, dims).
  (func $permute (param $source i32) (param $order i32) (param $signs i32) (param $out i32)
    (param $dims i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $dims) (i32.const 2))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (f32.store (local.get $out)
          (f32.mul
            (f32.load (i32.add (local.get $source) (i32.shl (i32.load (local.get $order)) (i32.const 2))))
            (f32.load (local.get $signs))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $order (i32.add (local.get $order) (i32.const 4)))
        (local.set $signs (i32.add (local.get $signs) (i32.const 4)))
        (br $each))))

  ;; The orthonormal Walsh–Hadamard transform of each 128-float block of the
  ;; `bytes` at `v`, in place: levels 1+2, 4+8 and 16+32 as radix-4
  ;; butterflies (each pair sum rounded to float32 before the second level,
  ;; as hadamardBlocks does), then level 64 scaled by `norm` on the way out.
  (func $hadamardBlocks (param $v i32) (param $bytes i32) (param $norm f64)
    (local $end i32) (local $block i32) (local $p i32) (local $stop i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $s v128) (local $d v128) (local $scale v128)
    (local.set $scale (f64x2.splat (local.get $norm)))
    (local.set $end (i32.add (local.get $v) (local.get $bytes)))
    (local.set $block (local.get $v))
    (block $blocksDone
      (loop $blocks
        (br_if $blocksDone (i32.ge_u (local.get $block) (local.get $end)))
        ;; Levels 1 and 2: each group of four floats is one vector.
        (local.set $p (local.get $block))
        (local.set $stop (i32.add (local.get $block) (i32.const 512)))
        (block $l1done
          (loop $l1
            (br_if $l1done (i32.ge_u (local.get $p) (local.get $stop)))
            (local.set $a0 (v128.load (local.get $p)))
            ;; [x0 x0 x2 x2] and [x1 x1 x3 x3]
            (local.set $a1 (i8x16.shuffle 0 1 2 3 0 1 2 3 8 9 10 11 8 9 10 11 (local.get $a0) (local.get $a0)))
            (local.set $a2 (i8x16.shuffle 4 5 6 7 4 5 6 7 12 13 14 15 12 13 14 15 (local.get $a0) (local.get $a0)))
            (local.set $s (f32x4.add (local.get $a1) (local.get $a2)))
            (local.set $d (f32x4.sub (local.get $a1) (local.get $a2)))
            ;; b = [x0+x1, x0−x1, x2+x3, x2−x3]
            (local.set $b0 (i8x16.shuffle 0 1 2 3 20 21 22 23 8 9 10 11 28 29 30 31 (local.get $s) (local.get $d)))
            ;; [b0 b1 b0 b1] and [b2 b3 b2 b3]
            (local.set $a1 (i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 (local.get $b0) (local.get $b0)))
            (local.set $a2 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $b0) (local.get $b0)))
            (local.set $s (f32x4.add (local.get $a1) (local.get $a2)))
            (local.set $d (f32x4.sub (local.get $a1) (local.get $a2)))
            (v128.store (local.get $p)
              (i8x16.shuffle 0 1 2 3 4 5 6 7 24 25 26 27 28 29 30 31 (local.get $s) (local.get $d)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $l1)))
        ;; Levels 4 and 8: groups of 16 floats, four vectors apart by 16 bytes.
        (local.set $p (local.get $block))
        (block $l4done
          (loop $l4
            (br_if $l4done (i32.ge_u (local.get $p) (local.get $stop)))
            (call $radix4 (local.get $p) (i32.const 16))
            (local.set $p (i32.add (local.get $p) (i32.const 64)))
            (br $l4)))
        ;; Levels 16 and 32: groups of 64 floats, quarters 64 bytes apart.
        (local.set $p (local.get $block))
        (block $l16done
          (loop $l16
            (br_if $l16done (i32.ge_u (local.get $p) (local.get $stop)))
            (call $radix4 (local.get $p) (i32.const 64))
            (call $radix4 (i32.add (local.get $p) (i32.const 16)) (i32.const 64))
            (call $radix4 (i32.add (local.get $p) (i32.const 32)) (i32.const 64))
            (call $radix4 (i32.add (local.get $p) (i32.const 48)) (i32.const 64))
            (local.set $p (i32.add (local.get $p) (i32.const 256)))
            (br $l16)))
        ;; Level 64, scaled: v[j] = f32(f32(a + c) × norm), v[j+64] = f32(f32(a − c) × norm).
        (local.set $p (local.get $block))
        (local.set $stop (i32.add (local.get $block) (i32.const 256)))
        (block $l64done
          (loop $l64
            (br_if $l64done (i32.ge_u (local.get $p) (local.get $stop)))
            (local.set $a0 (v128.load (local.get $p)))
            (local.set $a1 (v128.load offset=256 (local.get $p)))
            (v128.store (local.get $p)
              (call $scaled (f32x4.add (local.get $a0) (local.get $a1)) (local.get $scale)))
            (v128.store offset=256 (local.get $p)
              (call $scaled (f32x4.sub (local.get $a0) (local.get $a1)) (local.get $scale)))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (br $l64)))
        (local.set $block (i32.add (local.get $block) (i32.const 512)))
        (br $blocks))))

  ;; One radix-4 butterfly on the four vectors at p, p+gap, p+2gap, p+3gap.
  (func $radix4 (param $p i32) (param $gap i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $a0 (v128.load (local.get $p)))
    (local.set $a1 (v128.load (i32.add (local.get $p) (local.get $gap))))
    (local.set $a2 (v128.load (i32.add (local.get $p) (i32.shl (local.get $gap) (i32.const 1)))))
    (local.set $a3 (v128.load (i32.add (local.get $p) (i32.mul (local.get $gap) (i32.const 3)))))
    (local.set $b0 (f32x4.add (local.get $a0) (local.get $a1)))
    (local.set $b1 (f32x4.sub (local.get $a0) (local.get $a1)))
    (local.set $b2 (f32x4.add (local.get $a2) (local.get $a3)))
    (local.set $b3 (f32x4.sub (local.get $a2) (local.get $a3)))
    (v128.store (local.get $p) (f32x4.add (local.get $b0) (local.get $b2)))
    (v128.store (i32.add (local.get $p) (local.get $gap)) (f32x4.add (local.get $b1) (local.get $b3)))
    (v128.store (i32.add (local.get $p) (i32.shl (local.get $gap) (i32.const 1)))
      (f32x4.sub (local.get $b0) (local.get $b2)))
    (v128.store (i32.add (local.get $p) (i32.mul (local.get $gap) (i32.const 3)))
      (f32x4.sub (local.get $b1) (local.get $b3))))

  ;; Four float32 lanes times a float64 factor, each product rounded once to float32.
  (func $scaled (param $x v128) (param $scale v128) (result v128)
    (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
      (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (local.get $scale)))
      (f32x4.demote_f64x2_zero (f64x2.mul
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $x) (local.get $x)))
        (local.get $scale)))))

  ;; code(rotated, center, spread, x, dims, codes, out): encodeVectors'
  ;; standardising and 2-bit coding of one rotated vector (vector-codes.ts),
  ;; the same float64 operations in the same order: x[j] = f32((rotated[j] −
  ;; center[j]) / spread[j]) two lanes at a time (elementwise, so exact),
  ;; then in order the sum of squares, the step, each component's level and
  ;; the sums along it. Writes the codes (OR-ed into `codes`, which the
  ;; caller zeroed) and float64 scale and residual at out, out + 8.
  (func (export "code")
    (param $rotated i32) (param $center i32) (param $spread i32) (param $x i32)
    (param $dims i32) (param $codes i32) (param $out i32)
    (local $j i32) (local $at i32) (local $end i32)
    (local $v f64) (local $squares f64) (local $step f64) (local $floored f64)
    (local $level f64) (local $along f64) (local $levels f64) (local $scale f64)
    (local $byte i32)
    (local.set $end (i32.shl (local.get $dims) (i32.const 2)))
    ;; Standardised components, two at a time (dims is even: a multiple of 128).
    (block $zDone
      (loop $z
        (br_if $zDone (i32.ge_u (local.get $at) (local.get $end)))
        (v128.store64_lane 0
          (i32.add (local.get $x) (local.get $at))
          (f32x4.demote_f64x2_zero
            (f64x2.div
              (f64x2.sub
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $rotated) (local.get $at))))
                (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $center) (local.get $at)))))
              (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $spread) (local.get $at)))))))
        (local.set $at (i32.add (local.get $at) (i32.const 8)))
        (br $z)))
    ;; Σ x², in order.
    (local.set $at (i32.const 0))
    (block $sqDone
      (loop $sq
        (br_if $sqDone (i32.ge_u (local.get $at) (local.get $end)))
        (local.set $v (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $at)))))
        (local.set $squares (f64.add (local.get $squares) (f64.mul (local.get $v) (local.get $v))))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $sq)))
    ;; STEP_IN_SIGMAS × √(Σ x² / dims), or 1 when that is 0 or NaN (`|| 1`).
    (local.set $step (f64.mul (f64.const 0.996)
      (f64.sqrt (f64.div (local.get $squares) (f64.convert_i32_u (local.get $dims))))))
    (if (i32.eqz (f64.gt (local.get $step) (f64.const 0)))
      (then (local.set $step (f64.const 1))))
    (local.set $at (i32.const 0))
    (block $cDone
      (loop $c
        (br_if $cDone (i32.ge_u (local.get $j) (local.get $dims)))
        (local.set $v (f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $at)))))
        (local.set $floored (f64.floor (f64.add (f64.div (local.get $v) (local.get $step)) (f64.const 2))))
        ;; floored < 0 ? 0 : floored > 3 ? 3 : floored (NaN stays NaN, as in JavaScript)
        (if (f64.lt (local.get $floored) (f64.const 0))
          (then (local.set $floored (f64.const 0)))
          (else (if (f64.gt (local.get $floored) (f64.const 3))
            (then (local.set $floored (f64.const 3))))))
        ;; codes[((j >> 6) << 4) + (j & 15)] |= code << (((j & 63) >> 4) << 1)
        (local.set $byte (i32.add (local.get $codes)
          (i32.add (i32.shl (i32.shr_u (local.get $j) (i32.const 6)) (i32.const 4))
                   (i32.and (local.get $j) (i32.const 15)))))
        (i32.store8 (local.get $byte)
          (i32.or (i32.load8_u (local.get $byte))
            (i32.shl (i32.trunc_sat_f64_s (local.get $floored))
              (i32.shl (i32.shr_u (i32.and (local.get $j) (i32.const 63)) (i32.const 4)) (i32.const 1)))))
        (local.set $level (f64.sub (local.get $floored) (f64.const 1.5)))
        (local.set $along (f64.add (local.get $along) (f64.mul (local.get $v) (local.get $level))))
        (local.set $levels (f64.add (local.get $levels) (f64.mul (local.get $level) (local.get $level))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br $c)))
    (local.set $scale (select
      (f64.div (local.get $along) (local.get $levels))
      (f64.const 0)
      (f64.gt (local.get $levels) (f64.const 0))))
    (f64.store (local.get $out) (local.get $scale))
    (f64.store offset=8 (local.get $out)
      (f64.max (f64.const 0) (f64.sub (local.get $squares) (f64.mul (local.get $scale) (local.get $along))))))

  ;; above(scores, count, threshold, out, room): the positions i in [0, count)
  ;;   of the f32 scores with !(scores[i] < threshold) (NaN included, as the
  ;;   JavaScript's `score < threshold` test lets it through), ascending, the
  ;;   first `room` of them written to `out` (i32); returns how many there
  ;;   are, so the caller knows when `out` was too small. 16 scores a step:
  ;;   a scan's threshold lets a fraction of a percent through, so almost
  ;;   every step is four compares and one test.
  (func (export "above")
    (param $scores i32) (param $count i32) (param $threshold f32) (param $out i32) (param $room i32)
    (result i32)
    (local $i i32) (local $end i32) (local $found i32) (local $limit v128) (local $at i32)
    (local.set $limit (f32x4.splat (local.get $threshold)))
    (local.set $end (i32.and (local.get $count) (i32.const -16)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $at (i32.add (local.get $scores) (i32.shl (local.get $i) (i32.const 2))))
        (if (i32.eqz (i32x4.all_true (v128.and
              (v128.and
                (f32x4.lt (v128.load (local.get $at)) (local.get $limit))
                (f32x4.lt (v128.load offset=16 (local.get $at)) (local.get $limit)))
              (v128.and
                (f32x4.lt (v128.load offset=32 (local.get $at)) (local.get $limit))
                (f32x4.lt (v128.load offset=48 (local.get $at)) (local.get $limit))))))
          (then
            (local.set $found (call $aboveIn
              (local.get $scores) (local.get $i) (i32.add (local.get $i) (i32.const 16))
              (local.get $threshold) (local.get $out) (local.get $room) (local.get $found)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $each)))
    (call $aboveIn
      (local.get $scores) (local.get $i) (local.get $count)
      (local.get $threshold) (local.get $out) (local.get $room) (local.get $found)))

  ;; `above` one score at a time over [from, to), counting on from `found`.
  (func $aboveIn
    (param $scores i32) (param $from i32) (param $to i32) (param $threshold f32)
    (param $out i32) (param $room i32) (param $found i32)
    (result i32)
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $from) (local.get $to)))
        (if (i32.eqz (f32.lt
              (f32.load (i32.add (local.get $scores) (i32.shl (local.get $from) (i32.const 2))))
              (local.get $threshold)))
          (then
            (if (i32.lt_u (local.get $found) (local.get $room))
              (then (i32.store
                (i32.add (local.get $out) (i32.shl (local.get $found) (i32.const 2)))
                (local.get $from))))
            (local.set $found (i32.add (local.get $found) (i32.const 1)))))
        (local.set $from (i32.add (local.get $from) (i32.const 1)))
        (br $each)))
    (local.get $found))
)
