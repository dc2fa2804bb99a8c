//! Matrix–vector product benchmarks: matvec against sprs, faer and a plain read of the same
//! bytes (the "bandwidth" baseline), on the matrices of the performance issue.
//!
//! ```text
//! cargo bench --bench spmv                          # everything (~6 minutes on 2 cores)
//! MATVEC_BENCH=poisson,dense cargo bench --bench spmv   # only some groups
//! MATVEC_BENCH_THREADS=4 cargo bench --bench spmv       # another pool size (default 2)
//! ```
//!
//! Groups (one per matrix, so every ratio in BENCHMARKS.md comes from one run of one group):
//!
//! * `poisson_1000`: 5-point Laplacian of a 1000 × 1000 grid (1 M rows, 5 M nonzeros);
//! * `rmat_20`: R-MAT, 2^20 rows, 16·2^20 triplets (a, b, c = 0.57, 0.19, 0.19), deduplicated
//!   by `Coo::into_csr`;
//! * `random_1m`: 1 M × 1 M, 16 distinct uniform columns a row;
//! * `dense_8192`: 8192 × 8192 row-major;
//! * `coo_to_csr_rmat`: the R-MAT triplets to CSR.
//!
//! Every product group has `Throughput::Bytes` = the bytes a product touches (matrix arrays,
//! `x` and `y`, each once), so criterion's GB/s are comparable across functions. All inputs
//! are deterministic (SplitMix64, fixed seeds). f64 values, u32 indices, usize offsets.

mod common;

use common::{Streams, csr_product_bytes, poisson2d, random_csr, rmat_coo, vector};
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion, SamplingMode, Throughput};
use matvec::{Coo, Csr, Dense, Layout, MatVec, Par};
use rayon::prelude::*;
use std::hint::black_box;
use std::time::Duration;

const SEED_X: u64 = 0x5EED_0001;
const SEED_RMAT: u64 = 0x5EED_0002;
const SEED_RANDOM: u64 = 0x5EED_0003;
const SEED_DENSE: u64 = 0x5EED_0004;

fn group<'a>(c: &'a mut Criterion, name: &str, bytes: usize) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .throughput(Throughput::Bytes(bytes as u64));
    g
}

fn par_name(par: Par) -> &'static str {
    match par {
        Par::Seq => "seq",
        Par::Rayon => "rayon",
    }
}

