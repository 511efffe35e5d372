;; Dot products of one query against a block of rows, four f32 lanes at a time.
;;
;; dot_rows(query, rows, dims, count, out) writes, for i in [0, count),
;;   out[i] = sum_j query[j] * rows[i * dims + j]
;; All pointers are byte offsets into this module's own memory. The caller keeps
;; the query, the rows and the output 16-byte aligned; any dims >= 1 works (a
;; tail of dims % 4 components is handled with scalar code).
;;
;; Four independent accumulators per row hide the latency of f32x4.add; the
;; caller re-scores its final candidates in float64, so the summation order here
;; only has to be good enough to pick candidates, not to be exact.
(module
  (memory (export "memory") 1)

  (func (export "dot_rows")
    (param $query i32) (param $rows i32) (param $dims i32) (param $count i32) (param $out i32)
    (local $rowBytes i32) (local $bytes16 i32) (local $bytes4 i32) (local $outEnd i32)
    (local $row i32) (local $j i32) (local $sum f32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)

    (local.set $rowBytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $bytes16 (i32.and (local.get $rowBytes) (i32.const -64)))
    (local.set $bytes4 (i32.and (local.get $rowBytes) (i32.const -16)))
    (local.set $outEnd (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $row (local.get $rows))

    (block $rowsDone
      (loop $eachRow
        (br_if $rowsDone (i32.ge_u (local.get $out) (local.get $outEnd)))
        (local.set $a0 (v128.const f32x4 0 0 0 0))
        (local.set $a1 (v128.const f32x4 0 0 0 0))
        (local.set $a2 (v128.const f32x4 0 0 0 0))
        (local.set $a3 (v128.const f32x4 0 0 0 0))
        (local.set $j (i32.const 0))

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

        (f32.store (local.get $out) (local.get $sum))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
        (br $eachRow)))
  )
)
