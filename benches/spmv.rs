//! Matrix–vector product benchmarks: matvec against sprs, faer, nalgebra-sparse, ndarray and a
//! plain read of the same bytes (the "bandwidth" baseline), on the matrices of the performance
//! issue, plus the format conversions.
//!
//! ```text
//! cargo bench --bench spmv                              # everything (~6 minutes on 2 cores)
//! MATVEC_BENCH=poisson,dense cargo bench --bench spmv   # only some groups
//! MATVEC_BENCH_THREADS=4 cargo bench --bench spmv       # another pool size (default 2)
//! ```
//!
//! Groups (one per matrix, so every ratio in BENCHMARKS.md comes from one run of one group;
//! `MATVEC_BENCH` names in brackets):
//!
//! * `poisson_1000` [`poisson`]: 5-point Laplacian of a 1000 × 1000 grid (1 M rows, 5 M
//!   nonzeros);
//! * `rmat_20` [`rmat`]: R-MAT, 2^20 rows, 16·2^20 triplets (a, b, c = 0.57, 0.19, 0.19),
//!   deduplicated by `Coo::into_csr`;
//! * `random_1m` [`random`]: 1 M × 1 M, 16 distinct uniform columns a row;
//! * `dense_8192` [`dense`]: 8192 × 8192 row-major, in memory and memory-mapped from a `.npy`
//!   file written to the temporary directory (537 MB, removed at the end);
//! * `coo_to_csr_rmat` and `csr_csc_rmat` [`convert`]: the R-MAT triplets to CSR (in place and
//!   copying; against sprs `TriMatI::to_csr` and faer `SparseRowMat::try_new_from_triplets`),
//!   and the R-MAT CSR to CSC and back (against sprs and faer).
//!
//! The density sweep (CSR against dense and memory-mapped dense) is `benches/density.rs`.
//!
//! Every sparse group times CSR and CSC in both directions with `Par::Seq` and `Par::Rayon`,
//! and the peers: sprs `mul_acc_mat_vec_csr` with u32 and with usize indices, faer
//! `sparse_dense_matmul`, nalgebra-sparse `spmm_csr_dense` (usize indices; it writes into a
//! preallocated output). `poisson_1000` also times COO both ways and `MmapCsr` (the same
//! matrix written as a stored `.npz` and memory-mapped) both ways. The dense group times
//! `Dense` and `MmapDense` both ways against faer's `matmul` and ndarray's
//! `general_mat_vec_mul`. Every sparse group also times f32 values serving f64 vectors
//! (`f32_values_f64_vectors_csr_mul_vec`) and the block product with k = 8
//! (`csr_mul_mat_k8`) beside 8 separate products (`csr_8x_mul_vec`), and `PatternCsr` where
//! the matrix fits it (`pattern_csr_mul_vec`, Poisson only).
//!
//! For interleaved same-run ratios (noise hits every kernel alike) use
//! `cargo run --release --example kernels`; for scipy beside us, `scripts/scipy_spmv.py`.
//!
//! **f32** runs on one sparse matrix (Poisson: CSR and CSC, each in both directions) and on
//! the dense one, not on every group: f32 everywhere would double the run time, and the
//! question it answers (does halving the value bytes speed the product up accordingly?) has
//! the same answer on every matrix of a kind.
//!
//! Each function's `Throughput::Bytes` is the bytes *its* arrays occupy, read once per
//! product (matrix arrays, `x` and `y`): so f32 counts 4-byte values, and the usize-index
//! peers (sprs usize, nalgebra-sparse) 8-byte indices. criterion's GB/s are therefore real
//! traffic; compare times for "which is faster". All inputs are deterministic (SplitMix64,
//! fixed seeds). Unless named otherwise: f64 values, u32 indices, usize offsets.
//!
//! Timing is kept short (flat sampling, 15 samples, 0.5 s warm-up, 2 s measurement) so that
//! `cargo bench` stays within about ten minutes on 2 cores.

mod common;

use common::{Streams, TempDir, max_rel_diff, poisson2d, random_csr, rmat_coo, vector};
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use matvec::{Coo, Csc, Csr, Dense, Footprint, Layout, MatVec, MmapCsr, MmapDense, Par};
use nalgebra_sparse::na::{DMatrixView, DMatrixViewMut};
use nalgebra_sparse::ops::Op;
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

