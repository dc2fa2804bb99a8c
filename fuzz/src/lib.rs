//! What the fuzz targets share: a reader of the fuzzer's bytes as small numbers, a scratch
//! file per process for the readers that need a path, and checks that two products agree
//! bit for bit.

use matvec::{MatVec, Par};
use std::path::PathBuf;

/// The fuzzer's input read front to back as small numbers; zeros once it runs out, so every
/// input decodes to something.
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data }
    }
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        usize::from(self.u8()) % n
    }
    /// What is left.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }
}

/// A file in `/dev/shm` (memory, no disk) holding `bytes`, unique to this process; the
/// fuzzer runs one input at a time per process.
pub fn scratch_file(bytes: &[u8], ext: &str) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let path = dir.join(format!("matvec-fuzz-{}.{ext}", std::process::id()));
    std::fs::write(&path, bytes).expect("write the scratch file");
    path
}

/// Equal bit for bit (so NaN equals the same NaN).
pub fn assert_same_bits(what: &str, a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            x.to_bits() == y.to_bits(),
            "{what}: element {i} differs: {x:e} vs {y:e}"
        );
    }
}

/// The four products of `a` (α = 1.5, β = 0.5, `y` starting at 1, `X` with 2 columns) in one
/// vector, so two operators that must agree can be compared at once.
pub fn products<A: MatVec<f64> + ?Sized>(a: &A, par: Par) -> Vec<f64> {
    let (m, n) = (a.nrows(), a.ncols());
    let x: Vec<f64> = (0..n).map(|j| (j % 7) as f64 - 3.0).collect();
    let xt: Vec<f64> = (0..m).map(|i| (i % 5) as f64 - 2.0).collect();
    let x2: Vec<f64> = (0..2 * n).map(|j| (j % 3) as f64 - 1.0).collect();
    let xt2: Vec<f64> = (0..2 * m).map(|i| (i % 4) as f64 - 1.5).collect();
    let mut out = Vec::new();
    let mut y = vec![1.0; m];
    a.mul_vec(1.5, &x, 0.5, &mut y, par);
    out.extend_from_slice(&y);
    let mut y = vec![1.0; n];
    a.mul_vec_t(1.5, &xt, 0.5, &mut y, par);
    out.extend_from_slice(&y);
    let mut y = vec![1.0; 2 * m];
    a.mul_mat(1.5, &x2, 0.5, &mut y, par);
    out.extend_from_slice(&y);
    let mut y = vec![1.0; 2 * n];
    a.mul_mat_t(1.5, &xt2, 0.5, &mut y, par);
    out.extend_from_slice(&y);
    out
}

/// Whether an `m × n` operator is small enough to multiply in a fuzz iteration (a valid
/// header can describe a matrix of 10⁹ zeros; the readers must accept it, but multiplying it
/// would only slow the fuzzer down).
pub fn small(m: usize, n: usize) -> bool {
    m.saturating_add(n) <= 1 << 16 && m.saturating_mul(n) <= 1 << 20
}
