//! Block products through a matrix's own workspace.

use super::*;

/// On a matrix whose 8 vectors do not fit the cache but whose columns are skewed, the owned
/// `Csr` runs its block gather with the vectors interleaved in a workspace it keeps: the same
/// bits as 8 separate products, and the workspace shows in `heap_bytes`.
#[test]
fn csr_block_gather_through_its_workspace_is_bit_identical() {
    let (n, per) = (300_000usize, 3usize);
    let mut rng = Rng::new(12);
    let mut coo = Coo::<f64>::with_capacity(n, n, n * per);
    for r in 0..n {
        for _ in 0..per {
            let c = rng.below(n).min(rng.below(n)).min(rng.below(n)); // skewed to low columns
            coo.push(r, c, rng.unit() - 0.5);
        }
    }
    let a = coo.into_csr();
    let k = 8;
    let x: Vec<f64> = (0..n * k).map(|_| rng.unit() - 0.5).collect();
    let before = a.heap_bytes();
    for par in [Par::Seq, Par::Rayon] {
        let mut want = vec![f64::NAN; n * k];
        for j in 0..k {
            a.mul_vec(
                0.9,
                &x[j * n..(j + 1) * n],
                0.0,
                &mut want[j * n..(j + 1) * n],
                par,
            );
        }
        let mut got = vec![f64::NAN; n * k];
        a.mul_mat(0.9, &x, 0.0, &mut got, par);
        assert!(
            got.iter()
                .zip(&want)
                .all(|(g, w)| g.to_bits() == w.to_bits()),
            "{par:?}"
        );
    }
    assert!(
        a.heap_bytes() >= before + n * 8 * 8,
        "the workspace of 8 interleaved vectors"
    );
    // The CSC's transposed block product is the same gather over the same arrays.
    let c = a.clone().into_transpose();
    let mut got = vec![f64::NAN; n * k];
    c.mul_mat_t(0.9, &x, 0.0, &mut got, Par::Rayon);
    let mut want = vec![f64::NAN; n * k];
    a.mul_mat(0.9, &x, 0.0, &mut want, Par::Rayon);
    assert!(
        got.iter()
            .zip(&want)
            .all(|(g, w)| g.to_bits() == w.to_bits())
    );
}