const SEED_X: u64 = 0x5EED_0001;
const SEED_RMAT: u64 = 0x5EED_0002;
const SEED_RANDOM: u64 = 0x5EED_0003;
const SEED_DENSE: u64 = 0x5EED_0004;

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(15)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g
}

fn par_name(par: Par) -> &'static str {
    match par {
        Par::Seq => "seq",
        Par::Rayon => "rayon",
    }
}

/// Sets the throughput of the functions that follow in `g`.
fn bytes(g: &mut BenchmarkGroup<'_, WallTime>, n: usize) {
    g.throughput(Throughput::Bytes(n as u64));
}

/// The bandwidth baseline: every thread reads its share of every array.
fn bandwidth(g: &mut BenchmarkGroup<'_, WallTime>, s: Streams<'_>, threads: usize) {
    bytes(g, s.bytes());
    g.bench_function("bandwidth_read/seq", |b| {
        b.iter(|| black_box(s).read_part(0, 1))
    });
    g.bench_function("bandwidth_read/rayon", |b| {
        b.iter(|| {
            (0..threads)
                .into_par_iter()
                .map(|t| black_box(s).read_part(t, threads))
                .sum::<f64>()
        })
    });
}

/// Bytes a product touches: the matrix arrays, `x` and `y` (each once).
fn touched<T>(a: &impl Footprint, m: usize, n: usize) -> usize {
    a.data_bytes() + size_of::<T>() * (m + n)
}

fn csr_f32(a: &Csr<f64>) -> Csr<f32> {
    Csr::try_new(
        a.nrows(),
        a.ncols(),
        a.row_ptr().to_vec(),
        a.col_idx().to_vec(),
        a.values().iter().map(|&v| v as f32).collect(),
    )
    .expect("same structure as a valid matrix")
}

fn coo_of(a: &Csr<f64>) -> Coo<f64> {
    let p = a.row_ptr();
    let rows = (0..a.nrows())
        .flat_map(|i| std::iter::repeat_n(i as u32, p[i + 1] - p[i]))
        .collect();
    Coo::try_from_triplets(
        a.nrows(),
        a.ncols(),
        rows,
        a.col_idx().to_vec(),
        a.values().to_vec(),
    )
    .expect("same entries as a valid matrix")
}

/// Times `mul_vec` and `mul_vec_t` of `a` with `Par::Seq` and `Par::Rayon`.
fn both_ways<T: matvec::Scalar>(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    a: &dyn MatVec<T>,
    x: &[T],
    y: &mut [T],
    pars: &[Par],
) {
    for &par in pars {
        g.bench_function(format!("{name}_mul_vec/{}", par_name(par)), |b| {
            b.iter(|| a.mul_vec(T::ONE, black_box(x), T::ZERO, y, par))
        });
    }
    for &par in pars {
        g.bench_function(format!("{name}_mul_vec_t/{}", par_name(par)), |b| {
            b.iter(|| a.mul_vec_t(T::ONE, black_box(x), T::ZERO, y, par))
        });
    }
}

const BOTH: [Par; 2] = [Par::Seq, Par::Rayon];

