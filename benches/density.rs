//! Sparse or dense? `A·x` (`mul_vec`, `Par::Rayon`) of one random `n × n` matrix stored as
//! CSR, as an in-memory dense matrix and as a memory-mapped `.npy` file, over a sweep of
//! densities, to find where dense overtakes CSR.
//!
//! ```text
//! cargo bench --bench density                            # ~1.5 minutes on 2 cores
//! MATVEC_BENCH=density cargo bench --bench density        # the same (the group's name)
//! MATVEC_DENSITY_N=8192 cargo bench --bench density       # another size (default 4096)
//! ```
//!
//! One group, `density_<n>`, with functions `csr/<density>`, `dense/<density>` and
//! `mmap/<density>` for densities 0.01 %, 0.1 %, 1 %, 5 %, 10 %, 20 % and 50 %. Entries are
//! nonzero independently with the given probability (values uniform in [-1, 1)); the CSR
//! matrix has f64 values and u32 indices, the dense ones are row-major f64. The `.npy` file
//! (134 MB at n = 4096) is written to the temporary directory for each density, mapped with
//! `MmapDense`'s default budget (256 MiB: the file fits, so it stays mapped and products run
//! from the page cache; `dense_8192/mmap_*` in `benches/spmv.rs` times a file larger than the
//! budget), and removed afterwards.
//!
//! `Throughput::Bytes` is what each format touches per product (CSR: offsets, indices,
//! values, `x`, `y`; dense: `n²` values, `x`, `y`), so criterion's GB/s are real traffic and
//! the times answer "which is faster". `examples/sparse_vs_dense.rs` prints the same sweep as
//! a table with the crossover and draws it. Flat sampling, 15 samples, 0.3 s warm-up, 1 s
//! measurement: the dense time does not depend on the density, so seven short points are
//! enough.

mod common;

use common::{SplitMix64, TempDir, max_rel_diff};
use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use matvec::{Csr, Dense, Footprint, Layout, MatVec, MmapDense, Par};
use std::hint::black_box;
use std::time::Duration;

const DENSITIES: [f64; 7] = [0.0001, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5];
const SEED: u64 = 0x5EED_0005;

/// The same random matrix as CSR and as row-major dense.
fn random_pair(n: usize, density: f64, seed: u64) -> (Csr<f64>, Dense<f64>) {
    let mut rng = SplitMix64::new(seed ^ density.to_bits());
    let cap = (density * (n * n) as f64 * 1.01) as usize + 16;
    let mut row_ptr = Vec::with_capacity(n + 1);
    let mut col_idx: Vec<u32> = Vec::with_capacity(cap);
    let mut values = Vec::with_capacity(cap);
    let mut dense = vec![0.0; n * n];
    row_ptr.push(0);
    for (i, row) in dense.chunks_exact_mut(n).enumerate() {
        for (j, d) in row.iter_mut().enumerate() {
            if rng.next_f64() < density {
                let v = rng.next_f64() * 2.0 - 1.0;
                col_idx.push(j as u32);
                values.push(v);
                *d = v;
            }
        }
        debug_assert_eq!(row_ptr.len(), i + 1);
        row_ptr.push(col_idx.len());
    }
    (
        Csr::try_new(n, n, row_ptr, col_idx, values).expect("valid random matrix"),
        Dense::try_new(n, n, Layout::RowMajor, dense).expect("n² values"),
    )
}

fn main() {
    common::bench_threads();
    if !common::wanted("density") {
        return;
    }
    let n: usize = std::env::var("MATVEC_DENSITY_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4096);
    let mut c = Criterion::default().configure_from_args();
    let dir = TempDir::new("bench-density");
    let x = common::vector(n, 0x5EED_0001);
    let mut y = vec![0.0; n];
    let mut y_ref = vec![0.0; n];
    let vec_bytes = 8 * 2 * n;

    let mut g = c.benchmark_group(format!("density_{n}"));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(15)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    for d in DENSITIES {
        let (csr, dense) = random_pair(n, d, SEED);
        let path = dir.path().join(format!("dense_{d}.npy"));
        matvec::io::npy::write_dense(&path, dense.view()).expect("cannot write the .npy file");
        // SAFETY: the file is private to this process (a fresh temporary directory), and
        // nothing modifies or truncates it while it is mapped; it is removed after `mm` drops.
        let mm = unsafe { MmapDense::<f64>::open(&path) }.expect("cannot map the .npy file");
        eprintln!(
            "density {d}: nnz {}, CSR {:.1} MB, dense {:.1} MB",
            csr.nnz(),
            csr.data_bytes() as f64 / 1e6,
            dense.data_bytes() as f64 / 1e6
        );

        dense.mul_vec(1.0, &x, 0.0, &mut y_ref, Par::Rayon);
        csr.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
        assert!(max_rel_diff(&y_ref, &y) < 1e-12, "CSR differs at {d}");
        mm.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
        assert_eq!(y_ref, y, "MmapDense differs from Dense at {d}");

        g.throughput(Throughput::Bytes((csr.data_bytes() + vec_bytes) as u64));
        g.bench_function(BenchmarkId::new("csr", d), |b| {
            b.iter(|| csr.mul_vec(1.0, black_box(&x), 0.0, &mut y, Par::Rayon))
        });
        g.throughput(Throughput::Bytes((dense.data_bytes() + vec_bytes) as u64));
        g.bench_function(BenchmarkId::new("dense", d), |b| {
            b.iter(|| dense.mul_vec(1.0, black_box(&x), 0.0, &mut y, Par::Rayon))
        });
        g.bench_function(BenchmarkId::new("mmap", d), |b| {
            b.iter(|| mm.mul_vec(1.0, black_box(&x), 0.0, &mut y, Par::Rayon))
        });
        drop(mm);
        let _ = std::fs::remove_file(&path);
    }
    g.finish();
    c.final_summary();
}
