//! Block products against separate products.

use super::*;

/// `mul_mat`/`mul_mat_t` equal `k` separate `mul_vec`/`mul_vec_t` calls bit for bit, for
/// every type, α, β (β = 0 with NaN in `Y`), `k` ∈ {0, 1, 3, 8, 13, 20} (the sparse kernels
/// take groups of 8, 4, 2 and 1 vectors, and walk tiles of the matrix past 8) and `Par`.
#[test]
fn block_products_equal_separate_products_bit_for_bit() {
    let dir = TempDir::new("solve-block");
    for (m, n, seed) in [
        (37usize, 23usize, 1u64),
        (23, 37, 2),
        (300, 250, 3),
        (0, 5, 4),
        (5, 0, 5),
        // 180 k stored entries: more than one 1 MiB tile of the sparse block kernels.
        (1500, 400, 6),
    ] {
        let o = Oracle::random(m, n, 0.3, seed, false);
        let budget = 3 * 8 * n.max(m); // a few slices a block
        let c = coo::<f64>(&o);
        let d_r = dense::<f64>(&o, Layout::RowMajor);
        let data_c = o.col_major();
        let mm =
            |name: &str, layout| mmap::<f64>(&o, &dir, &format!("{name}{seed}"), layout, budget);
        let ops: Vec<(&str, Box<dyn MatVec<f64> + '_>)> = vec![
            ("csr", Box::new(c.to_csr())),
            ("csc", Box::new(c.to_csc())),
            ("coo", Box::new(c.clone())),
            (
                "csr f32 values, f64 vectors",
                Box::new(coo::<f32>(&o).to_csr()),
            ),
            (
                "csc f32 values, f64 vectors",
                Box::new(coo::<f32>(&o).to_csc()),
            ),
            ("coo f32 values, f64 vectors", Box::new(coo::<f32>(&o))),
            (
                "dense row-major",
                Box::new(dense::<f64>(&o, Layout::RowMajor)),
            ),
            (
                "dense col-major view",
                Box::new(DenseView::col_major(m, n, &data_c).unwrap()),
            ),
            ("mmap row-major", Box::new(mm("b", Layout::RowMajor))),
            ("mmap col-major", Box::new(mm("b", Layout::ColMajor))),
            ("transposed dense", Box::new(Transposed(&d_r))),
            ("transposed csr", Box::new(Transposed(c.to_csr()))),
            (
                "transposed mmap",
                Box::new(Transposed(mm("t", Layout::ColMajor))),
            ),
        ];
        let mut rng = Rng::new(seed + 10);
        for (what, a) in &ops {
            let (r, c) = a.shape();
            for transposed in [false, true] {
                let (nx, ny) = if transposed { (r, c) } else { (c, r) };
                for k in [0usize, 1, 3, 8, 13, 20] {
                    if m * n > 100_000 && k % 4 != 0 {
                        continue; // the large case is there for the tiles
                    }
                    let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
                    let y0: Vec<f64> = (0..ny * k).map(|_| rng.unit()).collect();
                    for (alpha, beta) in [(1.0, 0.0), (0.7, -1.3), (0.0, 2.0), (-2.0, 1.0)] {
                        let fresh = || {
                            if beta == 0.0 {
                                vec![f64::NAN; ny * k]
                            } else {
                                y0.clone()
                            }
                        };
                        for par in [Par::Seq, Par::Rayon] {
                            let mut want = fresh();
                            for j in 0..k {
                                let (xj, yj) =
                                    (&x[j * nx..(j + 1) * nx], &mut want[j * ny..(j + 1) * ny]);
                                if transposed {
                                    a.mul_vec_t(alpha, xj, beta, yj, par);
                                } else {
                                    a.mul_vec(alpha, xj, beta, yj, par);
                                }
                            }
                            let mut got = fresh();
                            if transposed {
                                a.mul_mat_t(alpha, &x, beta, &mut got, par);
                            } else {
                                a.mul_mat(alpha, &x, beta, &mut got, par);
                            }
                            assert_eq!(
                                bits(&got),
                                bits(&want),
                                "{what} {m}x{n} transposed={transposed} k={k} α={alpha} β={beta} {par:?}"
                            );
                            // And against the dense reference, column by column.
                            for j in 0..k {
                                let yj0 = if beta == 0.0 {
                                    vec![0.0; ny]
                                } else {
                                    y0[j * ny..(j + 1) * ny].to_vec()
                                };
                                let reference = o.apply(
                                    transposed ^ what.starts_with("transposed"),
                                    alpha,
                                    &x[j * nx..(j + 1) * nx],
                                    beta,
                                    &yj0,
                                );
                                let e = dist(&got[j * ny..(j + 1) * ny], &reference);
                                // f32 values are the oracle's rounded: relative 6e-8 each.
                                let tol = if what.contains("f32") { 1e-6 } else { 1e-12 };
                                assert!(e < tol * (1.0 + norm(&reference)), "{what}: {e}");
                            }
                        }
                    }
                }
            }
        }
    }
}

fn block_fixture() -> (Csr<f64>, Dense<f64>) {
    let o = Oracle::random(6, 4, 0.5, 5, false);
    (csr::<f64>(&o), dense::<f64>(&o, Layout::RowMajor))
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_csr_wrong_lengths_panic() {
    let (a, _) = block_fixture();
    let mut y = vec![0.0; 6 * 2];
    a.mul_mat(1.0, &[0.0; 4 * 2 + 1], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat_t")]
fn block_product_dense_t_mismatched_k_panics() {
    let (_, d) = block_fixture();
    let mut y = vec![0.0; 4 * 3];
    d.mul_mat_t(1.0, &[0.0; 6 * 2], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_mmap_wrong_lengths_panic() {
    let dir = TempDir::new("solve-block-panic");
    let o = Oracle::random(6, 4, 0.5, 5, false);
    let m = mmap::<f64>(&o, &dir, "p", Layout::RowMajor, 1);
    let mut y = vec![0.0; 5];
    m.mul_mat(1.0, &[0.0; 4], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_transposed_wrong_lengths_panic() {
    let (a, _) = block_fixture();
    let t = Transposed(&a); // 4 x 6
    let mut y = vec![0.0; 6]; // should be 4·k
    t.mul_mat(1.0, &[0.0; 6], 0.0, &mut y, Par::Seq);
}

#[test]
#[should_panic(expected = "mul_mat")]
fn block_product_coo_empty_x_nonempty_y_panics() {
    let (a, _) = block_fixture();
    let c = Coo::<f64>::new(a.nrows(), a.ncols());
    let mut y = vec![0.0; 6];
    c.mul_mat(1.0, &[], 0.0, &mut y, Par::Seq);
}
