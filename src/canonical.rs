//! The one canonicaliser: sorting the entries of each outer slice by index and summing
//! duplicates, used by [`Coo::into_csr`](crate::Coo::into_csr) and its siblings and by the
//! `.npz` reader for files whose indices are not canonical.
//!
//! **The documented order.** Duplicates of one `(row, column)` are summed in ascending order of
//! their values (IEEE 754 total order: −NaN, −∞, …, −0, +0, …, +∞, +NaN), left to right. Any
//! fixed order would make the conversions deterministic; this one makes the result independent
//! of the order the entries *arrive* in, so the same triplets give bit-identical CSR whether
//! they are pushed in one order or another, converted in place or copied, or read from a
//! non-canonical scipy file. Sorting costs nothing where there are no duplicates (the runs are
//! found by the same scan that compacts the arrays) and sorts only the runs, in place.

use crate::par::{self, Par};
use crate::{Index, Scalar};

/// Within each bucket `ptr[o]..ptr[o + 1]`, sorts the entries by inner index (in parallel
/// over buckets), then sums duplicates — each run of equal indices in ascending order of its
/// values (IEEE total order) — and compacts the arrays, updating `ptr`. `ptr` must be valid
/// offsets for `idx` and `val`.
pub(crate) fn sort_and_sum<T: Scalar, I: Index>(
    par: Par,
    ptr: &mut [usize],
    idx: &mut Vec<I>,
    val: &mut Vec<T>,
) {
    sort_buckets(par, ptr, 0, idx, val);
    let n_outer = ptr.len() - 1;
    let mut w = 0;
    let mut start = 0;
    for o in 0..n_outer {
        let end = ptr[o + 1];
        let mut k = start;
        while k < end {
            // The run of entries with the index of entry `k`.
            let i = idx[k];
            let run = k + idx[k..end].iter().take_while(|&&j| j == i).count();
            if run - k > 1 {
                // In place, no allocation: only duplicate runs are sorted.
                val[k..run].sort_unstable_by(|a, b| a.total_cmp(*b));
            }
            let mut sum = val[k];
            for &v in &val[k + 1..run] {
                sum += v;
            }
            idx[w] = i;
            val[w] = sum;
            w += 1;
            k = run;
        }
        start = end;
        ptr[o + 1] = w;
    }
    idx.truncate(w);
    val.truncate(w);
}

/// Sorts each bucket of `idx`/`val` (whose first entry is at absolute position `base`),
/// splitting the buckets in two halves recursively for rayon.
fn sort_buckets<T: Scalar, I: Index>(
    par: Par,
    ptr: &[usize],
    base: usize,
    idx: &mut [I],
    val: &mut [T],
) {
    let n = ptr.len() - 1;
    if n >= 2 && idx.len() >= par::SEQ_WORK && par.threads() > 1 {
        let mid = n / 2;
        let cut = ptr[mid] - base;
        let (il, ir) = idx.split_at_mut(cut);
        let (vl, vr) = val.split_at_mut(cut);
        par::join(
            par,
            || sort_buckets(par, &ptr[..=mid], base, il, vl),
            || sort_buckets(par, &ptr[mid..], base + cut, ir, vr),
        );
        return;
    }
    // One scratch buffer per leaf, for the long slices, grown to the longest (at most
    // `SCRATCH_MAX` entries, so peak memory stays bounded whatever the matrix).
    let mut scratch = Vec::new();
    for o in 0..n {
        let r = ptr[o] - base..ptr[o + 1] - base;
        sort_pairs(&mut idx[r.clone()], &mut val[r], &mut scratch);
    }
}

/// Slices up to this long are sorted as packed `u64` keys on the stack.
const PACKED: usize = 32;
/// Longer slices up to this long are sorted as pairs in a scratch buffer; longer ones still
/// by heapsort in place (16 bytes an entry of scratch at most 64 MiB).
const SCRATCH_MAX: usize = 1 << 22;