/// CSR/CSC (and optionally COO and f32) products of `a` and its peers, in one group.
fn sparse_group(c: &mut Criterion, name: &str, a: &Csr<f64>, threads: usize, extras: bool) {
    let (m, n) = (a.nrows(), a.ncols());
    assert_eq!(
        m, n,
        "the groups use square matrices (mul_vec_t touches the same bytes)"
    );
    let x = vector(n, SEED_X);
    let mut y = vec![0.0; m];
    let ours = touched::<f64>(a, m, n);
    eprintln!(
        "{name}: {m} x {n}, nnz {}, {:.1} MB touched per product",
        a.nnz(),
        ours as f64 / 1e6
    );

    // Peers, built from our arrays: sprs with u32 and with usize indices (usize offsets);
    // faer with u32 indices (faer has a single index type, so its offsets are u32 as well);
    // nalgebra-sparse (usize offsets and indices, its only choice).
    let sp = sprs::CsMatI::<f64, u32, usize>::new(
        (m, n),
        a.row_ptr().to_vec(),
        a.col_idx().to_vec(),
        a.values().to_vec(),
    );
    let idx64: Vec<usize> = a.col_idx().iter().map(|&j| j as usize).collect();
    let sp64 = sprs::CsMatI::<f64, usize, usize>::new(
        (m, n),
        a.row_ptr().to_vec(),
        idx64.clone(),
        a.values().to_vec(),
    );
    let ptr32: Vec<u32> = a.row_ptr().iter().map(|&p| p as u32).collect();
    let fa_sym =
        faer::sparse::SymbolicSparseRowMatRef::new_checked(m, n, &ptr32, None, a.col_idx());
    let fa = faer::sparse::SparseRowMatRef::new(fa_sym, a.values());
    let fpar = faer::Par::rayon(threads);
    let faer_mv = |x: &[f64], y: &mut [f64]| {
        faer::sparse::linalg::matmul::sparse_dense_matmul(
            faer::MatMut::from_column_major_slice_mut(y, m, 1),
            faer::Accum::Replace,
            fa,
            faer::MatRef::from_column_major_slice(x, n, 1),
            1.0,
            fpar,
        )
    };
    let na = nalgebra_sparse::CsrMatrix::try_from_csr_data(
        m,
        n,
        a.row_ptr().to_vec(),
        idx64,
        a.values().to_vec(),
    )
    .expect("valid CSR for nalgebra-sparse");
    let na_mv = |x: &[f64], y: &mut [f64]| {
        nalgebra_sparse::ops::serial::spmm_csr_dense(
            0.0,
            DMatrixViewMut::from_slice(y, m, 1),
            1.0,
            Op::NoOp(&na),
            Op::NoOp(DMatrixView::from_slice(x, n, 1)),
        )
    };
    let csc = a.to_csc();
    let coo = extras.then(|| coo_of(a));
    // The same CSR written as a stored scipy `.npz` and memory-mapped (zero-copy).
    let dir = TempDir::new(&format!("bench-{name}-npz"));
    let mapped = extras.then(|| {
        let path = dir.path().join("a.npz");
        matvec::io::npz::write_csr(&path, a.view()).expect("cannot write the .npz");
        // SAFETY: the file is private to this bench (its own temporary directory) and is not
        // modified while mapped.
        unsafe { MmapCsr::<f64, u32>::open(&path) }.expect("our .npz maps")
    });

    // Everyone computes the same product (up to rounding), in both directions.
    a.mul_vec(1.0, &x, 0.0, &mut y, Par::Seq);
    let reference = y.clone();
    let mut check = |what: &str, f: &mut dyn FnMut(&mut [f64])| {
        y.fill(0.0);
        f(&mut y);
        let d = max_rel_diff(&reference, &y);
        assert!(d < 1e-12, "{name}: {what} differs by {d:e}");
    };
    check("csr rayon", &mut |y| a.mul_vec(1.0, &x, 0.0, y, Par::Rayon));
    check("csc", &mut |y| csc.mul_vec(1.0, &x, 0.0, y, Par::Rayon));
    check("sprs u32", &mut |y| {
        sprs::prod::mul_acc_mat_vec_csr(sp.view(), &x[..], y)
    });
    check("sprs usize", &mut |y| {
        sprs::prod::mul_acc_mat_vec_csr(sp64.view(), &x[..], y)
    });
    check("faer", &mut |y| faer_mv(&x, y));
    check("nalgebra-sparse", &mut |y| na_mv(&x, y));
    if let Some(coo) = &coo {
        check("coo", &mut |y| coo.mul_vec(1.0, &x, 0.0, y, Par::Rayon));
    }
    if let Some(mapped) = &mapped {
        check("mmap csr", &mut |y| {
            mapped.mul_vec(1.0, &x, 0.0, y, Par::Rayon)
        });
    }
    let mut yt = vec![0.0; n];
    a.mul_vec_t(1.0, &x, 0.0, &mut yt, Par::Seq);
    let mut yt2 = vec![0.0; n];
    csc.mul_vec_t(1.0, &x, 0.0, &mut yt2, Par::Rayon);
    assert!(max_rel_diff(&yt, &yt2) < 1e-12, "{name}: csc transposed");

    let mut g = group(c, name);
    bytes(&mut g, ours);
    both_ways(&mut g, "csr", a, &x, &mut y, &BOTH);
    both_ways(&mut g, "csc", &csc, &x, &mut y, &BOTH);
    if let Some(coo) = &coo {
        // Both directions are a sequential scatter: Par::Rayon would time the same code.
        bytes(&mut g, touched::<f64>(coo, m, n));
        both_ways(&mut g, "coo", coo, &x, &mut y, &[Par::Seq]);
    }
    if let Some(mapped) = &mapped {
        bytes(&mut g, ours);
        both_ways(&mut g, "mmap_csr", mapped, &x, &mut y, &BOTH);
    }
    // sprs accumulates (y += A·x): it reads y as well, which the byte count already includes.
    bytes(&mut g, ours);
    g.bench_function("sprs_mul_acc_mat_vec_csr/seq", |b| {
        b.iter(|| sprs::prod::mul_acc_mat_vec_csr(sp.view(), black_box(&x[..]), &mut y[..]))
    });
    // faer 0.24's CSR × dense kernel ignores `par` (it is sequential); Par::rayon is passed.
    g.bench_function("faer_sparse_dense_matmul/rayon", |b| {
        b.iter(|| faer_mv(black_box(&x), &mut y))
    });
    bytes(&mut g, ours + 4 * a.nnz());
    g.bench_function("sprs_usize_mul_acc_mat_vec_csr/seq", |b| {
        b.iter(|| sprs::prod::mul_acc_mat_vec_csr(sp64.view(), black_box(&x[..]), &mut y[..]))
    });
    g.bench_function("nalgebra_spmm_csr_dense/seq", |b| {
        b.iter(|| na_mv(black_box(&x), &mut y))
    });
    drop((sp, sp64, na));

    if extras {
        let a32 = csr_f32(a);
        let csc32 = a32.to_csc();
        let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
        let mut y32 = vec![0.0f32; m];
        a32.mul_vec(1.0, &x32, 0.0, &mut y32, Par::Rayon);
        let y64: Vec<f64> = y32.iter().map(|&v| v as f64).collect();
        let d = max_rel_diff(&reference, &y64);
        assert!(d < 1e-5, "{name}: f32 differs from f64 by {d:e}");
        bytes(&mut g, touched::<f32>(&a32, m, n));
        // The gathers in parallel, the scatters (sequential under either Par) once.
        g.bench_function("f32_csr_mul_vec/seq", |b| {
            b.iter(|| a32.mul_vec(1.0, black_box(&x32), 0.0, &mut y32, Par::Seq))
        });
        g.bench_function("f32_csr_mul_vec/rayon", |b| {
            b.iter(|| a32.mul_vec(1.0, black_box(&x32), 0.0, &mut y32, Par::Rayon))
        });
        g.bench_function("f32_csr_mul_vec_t/seq", |b| {
            b.iter(|| a32.mul_vec_t(1.0, black_box(&x32), 0.0, &mut y32, Par::Seq))
        });
        g.bench_function("f32_csc_mul_vec/seq", |b| {
            b.iter(|| csc32.mul_vec(1.0, black_box(&x32), 0.0, &mut y32, Par::Seq))
        });
        g.bench_function("f32_csc_mul_vec_t/rayon", |b| {
            b.iter(|| csc32.mul_vec_t(1.0, black_box(&x32), 0.0, &mut y32, Par::Rayon))
        });
    }

    // The compact format, where the matrix fits it (Poisson: 9 row patterns).
    if let Ok(pc) = matvec::PatternCsr::try_from_csr(a.view()) {
        bytes(&mut g, touched::<f64>(&pc, m, n));
        for par in BOTH {
            g.bench_function(format!("pattern_csr_mul_vec/{}", par_name(par)), |b| {
                b.iter(|| pc.mul_vec(1.0, black_box(&x), 0.0, &mut y, par))
            });
        }
    }
    // Mixed precision: f32 values, f64 vectors and accumulation (8 bytes a nonzero).
    let (a32w, _) = a.to_f32();
    bytes(&mut g, touched::<f32>(&a32w, m, n) + 4 * (m + n));
    g.bench_function("f32_values_f64_vectors_csr_mul_vec/rayon", |b| {
        b.iter(|| a32w.mul_vec(1.0, black_box(&x), 0.0, &mut y, Par::Rayon))
    });
    drop(a32w);
    // Block products, k = 8: one pass over the matrix against 8 separate products.
    const K: usize = 8;
    let xk = vector(n * K, 9);
    let mut yk = vec![0.0; m * K];
    bytes(&mut g, K * ours);
    g.bench_function("csr_mul_mat_k8/rayon", |b| {
        b.iter(|| a.mul_mat(1.0, black_box(&xk), 0.0, &mut yk, Par::Rayon))
    });
    g.bench_function("csr_8x_mul_vec/rayon", |b| {
        b.iter(|| {
            for (xj, yj) in xk.chunks_exact(n).zip(yk.chunks_exact_mut(m)) {
                a.mul_vec(1.0, black_box(xj), 0.0, yj, Par::Rayon)
            }
        })
    });
    drop((xk, yk));

    let ysrc = vec![0.5; m];
    bandwidth(&mut g, Streams::csr(a, &x, &ysrc), threads);
    g.finish();
}

