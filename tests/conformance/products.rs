//! Every type's products, precisions and panics against the oracle.

use super::*;

#[test]
fn all_types_f64_u32_match_dense_oracle() {
    suite::<f64, u32>();
}

#[test]
fn all_types_f64_usize_match_dense_oracle() {
    suite::<f64, usize>();
}

#[test]
fn all_types_f32_u32_match_dense_oracle() {
    suite::<f32, u32>();
}

#[test]
fn all_types_f32_usize_match_dense_oracle() {
    suite::<f32, usize>();
}

/// Non-integer values make the order of additions visible: Seq and Rayon (and pools of
/// different sizes, which split differently) must agree to the last bit.
#[test]
fn all_types_seq_and_rayon_are_bit_identical() {
    // Skewed: the first rows are much denser than the rest, so the nnz split differs from a
    // split by row count.
    let mut m = Oracle::random(3000, 2000, 0.01, 9, false);
    let mut rng = Rng::new(3);
    for row in m.a.iter_mut().take(40) {
        for v in row.iter_mut() {
            *v = rng.unit() - 0.5;
        }
    }
    let owned = build::<f64, u32>(&m, 11);
    let forms = forms::<f64, f64, u32>(&owned, &m);
    let mut rng = Rng::new(4);
    let x_long: Vec<f64> = (0..3000).map(|_| rng.unit() - 0.5).collect();
    for transposed in [false, true] {
        let (nx, ny) = if transposed {
            (m.nrows, m.ncols)
        } else {
            (m.ncols, m.nrows)
        };
        let x = &x_long[..nx];
        let y0: Vec<f64> = (0..ny).map(|k| k as f64 * 0.25 - 3.0).collect();
        for (name, a) in &forms {
            let run = |par: Par| {
                let mut y = y0.clone();
                if transposed {
                    a.mul_vec_t(0.7, x, -1.3, &mut y, par);
                } else {
                    a.mul_vec(0.7, x, -1.3, &mut y, par);
                }
                y
            };
            let seq = run(Par::Seq);
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&run(Par::Rayon)),
                bits(&seq),
                "{name} transposed={transposed}: Rayon != Seq"
            );
            #[cfg(feature = "rayon")]
            for threads in [2, 3, 5] {
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap();
                let y = pool.install(|| run(Par::Rayon));
                assert_eq!(
                    bits(&y),
                    bits(&seq),
                    "{name} transposed={transposed}: {threads} threads != Seq"
                );
            }
            // And against the oracle, to a tolerance (the order of additions differs).
            let want = m.apply(transposed, 0.7, x, -1.3, &y0);
            for (k, (g, w)) in seq.iter().zip(&want).enumerate() {
                assert!(
                    approx::relative_eq!(*g, *w, epsilon = 1e-12, max_relative = 1e-12),
                    "{name}[{k}]: {g} vs {w}"
                );
            }
        }
    }
}

/// f32 storage serving f64 vectors computes exactly what the f64 matrix of the same values
/// computes, bit for bit, for every form, direction, α/β, single and block products, and
/// `Par`: the values widen exactly and the arithmetic is f64 in both. (The values are
/// multiples of 1/1024 below 1, so they and the duplicate halves `build` splits them into are
/// exact in f32; `x` and `y` are not: their rounding would show any f32 arithmetic.)
#[test]
fn all_types_f32_storage_with_f64_vectors_equals_the_f64_matrix() {
    let mut m = Oracle::random(900, 700, 0.04, 21, false);
    for v in m.a.iter_mut().flatten() {
        *v = (*v * 1024.0).round() / 1024.0;
    }
    let (o32, o64) = (build::<f32, u32>(&m, 3), build::<f64, u32>(&m, 3));
    let (f32s, f64s) = (
        forms::<f32, f64, u32>(&o32, &m),
        forms::<f64, f64, u32>(&o64, &m),
    );
    let mut rng = Rng::new(5);
    let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
    for ((name, a32), (_, a64)) in f32s.iter().zip(&f64s) {
        for transposed in [false, true] {
            let (nx, ny) = if transposed {
                (m.nrows, m.ncols)
            } else {
                (m.ncols, m.nrows)
            };
            for k in [1usize, 3, 8] {
                let x: Vec<f64> = (0..nx * k).map(|_| rng.unit() - 0.5).collect();
                let y0: Vec<f64> = (0..ny * k).map(|_| rng.unit()).collect();
                for (alpha, beta) in [(1.0, 0.0), (0.3, -1.7)] {
                    for par in [Par::Seq, Par::Rayon] {
                        let run = |a: &dyn MatVec<f64>| {
                            let mut y = y0.clone();
                            match (transposed, k) {
                                (false, 1) => a.mul_vec(alpha, &x, beta, &mut y, par),
                                (true, 1) => a.mul_vec_t(alpha, &x, beta, &mut y, par),
                                (false, _) => a.mul_mat(alpha, &x, beta, &mut y, par),
                                (true, _) => a.mul_mat_t(alpha, &x, beta, &mut y, par),
                            }
                            y
                        };
                        assert_eq!(
                            bits(&run(a32.as_ref())),
                            bits(&run(a64.as_ref())),
                            "{name} transposed={transposed} k={k} α={alpha} β={beta} {par:?}"
                        );
                    }
                }
            }
        }
    }
}

fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn all_types_wrong_lengths_panic_naming_both_shapes() {
    let m = Oracle::random(3, 5, 0.5, 1, true);
    let owned = build::<f64, u32>(&m, 2);
    for (name, a) in forms(&owned, &m) {
        let mut y3 = vec![0.0; 3];
        let mut y5 = vec![0.0; 5];
        let msg = panic_message(|| a.mul_vec(1.0, &[0.0; 4], 0.0, &mut y3, Par::Seq));
        assert!(
            msg.contains("3 x 5") && msg.contains("length 4"),
            "{name}: {msg}"
        );
        let msg = panic_message(|| a.mul_vec(1.0, &[0.0; 5], 0.0, &mut y5, Par::Seq));
        assert!(
            msg.contains("y length 3") && msg.contains("y has length 5"),
            "{name}: {msg}"
        );
        let msg = panic_message(|| a.mul_vec_t(1.0, &[0.0; 5], 0.0, &mut y5, Par::Rayon));
        assert!(
            msg.contains("mul_vec_t") && msg.contains("x needs length 3"),
            "{name}: {msg}"
        );
    }
}

#[test]
fn all_types_allocating_helpers_match_products() {
    let m = Oracle::random(20, 30, 0.2, 8, true);
    let owned = build::<f64, u32>(&m, 3);
    let x: Vec<f64> = (0..30).map(|k| (k % 5) as f64).collect();
    let xt: Vec<f64> = (0..20).map(|k| (k % 3) as f64).collect();
    for (name, a) in forms(&owned, &m) {
        assert_eq!(a.matvec(&x), m.apply(false, 1.0, &x, 0.0, &[]), "{name}");
        assert_eq!(a.matvec_t(&xt), m.apply(true, 1.0, &xt, 0.0, &[]), "{name}");
    }
}

#[test]
fn all_types_in_place_scaling_matches_oracle() {
    let m = Oracle::random(12, 9, 0.4, 21, true);
    let dr: Vec<f64> = (0..12).map(|i| (i % 3) as f64 - 1.0).collect();
    let dc: Vec<f64> = (0..9).map(|j| (j % 4) as f64 + 1.0).collect();
    let mut want = m.clone();
    for (i, row) in want.a.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v *= -2.0 * dr[i] * dc[j];
        }
    }
    let mut o = build::<f64, u32>(&m, 1);
    macro_rules! scale_all {
        ($($f:ident),*) => {$(
            o.$f.scale(-2.0);
            o.$f.scale_rows(&dr);
            o.$f.scale_cols(&dc);
        )*};
    }
    scale_all!(coo, csr_into, csc_into, dense_r, dense_c);
    let x: Vec<f64> = (0..9).map(|k| k as f64).collect();
    let expect = want.apply(false, 1.0, &x, 0.0, &[]);
    assert_eq!(o.coo.matvec(&x), expect);
    assert_eq!(o.csr_into.matvec(&x), expect);
    assert_eq!(o.csc_into.matvec(&x), expect);
    assert_eq!(o.dense_r.matvec(&x), expect);
    assert_eq!(o.dense_c.matvec(&x), expect);
    // values_mut: negate through the slice.
    o.csr_into.values_mut().iter_mut().for_each(|v| *v = -*v);
    let neg: Vec<f64> = expect.iter().map(|v| -v).collect();
    assert_eq!(o.csr_into.matvec(&x), neg);
}

#[test]
fn all_types_footprint_counts_arrays() {
    let m = Oracle::random(50, 40, 0.1, 5, true);
    let o = build::<f64, u32>(&m, 9);
    let nnz = o.csr_into.nnz();
    assert_eq!(o.csr_into.data_bytes(), 51 * 8 + nnz * (4 + 8));
    assert_eq!(o.csc_into.data_bytes(), 41 * 8 + nnz * (4 + 8));
    assert_eq!(o.csr_into.view().data_bytes(), o.csr_into.data_bytes());
    assert_eq!(o.csr_into.view().heap_bytes(), 0);
    assert!(o.csr_into.heap_bytes() >= o.csr_into.data_bytes());
    assert_eq!(o.dense_r.data_bytes(), 50 * 40 * 8);
    assert_eq!(o.coo.data_bytes(), o.coo.nnz() * (4 + 4 + 8));
    let bpn = o.csr_into.bytes_per_nnz().unwrap();
    assert!((bpn - (51.0 * 8.0 / nnz as f64 + 12.0)).abs() < 1e-12);
    assert_eq!(Csr::<f64>::zeros(3, 3).bytes_per_nnz(), None);
    let o64 = build::<f64, usize>(&m, 9);
    assert_eq!(o64.csr_into.data_bytes(), 51 * 8 + nnz * (8 + 8));
}