/// Sorts `keys` ascending, applying the same permutation to `vals`: nothing to do when
/// already sorted (the common case); up to [`PACKED`] entries, by sorting `index << 5 |
/// position` words on the stack and permuting (measured: sorting 16 M entries in rows of
/// about 16 took 140 ms with insertion sort, 77 ms this way, 2 threads); up to
/// [`SCRATCH_MAX`], as `(key, value)` pairs in `scratch` with the standard library's
/// unstable sort (R-MAT's rows of thousands: the heapsort this replaced took 310 ms of the
/// 600 ms of `into_csr`); beyond that, heapsort in place.
fn sort_pairs<T: Copy + Default, I: Index>(
    keys: &mut [I],
    vals: &mut [T],
    scratch: &mut Vec<(I, T)>,
) {
    if keys.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    let n = keys.len();
    if n <= PACKED && keys.iter().all(|k| k.index() < 1 << 58) {
        let mut packed = [0u64; PACKED];
        for (p, (k, key)) in packed.iter_mut().zip(keys.iter().enumerate()) {
            *p = (key.index() as u64) << 5 | k as u64;
        }
        packed[..n].sort_unstable();
        let (mut old_keys, mut old_vals) = ([I::default(); PACKED], [T::default(); PACKED]);
        old_keys[..n].copy_from_slice(keys);
        old_vals[..n].copy_from_slice(vals);
        for ((key, val), &p) in keys.iter_mut().zip(vals.iter_mut()).zip(&packed[..n]) {
            let from = (p & 31) as usize;
            (*key, *val) = (old_keys[from], old_vals[from]);
        }
        return;
    }
    if n <= SCRATCH_MAX {
        scratch.clear();
        scratch.extend(keys.iter().copied().zip(vals.iter().copied()));
        scratch.sort_unstable_by_key(|p| p.0);
        for ((key, val), &(k, v)) in keys.iter_mut().zip(vals.iter_mut()).zip(scratch.iter()) {
            (*key, *val) = (k, v);
        }
        return;
    }
    heapsort_pairs(keys, vals);
}

/// Heapsort of `keys`, carrying `vals`: in place, `O(n log n)`, for slices too long for a
/// bounded scratch buffer.
fn heapsort_pairs<T: Copy, I: Ord + Copy>(keys: &mut [I], vals: &mut [T]) {
    let n = keys.len();
    let sift = |keys: &mut [I], vals: &mut [T], mut root: usize, end: usize| loop {
        let mut child = 2 * root + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && keys[child] < keys[child + 1] {
            child += 1;
        }
        if keys[root] >= keys[child] {
            break;
        }
        keys.swap(root, child);
        vals.swap(root, child);
        root = child;
    };
    for root in (0..n / 2).rev() {
        sift(keys, vals, root, n);
    }
    for end in (1..n).rev() {
        keys.swap(0, end);
        vals.swap(0, end);
        sift(keys, vals, 0, end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_sort_pairs_sorts_keys_and_carries_values() {
        let mut state = 12345u64;
        for n in [0usize, 1, 2, 5, 24, 25, 100, 1000] {
            let mut keys: Vec<u32> = (0..n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (state >> 40) as u32 % 50
                })
                .collect();
            let mut vals: Vec<u64> = keys.iter().map(|&k| k as u64 * 10).collect();
            let (mut k2, mut v2) = (keys.clone(), vals.clone());
            heapsort_pairs(&mut k2, &mut v2);
            sort_pairs(&mut keys, &mut vals, &mut Vec::new());
            assert_eq!((&k2, &v2), (&keys, &vals), "heapsort, n = {n}");
            assert!(keys.windows(2).all(|w| w[0] <= w[1]));
            assert!(keys.iter().zip(&vals).all(|(&k, &v)| v == k as u64 * 10));
        }
    }

    /// The same triplets, in any order, give the same bits; duplicates are summed in
    /// ascending value order.
    #[test]
    fn canonical_sum_does_not_depend_on_the_arrival_order() {
        let mut state = 77u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        // 3 rows; many duplicates of a few columns, with values whose sums round.
        let mut trip: Vec<(usize, u32, f64)> = (0..300)
            .map(|_| {
                let r = (next() % 3) as usize;
                let c = (next() % 5) as u32;
                let v = (next() as f64 / 1e9).exp() * if next() % 2 == 0 { 1.0 } else { -1e-3 };
                (r, c, v)
            })
            .collect();
        let canon = |trip: &[(usize, u32, f64)]| {
            let mut buckets: Vec<Vec<(u32, f64)>> = vec![Vec::new(); 3];
            for &(r, c, v) in trip {
                buckets[r].push((c, v));
            }
            let mut ptr = vec![0];
            let (mut idx, mut val) = (Vec::new(), Vec::new());
            for b in buckets {
                idx.extend(b.iter().map(|e| e.0));
                val.extend(b.iter().map(|e| e.1));
                ptr.push(idx.len());
            }
            sort_and_sum(Par::Rayon, &mut ptr, &mut idx, &mut val);
            (
                ptr,
                idx,
                val.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            )
        };
        let want = canon(&trip);
        assert_eq!(want.1.len(), 15);
        for _ in 0..5 {
            for k in (1..trip.len()).rev() {
                trip.swap(k, (next() % (k as u64 + 1)) as usize);
            }
            assert_eq!(canon(&trip), want);
        }
        // And the order is ascending values: check one entry by hand.
        let mut dup: Vec<f64> = trip
            .iter()
            .filter(|t| t.0 == 0 && t.1 == 0)
            .map(|t| t.2)
            .collect();
        dup.sort_by(f64::total_cmp);
        let sum = dup.iter().skip(1).fold(dup[0], |s, v| s + v);
        assert_eq!(f64::from_bits(want.2[0]), sum);
    }
}
