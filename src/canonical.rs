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
        let row_start = w;
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
        debug_assert!(w >= row_start);
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
    for o in 0..n {
        let r = ptr[o] - base..ptr[o + 1] - base;
        sort_pairs(&mut idx[r.clone()], &mut val[r]);
    }
}

/// Sorts `keys` ascending, applying the same permutation to `vals`: nothing to do when
/// already sorted (the common case), insertion sort when short, heapsort otherwise (in place,
/// `O(n log n)` worst case, no allocation).
fn sort_pairs<T: Copy, I: Ord + Copy>(keys: &mut [I], vals: &mut [T]) {
    if keys.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    let n = keys.len();
    if n <= 24 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && keys[j - 1] > keys[j] {
                keys.swap(j - 1, j);
                vals.swap(j - 1, j);
                j -= 1;
            }
        }
        return;
    }
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
            sort_pairs(&mut keys, &mut vals);
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
