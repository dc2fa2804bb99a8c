//! `PatternCsr` (CSR with a dictionary of row patterns).

use super::*;

/// A stencil-like oracle: a 9-point pattern on a `g × h` grid (rows and columns are grid
/// points), values drawn by `value`, plus an empty row every 17 rows; the last `extra` columns
/// hold no entries (a rectangular matrix).
fn stencil_oracle(g: usize, h: usize, extra: usize, mut value: impl FnMut() -> f64) -> Oracle {
    let n = g * h;
    let mut a = vec![vec![0.0; n + extra]; n];
    for (r, row) in a.iter_mut().enumerate() {
        if r % 17 == 5 {
            continue;
        }
        let (i, j) = ((r / h) as isize, (r % h) as isize);
        for (di, dj) in [(-1, -1), (-1, 0), (0, -1), (0, 0), (0, 1), (1, 0), (1, 1)] {
            let (ii, jj) = (i + di, j + dj);
            if (0..g as isize).contains(&ii) && (0..h as isize).contains(&jj) {
                row[(ii * h as isize + jj) as usize] = value();
            }
        }
    }
    Oracle {
        nrows: n,
        ncols: n + extra,
        a,
    }
}

fn pattern_of(o: &Oracle) -> (Csr<f64>, PatternCsr<f64>) {
    let mut coo = Coo::<f64>::new(o.nrows, o.ncols);
    for (i, j, v) in o.triplets() {
        coo.push(i, j, v);
    }
    let csr = coo.into_csr();
    let p = PatternCsr::try_from_csr(csr.view()).expect("a stencil fits PatternCsr");
    (csr, p)
}