fn dense_group(c: &mut Criterion, threads: usize) {
    let n = 8192;
    let a = Dense::try_new(n, n, Layout::RowMajor, vector(n * n, SEED_DENSE)).unwrap();
    let x = vector(n, SEED_X);
    let mut y = vec![0.0; n];
    let ours = touched::<f64>(&a, n, n);
    eprintln!(
        "dense_8192: {:.1} MB touched per product",
        ours as f64 / 1e6
    );

    let fa = faer::MatRef::from_row_major_slice(a.data(), n, n);
    let fpar = faer::Par::rayon(threads);
    let faer_mv = |x: &[f64], y: &mut [f64]| {
        faer::linalg::matmul::matmul(
            faer::MatMut::from_column_major_slice_mut(y, n, 1),
            faer::Accum::Replace,
            fa,
            faer::MatRef::from_column_major_slice(x, n, 1),
            1.0,
            fpar,
        )
    };
    let nd = ndarray::ArrayView2::from_shape((n, n), a.data()).unwrap();
    let nd_mv = |t: bool, x: &[f64], y: &mut [f64]| {
        let (x, mut y) = (
            ndarray::ArrayView1::from(x),
            ndarray::ArrayViewMut1::from(y),
        );
        let a = if t { nd.t() } else { nd.view() };
        ndarray::linalg::general_mat_vec_mul(1.0, &a, &x, 0.0, &mut y)
    };

    // The same matrix as a .npy file, memory-mapped. The file (537 MB) exceeds MmapDense's
    // default budget (256 MiB), so products stream it block by block, releasing each block
    // after use; a 1 GiB budget keeps it mapped (nothing released: in-memory speed once the
    // page cache holds it).
    let dir = TempDir::new("bench-spmv");
    let path = dir.path().join("dense_8192.npy");
    matvec::io::npy::write_dense(&path, a.view()).expect("cannot write the .npy file");
    // SAFETY: the file is private to this process (a fresh temporary directory) and nothing
    // modifies or truncates it while it is mapped; it is removed only after the group.
    let mm = unsafe { MmapDense::<f64>::open(&path) }.expect("cannot map the .npy file");
    // SAFETY: as above.
    let mm_resident = unsafe { MmapDense::<f64>::open(&path) }
        .expect("cannot map the .npy file")
        .with_budget(1 << 30);

    a.mul_vec(1.0, &x, 0.0, &mut y, Par::Seq);
    let reference = y.clone();
    faer_mv(&x, &mut y);
    assert!(max_rel_diff(&reference, &y) < 1e-12, "faer");
    nd_mv(false, &x, &mut y);
    assert!(max_rel_diff(&reference, &y) < 1e-12, "ndarray");
    mm.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
    assert_eq!(reference, y, "MmapDense is bit-identical to Dense");
    let mut yt = vec![0.0; n];
    a.mul_vec_t(1.0, &x, 0.0, &mut yt, Par::Seq);
    nd_mv(true, &x, &mut y);
    assert!(max_rel_diff(&yt, &y) < 1e-12, "ndarray transposed");
    mm.mul_vec_t(1.0, &x, 0.0, &mut y, Par::Rayon);
    assert!(max_rel_diff(&yt, &y) < 1e-12, "MmapDense transposed");

    let mut g = group(c, "dense_8192");
    bytes(&mut g, ours);
    both_ways(&mut g, "dense", &a, &x, &mut y, &BOTH);
    both_ways(&mut g, "mmap", &mm, &x, &mut y, &[Par::Rayon]);
    g.bench_function("mmap_resident_mul_vec/rayon", |b| {
        b.iter(|| mm_resident.mul_vec(1.0, black_box(&x), 0.0, &mut y, Par::Rayon))
    });
    g.bench_function("faer_matmul/rayon", |b| {
        b.iter(|| faer_mv(black_box(&x), &mut y))
    });
    g.bench_function("ndarray_general_mat_vec_mul/seq", |b| {
        b.iter(|| nd_mv(false, black_box(&x), &mut y))
    });
    g.bench_function("ndarray_general_mat_vec_mul_t/seq", |b| {
        b.iter(|| nd_mv(true, black_box(&x), &mut y))
    });
    drop((mm, mm_resident, dir));

    let a32 = Dense::try_new(
        n,
        n,
        Layout::RowMajor,
        a.data().iter().map(|&v| v as f32).collect(),
    )
    .unwrap();
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let mut y32 = vec![0.0f32; n];
    bytes(&mut g, touched::<f32>(&a32, n, n));
    g.bench_function("f32_dense_mul_vec/rayon", |b| {
        b.iter(|| a32.mul_vec(1.0, black_box(&x32), 0.0, &mut y32, Par::Rayon))
    });
    g.bench_function("f32_dense_mul_vec_t/rayon", |b| {
        b.iter(|| a32.mul_vec_t(1.0, black_box(&x32), 0.0, &mut y32, Par::Rayon))
    });
    drop(a32);

    let ysrc = vec![0.5; n];
    bandwidth(&mut g, Streams::dense(a.data(), &x, &ysrc), threads);
    g.finish();
}