/// The bandwidth baseline: every thread reads its share of every array.
fn bandwidth(g: &mut BenchmarkGroup<'_, WallTime>, s: Streams<'_>, threads: usize) {
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

fn max_rel_diff(a: &[f64], b: &[f64]) -> f64 {
    let scale = a.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

/// CSR/CSC products of `a` and its peers, in one group.
fn sparse_group(c: &mut Criterion, name: &str, a: &Csr<f64>, threads: usize) {
    let (m, n) = (a.nrows(), a.ncols());
    assert_eq!(
        m, n,
        "the groups use square matrices (mul_vec_t touches the same bytes)"
    );
    let x = vector(n, SEED_X);
    let mut y = vec![0.0; m];
    let bytes = csr_product_bytes(a);
    eprintln!(
        "{name}: {m} x {n}, nnz {}, {:.1} MB touched per product",
        a.nnz(),
        bytes as f64 / 1e6
    );

    // Peers, built from our arrays: sprs with u32 indices and usize offsets, faer with u32
    // indices (faer has a single index type, so its offsets are u32 as well).
    let sp = sprs::CsMatI::<f64, u32, usize>::new(
        (m, n),
        a.row_ptr().to_vec(),
        a.col_idx().to_vec(),
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
    let csc = a.to_csc();

    // Everyone computes the same product (up to rounding).
    a.mul_vec(1.0, &x, 0.0, &mut y, Par::Seq);
    let reference = y.clone();
    for (what, check) in [
        ("csr rayon", {
            a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
            max_rel_diff(&reference, &y)
        }),
        ("csc", {
            csc.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
            max_rel_diff(&reference, &y)
        }),
        ("sprs", {
            y.fill(0.0);
            sprs::prod::mul_acc_mat_vec_csr(sp.view(), &x[..], &mut y[..]);
            max_rel_diff(&reference, &y)
        }),
        ("faer", {
            faer_mv(&x, &mut y);
            max_rel_diff(&reference, &y)
        }),
    ] {
        assert!(check < 1e-12, "{name}: {what} differs by {check:e}");
    }

    let mut g = group(c, name, bytes);
    for par in [Par::Seq, Par::Rayon] {
        g.bench_function(format!("csr_mul_vec/{}", par_name(par)), |b| {
            b.iter(|| a.mul_vec(1.0, black_box(&x), 0.0, &mut y, par))
        });
    }
    for par in [Par::Seq, Par::Rayon] {
        g.bench_function(format!("csr_mul_vec_t/{}", par_name(par)), |b| {
            b.iter(|| a.mul_vec_t(1.0, black_box(&x), 0.0, &mut y, par))
        });
    }
    for par in [Par::Seq, Par::Rayon] {
        g.bench_function(format!("csc_mul_vec/{}", par_name(par)), |b| {
            b.iter(|| csc.mul_vec(1.0, black_box(&x), 0.0, &mut y, par))
        });
    }
    // sprs accumulates (y += A·x): it reads y as well, which the byte count already includes.
    g.bench_function("sprs_mul_acc_mat_vec_csr/seq", |b| {
        b.iter(|| sprs::prod::mul_acc_mat_vec_csr(sp.view(), black_box(&x[..]), &mut y[..]))
    });
    // faer 0.24's CSR × dense kernel ignores `par` (it is sequential); Par::rayon is passed.
    g.bench_function("faer_sparse_dense_matmul/rayon", |b| {
        b.iter(|| faer_mv(black_box(&x), &mut y))
    });
    let ysrc = vec![0.5; m];
    bandwidth(&mut g, Streams::csr(a, &x, &ysrc), threads);
    g.finish();
}

fn dense_group(c: &mut Criterion, threads: usize) {
    let n = 8192;
    let a = Dense::try_new(n, n, Layout::RowMajor, vector(n * n, SEED_DENSE)).unwrap();
    let x = vector(n, SEED_X);
    let mut y = vec![0.0; n];
    let bytes = 8 * (n * n + 2 * n);
    eprintln!(
        "dense_8192: {:.1} MB touched per product",
        bytes as f64 / 1e6
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
    a.mul_vec(1.0, &x, 0.0, &mut y, Par::Seq);
    let reference = y.clone();
    faer_mv(&x, &mut y);
    assert!(max_rel_diff(&reference, &y) < 1e-12);

    let mut g = group(c, "dense_8192", bytes);
    for par in [Par::Seq, Par::Rayon] {
        g.bench_function(format!("mul_vec/{}", par_name(par)), |b| {
            b.iter(|| a.mul_vec(1.0, black_box(&x), 0.0, &mut y, par))
        });
    }
    for par in [Par::Seq, Par::Rayon] {
        g.bench_function(format!("mul_vec_t/{}", par_name(par)), |b| {
            b.iter(|| a.mul_vec_t(1.0, black_box(&x), 0.0, &mut y, par))
        });
    }
    g.bench_function("faer_matmul/rayon", |b| {
        b.iter(|| faer_mv(black_box(&x), &mut y))
    });
    let ysrc = vec![0.5; n];
    bandwidth(&mut g, Streams::dense(a.data(), &x, &ysrc), threads);
    g.finish();
}

fn convert_group(c: &mut Criterion, coo: &Coo<f64>) {
    let (m, n) = (coo.nrows(), coo.ncols());
    let bytes = 16 * coo.nnz();
    eprintln!(
        "coo_to_csr_rmat: {} triplets, {:.1} MB",
        coo.nnz(),
        bytes as f64 / 1e6
    );
    let tri = sprs::TriMatI::<f64, u32>::from_triplets(
        (m, n),
        coo.rows().to_vec(),
        coo.cols().to_vec(),
        coo.values().to_vec(),
    );
    {
        let ours = coo.to_csr();
        let theirs: sprs::CsMatI<f64, u32, usize> = tri.to_csr();
        assert_eq!(ours.row_ptr(), theirs.indptr().raw_storage());
        assert_eq!(ours.col_idx(), theirs.indices());
        assert!(max_rel_diff(ours.values(), theirs.data()) < 1e-12);
    }

    let mut g = group(c, "coo_to_csr_rmat", bytes);
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("matvec_into_csr", |b| {
        b.iter_batched(|| coo.clone(), Coo::into_csr, BatchSize::PerIteration)
    });
    g.bench_function("matvec_to_csr", |b| b.iter_with_large_drop(|| coo.to_csr()));
    g.bench_function("sprs_trimat_to_csr", |b| {
        b.iter_with_large_drop(|| -> sprs::CsMatI<f64, u32, usize> { tri.to_csr() })
    });
    g.finish();
}

fn main() {
    let threads: usize = std::env::var("MATVEC_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("the global rayon pool is built once, here");
    let groups = std::env::var("MATVEC_BENCH").unwrap_or_default();
    let wanted = |g: &str| groups.is_empty() || groups.split(',').any(|w| w.trim() == g);

    let mut c = Criterion::default().configure_from_args();
    if wanted("poisson") {
        sparse_group(&mut c, "poisson_1000", &poisson2d(1000), threads);
    }
    if wanted("rmat") || wanted("convert") {
        let coo = rmat_coo(20, 16, SEED_RMAT);
        if wanted("convert") {
            convert_group(&mut c, &coo);
        }
        if wanted("rmat") {
            sparse_group(&mut c, "rmat_20", &coo.into_csr(), threads);
        }
    }
    if wanted("random") {
        sparse_group(
            &mut c,
            "random_1m",
            &random_csr(1_000_000, 16, SEED_RANDOM),
            threads,
        );
    }
    if wanted("dense") {
        dense_group(&mut c, threads);
    }
    c.final_summary();
}