/// PatternCsr against the dense oracle (small integers: exact) and against the Csr of the
/// same matrix (non-integer values: bit for bit), both directions, every α/β, both `Par`,
/// with f64 and f32 storage; round trip to Csr; footprint.
#[test]
fn pattern_csr_matches_oracle_and_csr_bit_for_bit() {
    let mut rng = Rng::new(31);
    for (g, h, extra) in [(1, 1, 0), (3, 4, 2), (40, 55, 0), (30, 70, 7)] {
        let exact = stencil_oracle(g, h, extra, || rng.small());
        let (csr, p) = pattern_of(&exact);
        assert_eq!(p.to_csr::<u32>(), csr, "{g}x{h}: round trip");
        assert_eq!(
            (p.nrows(), p.ncols(), p.nnz()),
            (csr.nrows(), csr.ncols(), csr.nnz())
        );
        assert!(p.patterns() <= 9 + 1, "{g}x{h}: {} patterns", p.patterns());
        let ops: [(&str, &dyn MatVec<f64>); 2] = [("PatternCsr", &p), ("Csr", &csr)];
        for transposed in [false, true] {
            let (nx, ny) = if transposed {
                (exact.nrows, exact.ncols)
            } else {
                (exact.ncols, exact.nrows)
            };
            let x: Vec<f64> = (0..nx).map(|_| rng.small()).collect();
            let y0: Vec<f64> = (0..ny).map(|_| rng.small()).collect();
            for &(alpha, beta) in &CASES {
                let want = exact.apply(transposed, alpha, &x, beta, &y0);
                for (name, a) in ops {
                    for par in [Par::Seq, Par::Rayon] {
                        let mut y = if beta == 0.0 {
                            vec![f64::NAN; ny]
                        } else {
                            y0.clone()
                        };
                        if transposed {
                            a.mul_vec_t(alpha, &x, beta, &mut y, par);
                        } else {
                            a.mul_vec(alpha, &x, beta, &mut y, par);
                        }
                        assert_eq!(
                            y, want,
                            "{name} {g}x{h} t={transposed} α={alpha} β={beta} {par:?}"
                        );
                    }
                }
            }
        }
        // Non-integer values: bit for bit with Csr, f64 and f32 storage.
        let real = stencil_oracle(g, h, extra, || rng.unit() - 0.5);
        let (csr, p) = pattern_of(&real);
        let ((csr32, _), (p32, _)) = (csr.to_f32(), p.to_f32());
        let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        for transposed in [false, true] {
            let (nx, ny) = if transposed {
                (real.nrows, real.ncols)
            } else {
                (real.ncols, real.nrows)
            };
            let x: Vec<f64> = (0..nx).map(|_| rng.unit() - 0.5).collect();
            let y0: Vec<f64> = (0..ny).map(|_| rng.unit()).collect();
            for (a, b) in [
                (&p as &dyn MatVec<f64>, &csr as &dyn MatVec<f64>),
                (&p32, &csr32),
            ] {
                for par in [Par::Seq, Par::Rayon] {
                    let run = |m: &dyn MatVec<f64>| {
                        let mut y = y0.clone();
                        if transposed {
                            m.mul_vec_t(0.7, &x, -1.3, &mut y, par);
                        } else {
                            m.mul_vec(0.7, &x, -1.3, &mut y, par);
                        }
                        y
                    };
                    assert_eq!(
                        bits(&run(a)),
                        bits(&run(b)),
                        "{g}x{h} t={transposed} {par:?}"
                    );
                }
            }
        }
        // Bytes: 2 a row, 8 per 64 rows, the values, and a small table.
        let table = p.data_bytes() - 8 * p.nnz() - 2 * p.nrows() - 8 * (p.nrows().div_ceil(64) + 1);
        assert!(
            table <= 4 * (10 + 7 * 10),
            "{g}x{h}: pattern table of {table} bytes"
        );
        assert_eq!(
            p.heap_bytes(),
            p.data_bytes() + (p.heap_bytes() - p.data_bytes())
        );
    }
    // The 2-D Laplacian, the case: under 9 bytes a nonzero with f64 values, under 6
    // with f32.
    let csr = crate::common::poisson2d(300);
    let p = PatternCsr::try_from_csr(csr.view()).unwrap();
    assert_eq!(p.patterns(), 9);
    assert!(p.bytes_per_nnz().unwrap() < 9.0);
    // Large enough for the parallel gather to split (at blocks of 64 rows): bit for bit with
    // Csr under pools of several sizes.
    let x: Vec<f64> = (0..csr.ncols()).map(|_| rng.unit() - 0.5).collect();
    let mut want = vec![0.0; csr.nrows()];
    csr.mul_vec(0.3, &x, 0.0, &mut want, Par::Seq);
    #[cfg(feature = "rayon")]
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut y = vec![f64::NAN; csr.nrows()];
        pool.install(|| p.mul_vec(0.3, &x, 0.0, &mut y, Par::Rayon));
        assert!(
            y.iter().zip(&want).all(|(a, b)| a.to_bits() == b.to_bits()),
            "{threads} threads"
        );
    }
    assert!(p.to_f32().0.bytes_per_nnz().unwrap() < 6.0);
}

#[test]
fn pattern_csr_refuses_matrices_without_repeated_patterns() {
    // Random columns: every row its own pattern.
    let m = Oracle::random(3000, 3000, 0.01, 3, false);
    let (csr, _) = {
        let mut coo = Coo::<f64>::new(m.nrows, m.ncols);
        for (i, j, v) in m.triplets() {
            coo.push(i, j, v);
        }
        (coo.into_csr(), ())
    };
    let err = PatternCsr::try_from_csr(csr.view()).unwrap_err();
    assert!(
        matches!(
            err,
            matvec::Error::DoesNotFit {
                format: "PatternCsr",
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("does not fit PatternCsr") && msg.contains("offset"),
        "{msg}"
    );
    // Empty matrices fit (no rows, or rows without entries).
    for (r, c) in [(0, 0), (0, 5), (5, 0), (4, 4)] {
        let p = PatternCsr::try_from_csr(Csr::<f64>::zeros(r, c).view()).unwrap();
        assert_eq!((p.nrows(), p.ncols(), p.nnz()), (r, c, 0));
        let mut y = vec![f64::NAN; r];
        p.mul_vec(1.0, &vec![1.0; c], 0.0, &mut y, Par::Rayon);
        assert!(y.iter().all(|&v| v == 0.0));
        assert_eq!(p.bytes_per_nnz(), None);
    }
}
