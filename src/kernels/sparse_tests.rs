//! Unit tests of the sparse kernels' private block paths.

use super::*;

/// The group size is a performance choice only: any `max` gives the same bits.
#[test]
fn block_kernels_give_the_same_bits_for_every_group_size() {
    // A 300 x 200 matrix with 7 entries a row at pseudo-random columns.
    let (outer, inner, per) = (300usize, 200usize, 7usize);
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 33
    };
    let ptr: Vec<usize> = (0..=outer).map(|o| o * per).collect();
    let mut idx = Vec::new();
    for _ in 0..outer {
        let mut row: Vec<u32> = Vec::new();
        while row.len() < per {
            let c = (next() % inner as u64) as u32;
            if !row.contains(&c) {
                row.push(c);
            }
        }
        row.sort_unstable();
        idx.extend(row);
    }
    let val: Vec<f64> = (0..idx.len()).map(|_| next() as f64 / 7e9 - 0.3).collect();
    // SAFETY: built above to satisfy every invariant (sorted, distinct, in range).
    let p = unsafe { Parts::new_unchecked(outer, inner, &ptr, &idx, &val) };
    let k = 13;
    let x: Vec<f64> = (0..inner * k).map(|_| next() as f64 / 3e9 - 0.5).collect();
    let xt: Vec<f64> = (0..outer * k).map(|_| next() as f64 / 3e9 - 0.5).collect();
    let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    let (mut g8, mut s8) = (vec![1.0; outer * k], vec![1.0; inner * k]);
    gather_grouped(p, 0.7, &x, -0.2, &mut g8, Par::Rayon, 8);
    scatter_grouped(p, 0.7, &xt, -0.2, &mut s8, 8);
    let mut scratch = vec![f64::NAN; inner * Group::MAX];
    for par in [Par::Seq, Par::Rayon] {
        let mut il = vec![1.0; outer * k];
        gather_block_interleaved(p, 0.7, &x, -0.2, &mut il, par, &mut scratch);
        assert_eq!(bits(&il), bits(&g8), "interleaved, {par:?}");
    }
    for max in [1, 2, 4] {
        let (mut g, mut s) = (vec![1.0; outer * k], vec![1.0; inner * k]);
        gather_grouped(p, 0.7, &x, -0.2, &mut g, Par::Seq, max);
        scatter_grouped(p, 0.7, &xt, -0.2, &mut s, max);
        assert_eq!(bits(&g), bits(&g8), "gather, max {max}");
        assert_eq!(bits(&s), bits(&s8), "scatter, max {max}");
    }
}
