//! Shared by every test binary (`mod common;`, or `#[path = "../common/mod.rs"]` from a
//! binary's `main.rs`): the benches' generators (one SplitMix64, one Poisson builder, one
//! temporary directory that cleans up: `benches/common/mod.rs`), a dense oracle, the Python
//! helpers, and bit-for-bit product comparisons.
#![allow(dead_code)]

#[path = "../../benches/common/mod.rs"]
mod generators;
pub mod hostile;
pub mod npz;

#[allow(unused_imports)] // not every test binary uses every one
pub use generators::{SplitMix64, TempDir, poisson2d};

/// The benches' SplitMix64 with the draws the tests use.
pub struct Rng(SplitMix64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(SplitMix64::new(seed))
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        self.0.next_f64()
    }
    /// A small nonzero integer in -4..=4 \ {0}, so sums stay exact in f32.
    pub fn small(&mut self) -> f64 {
        let v = self.below(8) as i64 - 4;
        (if v >= 0 { v + 1 } else { v }) as f64
    }
}

/// A dense matrix held as rows of f64: the independent reference.
#[derive(Clone, Debug)]
pub struct Oracle {
    pub nrows: usize,
    pub ncols: usize,
    pub a: Vec<Vec<f64>>,
}

impl Oracle {
    /// Random matrix with the given density; `empty_rows`/`empty_cols` force some rows and
    /// columns to be empty.
    pub fn random(nrows: usize, ncols: usize, density: f64, seed: u64, integers: bool) -> Self {
        let mut rng = Rng::new(seed);
        let mut a = vec![vec![0.0; ncols]; nrows];
        for (i, row) in a.iter_mut().enumerate() {
            if i % 7 == 3 {
                continue; // empty row
            }
            for (j, v) in row.iter_mut().enumerate() {
                if j % 11 == 5 {
                    continue; // empty column
                }
                if rng.unit() < density {
                    *v = if integers {
                        rng.small()
                    } else {
                        rng.unit() * 2.0 - 1.0
                    };
                }
            }
        }
        Oracle { nrows, ncols, a }
    }

    /// Nonzero triplets in row-major order.
    pub fn triplets(&self) -> Vec<(usize, usize, f64)> {
        let mut t = Vec::new();
        for (i, row) in self.a.iter().enumerate() {
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    t.push((i, j, v));
                }
            }
        }
        t
    }

    /// `α·A·x + β·y` (or with `Aᵀ`), in f64.
    pub fn apply(&self, transposed: bool, alpha: f64, x: &[f64], beta: f64, y: &[f64]) -> Vec<f64> {
        let (m, n) = if transposed {
            (self.ncols, self.nrows)
        } else {
            (self.nrows, self.ncols)
        };
        assert_eq!(x.len(), n);
        (0..m)
            .map(|i| {
                let s: f64 = (0..n)
                    .map(|j| if transposed { self.a[j][i] } else { self.a[i][j] } * x[j])
                    .sum();
                let b = if beta == 0.0 { 0.0 } else { beta * y[i] };
                alpha * s + b
            })
            .collect()
    }

    pub fn row_major(&self) -> Vec<f64> {
        self.a.iter().flatten().copied().collect()
    }

    pub fn col_major(&self) -> Vec<f64> {
        (0..self.ncols)
            .flat_map(|j| self.a.iter().map(move |r| r[j]))
            .collect()
    }
}

/// The names of the files in `dir`, sorted: what a test that must leave nothing behind
/// compares with the names it expects.
pub fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The Python interpreter (`MATVEC_PYTHON`, default `python3`) if `import {modules}` works
/// with it; otherwise prints why the calling test is skipped and returns `None` — or panics
/// when `MATVEC_REQUIRE_PYTHON=1` (set by `scripts/test.sh` and so by CI, where a missing
/// package must fail the run, not skip silently).
pub fn python_with(modules: &str) -> Option<String> {
    let py = std::env::var("MATVEC_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", &format!("import {modules}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let required = std::env::var("MATVEC_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    if ok {
        Some(py)
    } else if required {
        panic!("`{py}` with {modules} is required (MATVEC_REQUIRE_PYTHON=1) but not available");
    } else {
        eprintln!("skipping: `{py}` with {modules} is not available (pip install numpy scipy)");
        None
    }
}

/// Runs `py args…`, panicking with its output if it fails; returns its stdout.
pub fn run_python(py: &str, args: &[&str]) -> String {
    run_python_in(py, std::path::Path::new("."), args)
}

/// Runs `py args…` in the directory `dir` (a script given with `-c` then reads and writes
/// files by their plain names), as [`run_python`].
pub fn run_python_in(py: &str, dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(py)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Bit patterns of a vector (as f64), for exact comparisons.
pub fn bits<T: matvec::Scalar>(v: &[T]) -> Vec<u64> {
    v.iter().map(|x| x.to_f64().to_bits()).collect()
}

/// Every product of `m` equals `mem`'s, bit for bit, for every `Par`, α, β (β = 0 with a
/// NaN-filled `y`) and direction.
pub fn assert_same_products<T: matvec::Scalar>(
    m: &dyn matvec::MatVec<T>,
    mem: &dyn matvec::MatVec<T>,
    seed: u64,
    what: &str,
) {
    let mut rng = Rng::new(seed);
    for transposed in [false, true] {
        let (nx, ny) = if transposed {
            (m.nrows(), m.ncols())
        } else {
            (m.ncols(), m.nrows())
        };
        let x: Vec<T> = (0..nx).map(|_| T::from_f64(rng.unit() - 0.5)).collect();
        let y0: Vec<T> = (0..ny).map(|_| T::from_f64(rng.unit())).collect();
        for (alpha, beta) in [(1.0, 0.0), (0.7, -1.3), (0.0, 2.0), (-2.0, 1.0)] {
            let (a, b) = (T::from_f64(alpha), T::from_f64(beta));
            let fresh = || {
                if beta == 0.0 {
                    vec![T::from_f64(f64::NAN); ny]
                } else {
                    y0.clone()
                }
            };
            let mut want = fresh();
            if transposed {
                mem.mul_vec_t(a, &x, b, &mut want, matvec::Par::Seq);
            } else {
                mem.mul_vec(a, &x, b, &mut want, matvec::Par::Seq);
            }
            for par in [matvec::Par::Seq, matvec::Par::Rayon] {
                let mut y = fresh();
                if transposed {
                    m.mul_vec_t(a, &x, b, &mut y, par);
                } else {
                    m.mul_vec(a, &x, b, &mut y, par);
                }
                assert_eq!(
                    bits(&y),
                    bits(&want),
                    "{what} transposed={transposed} alpha={alpha} beta={beta} {par:?}"
                );
            }
        }
    }
}
