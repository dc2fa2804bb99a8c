//! Deterministic test matrices and the "bandwidth" baseline, shared by the benches and the
//! examples (`examples/spmv.rs` and `examples/support/mod.rs` include this file with
//! `#[path]`).
//!
//! Everything here depends on `matvec` and `std` only: a SplitMix64 generator stands in for
//! the `rand` crate, so the same seed gives the same matrix on every machine and every run.

// Each includer uses a different subset of the helpers.
#![allow(dead_code)]

use matvec::{Coo, Csr, Footprint};

/// SplitMix64 (Steele, Lea & Flood 2014): tiny, fast, and good enough for test matrices.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    #[inline]
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`, 53 random bits.
    #[inline]
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (multiply-shift; the bias is below 2^-32 for `n < 2^32`).
    #[inline]
    pub fn below(&mut self, n: u32) -> u32 {
        (((self.next_u64() >> 32) * n as u64) >> 32) as u32
    }
}

/// `n` values uniform in `[0, 1)`.
pub fn vector(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = SplitMix64::new(seed);
    (0..n).map(|_| rng.next_f64()).collect()
}

/// The 5-point Laplacian of an `n × n` grid (Dirichlet boundary): `n²` rows, `5n² − 4n`
/// nonzeros, 4 on the diagonal and −1 for each grid neighbour. Built directly in CSR form
/// (columns come out sorted).
pub fn poisson2d(n: usize) -> Csr<f64> {
    let rows = n * n;
    let nnz = 5 * rows - 4 * n;
    let mut row_ptr = Vec::with_capacity(rows + 1);
    let mut col_idx = Vec::with_capacity(nnz);
    let mut values = Vec::with_capacity(nnz);
    row_ptr.push(0);
    for i in 0..n {
        for j in 0..n {
            let r = i * n + j;
            let mut put = |c: usize, v: f64| {
                col_idx.push(c as u32);
                values.push(v);
            };
            if i > 0 {
                put(r - n, -1.0);
            }
            if j > 0 {
                put(r - 1, -1.0);
            }
            put(r, 4.0);
            if j + 1 < n {
                put(r + 1, -1.0);
            }
            if i + 1 < n {
                put(r + n, -1.0);
            }
            row_ptr.push(col_idx.len());
        }
    }
    Csr::try_new(rows, rows, row_ptr, col_idx, values).expect("valid Poisson matrix")
}

/// R-MAT quadrant probabilities of the brief (Graph500 uses the same `a, b, c`):
/// `d = 1 − a − b − c = 0.05`.
pub const RMAT_ABC: (f64, f64, f64) = (0.57, 0.19, 0.19);

/// `edge_factor · 2^scale` R-MAT triplets on a `2^scale × 2^scale` matrix, in generation
/// order (so unsorted, with duplicates), values uniform in `[0, 1)`. No vertex permutation:
/// row and column 0 are the heaviest.
pub fn rmat_coo(scale: u32, edge_factor: usize, seed: u64) -> Coo<f64> {
    let n = 1usize << scale;
    let m = edge_factor * n;
    let mut rows = Vec::with_capacity(m);
    let mut cols = Vec::with_capacity(m);
    let mut vals = Vec::with_capacity(m);
    rmat_edges(scale, m, seed, |r, c, rng| {
        rows.push(r);
        cols.push(c);
        vals.push(rng.next_f64());
    });
    Coo::try_from_triplets(n, n, rows, cols, vals).expect("valid R-MAT triplets")
}

/// Draws `m` R-MAT edges `(row, col)` on `2^scale` nodes (probabilities [`RMAT_ABC`]) and
/// calls `edge(row, col, rng)` for each, in generation order; `edge` may draw more from the
/// same generator (a value), so callers' sequences stay deterministic.
pub fn rmat_edges(
    scale: u32,
    m: usize,
    seed: u64,
    mut edge: impl FnMut(u32, u32, &mut SplitMix64),
) {
    assert!((1..=31).contains(&scale));
    let (a, b, c) = RMAT_ABC;
    // Thresholds on a 32-bit uniform draw; one 64-bit draw serves two levels.
    let t = |p: f64| (p * 4_294_967_296.0) as u64;
    let (ta, tab, tabc) = (t(a), t(a + b), t(a + b + c));
    let mut rng = SplitMix64::new(seed);
    for _ in 0..m {
        let (mut r, mut col) = (0u32, 0u32);
        let mut bits = 0u64;
        for level in 0..scale {
            let u = if level.is_multiple_of(2) {
                bits = rng.next_u64();
                bits & 0xFFFF_FFFF
            } else {
                bits >> 32
            };
            let (dr, dc) = if u < ta {
                (0, 0)
            } else if u < tab {
                (0, 1)
            } else if u < tabc {
                (1, 0)
            } else {
                (1, 1)
            };
            r = (r << 1) | dr;
            col = (col << 1) | dc;
        }
        edge(r, col, &mut rng);
    }
}

/// `n × n` with exactly `per_row` distinct columns per row, uniform at random; values
/// uniform in `[0, 1)`. Built directly in CSR form.
pub fn random_csr(n: usize, per_row: usize, seed: u64) -> Csr<f64> {
    assert!(per_row <= n && n <= u32::MAX as usize);
    let mut rng = SplitMix64::new(seed);
    let mut row_ptr = Vec::with_capacity(n + 1);
    let mut col_idx: Vec<u32> = Vec::with_capacity(n * per_row);
    let mut values = Vec::with_capacity(n * per_row);
    row_ptr.push(0);
    let mut row: Vec<u32> = Vec::with_capacity(per_row);
    for _ in 0..n {
        row.clear();
        while row.len() < per_row {
            let c = rng.below(n as u32);
            if !row.contains(&c) {
                row.push(c);
            }
        }
        row.sort_unstable();
        col_idx.extend_from_slice(&row);
        values.extend((0..per_row).map(|_| rng.next_f64()));
        row_ptr.push(col_idx.len());
    }
    Csr::try_new(n, n, row_ptr, col_idx, values).expect("valid random matrix")
}

/// Bytes one CSR product `y ← α·A·x` touches at least once: the three arrays, `x` and `y`
/// (`y` counted once, although with β = 0 it is only written).
pub fn csr_product_bytes(a: &Csr<f64>) -> usize {
    a.data_bytes() + 8 * (a.nrows() + a.ncols())
}

/// The arrays a product streams through, for the bandwidth baseline: a plain read of the same
/// bytes with several accumulators (sequential, contiguous, no gather).
#[derive(Clone, Copy)]
pub struct Streams<'a> {
    pub ptr: &'a [usize],
    pub idx: &'a [u32],
    pub val: &'a [f64],
    pub x: &'a [f64],
    pub y: &'a [f64],
}

impl<'a> Streams<'a> {
    pub fn csr(a: &'a Csr<f64>, x: &'a [f64], y: &'a [f64]) -> Self {
        Streams {
            ptr: a.row_ptr(),
            idx: a.col_idx(),
            val: a.values(),
            x,
            y,
        }
    }

    pub fn dense(data: &'a [f64], x: &'a [f64], y: &'a [f64]) -> Self {
        Streams {
            ptr: &[],
            idx: &[],
            val: data,
            x,
            y,
        }
    }

    pub fn bytes(&self) -> usize {
        size_of_val(self.ptr)
            + size_of_val(self.idx)
            + size_of_val(self.val)
            + size_of_val(self.x)
            + size_of_val(self.y)
    }

    /// Reads piece `part` of `parts` (the same fraction of every array) and returns a value
    /// that depends on every byte read, so the reads cannot be optimised away.
    pub fn read_part(&self, part: usize, parts: usize) -> f64 {
        fn cut<T>(s: &[T], part: usize, parts: usize) -> &[T] {
            &s[s.len() * part / parts..s.len() * (part + 1) / parts]
        }
        let ints = sum_usize(cut(self.ptr, part, parts))
            .wrapping_add(sum_u32(cut(self.idx, part, parts)) as u64);
        sum_f64(cut(self.val, part, parts))
            + sum_f64(cut(self.x, part, parts))
            + sum_f64(cut(self.y, part, parts))
            + ints as f64
    }
}

/// Sum with 16 independent accumulators (vectorises; latency-bound chains are not the limit).
#[inline(never)]
pub fn sum_f64(v: &[f64]) -> f64 {
    let mut acc = [0.0f64; 16];
    let chunks = v.chunks_exact(16);
    let rem = chunks.remainder();
    for c in chunks {
        for k in 0..16 {
            acc[k] += c[k];
        }
    }
    acc.iter().sum::<f64>() + rem.iter().sum::<f64>()
}

#[inline(never)]
pub fn sum_u32(v: &[u32]) -> u32 {
    let mut acc = [0u32; 16];
    let chunks = v.chunks_exact(16);
    let rem = chunks.remainder();
    for c in chunks {
        for k in 0..16 {
            acc[k] = acc[k].wrapping_add(c[k]);
        }
    }
    acc.iter().chain(rem).fold(0u32, |s, &v| s.wrapping_add(v))
}

#[inline(never)]
pub fn sum_usize(v: &[usize]) -> u64 {
    let mut acc = [0u64; 8];
    let chunks = v.chunks_exact(8);
    let rem = chunks.remainder();
    for c in chunks {
        for k in 0..8 {
            acc[k] = acc[k].wrapping_add(c[k] as u64);
        }
    }
    let tail = rem.iter().fold(0u64, |s, &v| s.wrapping_add(v as u64));
    acc.iter().fold(tail, |s, &v| s.wrapping_add(v))
}

/// A fresh directory under the system temporary directory (`matvec-<tag>-<pid>`, emptied
/// if a crashed run left it behind), removed with its contents on drop: where the benches
/// write the files they map, and where every test writes its files. Dereferences to its
/// [`Path`](std::path::Path), so `dir.join("a.npz")` names a file in it.
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let p = std::env::temp_dir().join(format!("matvec-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("cannot create a temporary directory");
        TempDir(p)
    }

    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl AsRef<std::path::Path> for TempDir {
    fn as_ref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Largest difference between `a` and `b`, relative to the largest `|a|`.
pub fn max_rel_diff<T: Copy + Into<f64>>(a: &[T], b: &[T]) -> f64 {
    let scale = a
        .iter()
        .fold(0.0f64, |m, &v| m.max(v.into().abs()))
        .max(1e-300);
    a.iter()
        .zip(b)
        .fold(0.0f64, |m, (&x, &y)| m.max((x.into() - y.into()).abs()))
        / scale
}

/// Builds the global rayon pool with `MATVEC_BENCH_THREADS` threads (default 2) and returns
/// that number.
pub fn bench_threads() -> usize {
    let threads: usize = std::env::var("MATVEC_BENCH_THREADS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2);
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("the global rayon pool is built once, here");
    threads
}

/// Whether the group named `g` is selected by `MATVEC_BENCH` (a comma-separated list; unset or
/// empty selects every group).
pub fn wanted(g: &str) -> bool {
    let groups = std::env::var("MATVEC_BENCH").unwrap_or_default();
    groups.trim().is_empty() || groups.split(',').any(|w| w.trim() == g)
}