fn convert_group(c: &mut Criterion, coo: &Coo<f64>) {
    let (m, n) = (coo.nrows(), coo.ncols());
    let coo_bytes = coo.data_bytes();
    eprintln!(
        "coo_to_csr_rmat: {} triplets, {:.1} MB",
        coo.nnz(),
        coo_bytes as f64 / 1e6
    );
    let tri = sprs::TriMatI::<f64, u32>::from_triplets(
        (m, n),
        coo.rows().to_vec(),
        coo.cols().to_vec(),
        coo.values().to_vec(),
    );
    // faer's triplets (u32 indices): `try_new_from_triplets` sorts and merges duplicates.
    let fa_tri: Vec<faer::sparse::Triplet<u32, u32, f64>> = (0..coo.nnz())
        .map(|k| faer::sparse::Triplet::new(coo.rows()[k], coo.cols()[k], coo.values()[k]))
        .collect();
    let fa_csr = |t: &[faer::sparse::Triplet<u32, u32, f64>]| {
        faer::sparse::SparseRowMat::<u32, f64>::try_new_from_triplets(m, n, t)
            .expect("faer: valid triplets")
    };
    let csr = coo.to_csr();
    {
        let fa = fa_csr(&fa_tri);
        let fp: Vec<usize> = fa.row_ptr().iter().map(|&p| p as usize).collect();
        assert_eq!(csr.row_ptr(), &fp[..]);
        assert_eq!(csr.col_idx(), fa.col_idx());
        assert!(max_rel_diff(csr.values(), fa.val()) < 1e-12);
    }
    {
        let theirs: sprs::CsMatI<f64, u32, usize> = tri.to_csr();
        assert_eq!(csr.row_ptr(), theirs.indptr().raw_storage());
        assert_eq!(csr.col_idx(), theirs.indices());
        assert!(max_rel_diff(csr.values(), theirs.data()) < 1e-12);
    }

    let mut g = group(c, "coo_to_csr_rmat");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    bytes(&mut g, coo_bytes);
    g.bench_function("matvec_into_csr", |b| {
        b.iter_batched(|| coo.clone(), Coo::into_csr, BatchSize::PerIteration)
    });
    g.bench_function("matvec_to_csr", |b| b.iter_with_large_drop(|| coo.to_csr()));
    g.bench_function("sprs_trimat_to_csr", |b| {
        b.iter_with_large_drop(|| -> sprs::CsMatI<f64, u32, usize> { tri.to_csr() })
    });
    g.bench_function("faer_try_new_from_triplets", |b| {
        b.iter_with_large_drop(|| fa_csr(&fa_tri))
    });
    g.finish();
    drop(tri);
    drop(fa_tri);

    // CSR <-> CSC of the deduplicated R-MAT matrix: ours (`to_csc`, `Csc::to_csr`, u32
    // indices), sprs (`to_other_storage`, u32 indices, usize offsets), faer (`to_col_major`,
    // `to_row_major`: u32 indices and offsets; its transpose also merges duplicates).
    let csc = csr.to_csc();
    let sp = sprs::CsMatI::<f64, u32, usize>::new(
        (m, n),
        csr.row_ptr().to_vec(),
        csr.col_idx().to_vec(),
        csr.values().to_vec(),
    );
    let sp_csc = sp.to_other_storage();
    let ptr32: Vec<u32> = csr.row_ptr().iter().map(|&p| p as u32).collect();
    let fa = faer::sparse::SparseRowMatRef::new(
        faer::sparse::SymbolicSparseRowMatRef::new_checked(m, n, &ptr32, None, csr.col_idx()),
        csr.values(),
    );
    let fa_csc = fa.to_col_major().expect("faer: out of memory");
    {
        assert_eq!(csc.col_ptr(), sp_csc.indptr().raw_storage());
        assert_eq!(csc.row_idx(), sp_csc.indices());
        assert_eq!(csc.values(), sp_csc.data());
        let fp: Vec<usize> = fa_csc.col_ptr().iter().map(|&p| p as usize).collect();
        assert_eq!(csc.col_ptr(), &fp[..]);
        assert_eq!(csc.row_idx(), fa_csc.row_idx());
        assert_eq!(csc.values(), fa_csc.val());
        let back: Csr<f64> = csc.to_csr();
        assert_eq!(
            (back.row_ptr(), back.col_idx()),
            (csr.row_ptr(), csr.col_idx())
        );
    }
    eprintln!(
        "csr_csc_rmat: {} nonzeros, {:.1} MB of CSR",
        csr.nnz(),
        csr.data_bytes() as f64 / 1e6
    );
    let mut g = group(c, "csr_csc_rmat");
    g.sample_size(10).measurement_time(Duration::from_secs(4));
    bytes(&mut g, csr.data_bytes());
    g.bench_function("matvec_csr_to_csc", |b| {
        b.iter_with_large_drop(|| csr.to_csc())
    });
    g.bench_function("sprs_csr_to_other_storage", |b| {
        b.iter_with_large_drop(|| sp.to_other_storage())
    });
    g.bench_function("faer_csr_to_col_major", |b| {
        b.iter_with_large_drop(|| fa.to_col_major().unwrap())
    });
    g.bench_function("matvec_csc_to_csr", |b| {
        b.iter_with_large_drop(|| -> Csr<f64> { Csc::to_csr(&csc) })
    });
    g.bench_function("sprs_csc_to_other_storage", |b| {
        b.iter_with_large_drop(|| sp_csc.to_other_storage())
    });
    g.bench_function("faer_csc_to_row_major", |b| {
        b.iter_with_large_drop(|| fa_csc.to_row_major().unwrap())
    });
    g.finish();
}

fn main() {
    let threads = common::bench_threads();
    let wanted = common::wanted;

    let mut c = Criterion::default().configure_from_args();
    if wanted("poisson") {
        sparse_group(&mut c, "poisson_1000", &poisson2d(1000), threads, true);
    }
    if wanted("rmat") || wanted("convert") {
        let coo = rmat_coo(20, 16, SEED_RMAT);
        if wanted("convert") {
            convert_group(&mut c, &coo);
        }
        if wanted("rmat") {
            sparse_group(&mut c, "rmat_20", &coo.into_csr(), threads, false);
        }
    }
    if wanted("random") {
        sparse_group(
            &mut c,
            "random_1m",
            &random_csr(1_000_000, 16, SEED_RANDOM),
            threads,
            false,
        );
    }
    if wanted("dense") {
        dense_group(&mut c, threads);
    }
    c.final_summary();
}
