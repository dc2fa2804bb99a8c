//! The engine of [`lanczos`](super::lanczos): block Lanczos with full reorthogonalization and
//! thick restarts, on the operator deflated by a set of locked vectors.
//!
//! Storage (all column-major, `n` rows) in one buffer `v` of `cap + m + b` columns:
//! columns `cap − L..cap` hold the `L` locked vectors `X` (0 or `cap`), columns
//! `cap..cap + m` the active basis `V`, and the `b` columns after it the next block `Q`. After
//! a cycle the block Lanczos relation
//!
//! ```text
//! A·V = V·H + X·Cₓ + Q·B·E_mᵀ
//! ```
//!
//! holds to rounding, with `H = Vᵀ·A·V` (`m × m`, symmetric, every entry computed by the
//! orthogonalization, not assumed tridiagonal), `Cₓ = Xᵀ·A·V` (the coupling the deflation
//! drops, small when the locked vectors are converged eigenvectors) and `B` the `b × b`
//! triangular factor of the last block. A Ritz pair `(θ, V·s)` of `H` therefore has the exact
//! residual norm `√(‖B·s_last‖² + ‖Cₓ·s‖²)`, computed without touching `A`.

use super::Which;
use crate::solve::block_orth::{OrthScratch, orth_block};
use crate::solve::small::sym_eig;
use crate::solve::vecops::random_fill;
use crate::{DenseView, MatVec, Par, Scalar};

/// Sizes and buffers of one run; the buffers belong to the caller's workspace.
pub(super) struct Krylov<'w, T> {
    pub n: usize,
    /// Block size.
    pub b: usize,
    /// Active basis columns (a multiple of `b`).
    pub m: usize,
    /// Columns reserved for locked vectors.
    pub cap: usize,
    /// Locked vectors in use: `0` or `cap`.
    pub locked: usize,
    pub which: Which,
    pub par: Par,
    pub v: &'w mut [T],
    pub tmp: &'w mut [T],
    pub coef: &'w mut [T],
    pub coef2: &'w mut [T],
    pub sel: &'w mut [T],
    pub h: &'w mut [f64],
    pub hc: &'w mut [f64],
    pub s: &'w mut [f64],
    pub cx: &'w mut [f64],
    pub cx2: &'w mut [f64],
    pub cmat: &'w mut [f64],
    pub bres: &'w mut [f64],
    pub before: &'w mut [f64],
    pub order: &'w mut Vec<usize>,
    /// Active columns whose `H` entries are known; the next block sits at `start..start+b`.
    pub start: usize,
}

/// Why a cycle stopped early.
pub(super) struct NotFinite;

impl<T: Scalar> Krylov<'_, T> {
    /// First column of `[X | V]` (where the orthogonalization starts).
    fn first(&self) -> usize {
        self.cap - self.locked
    }

    /// Starts the active basis afresh from a pseudo-random block orthogonal to the locked
    /// vectors (the whole `H` and `Cₓ` forgotten).
    pub fn begin(&mut self, seed: u64) -> Result<(), NotFinite> {
        let (n, b, c) = (self.n, self.b, self.cap);
        random_fill(self.par, seed, &mut self.v[n * c..n * (c + b)]);
        self.h.fill(0.0);
        self.cx.fill(0.0);
        self.start = 0;
        let first = self.first();
        let mut scratch = OrthScratch {
            coef: self.coef,
            coef2: self.coef2,
            c_out: self.cmat,
            r_out: self.bres,
            before: self.before,
        };
        if !orth_block(
            self.par,
            self.v,
            n,
            (first, c, b),
            &mut scratch,
            seed ^ 0xB10C,
        ) {
            return Err(NotFinite);
        }
        Ok(())
    }

    /// Extends the active basis from `start` to `m` columns, one block product a step.
    /// Returns the number of block products (passes over `a`).
    pub fn extend(&mut self, a: &dyn MatVec<T>, seed: u64) -> Result<usize, NotFinite> {
        let (n, b, m, cap) = (self.n, self.b, self.m, self.cap);
        let first = self.first();
        let mut passes = 0;
        let mut col = self.start;
        while col < m {
            // W = A·V[:, col..col+b] into the slot after the block.
            {
                let (done, rest) = self.v.split_at_mut(n * (cap + col + b));
                let x = &done[n * (cap + col)..];
                a.mul_mat(T::ONE, x, T::ZERO, &mut rest[..n * b], self.par);
                passes += 1;
            }
            let mut scratch = OrthScratch {
                coef: self.coef,
                coef2: self.coef2,
                c_out: self.cmat,
                r_out: self.bres,
                before: self.before,
            };
            let c = cap + col + b;
            if !orth_block(
                self.par,
                self.v,
                n,
                (first, c, b),
                &mut scratch,
                seed ^ col as u64,
            ) {
                return Err(NotFinite);
            }
            let rows = c - first; // locked, then active 0..col+b
            let l = self.locked;
            for j in 0..b {
                let cj = &self.cmat[j * rows..(j + 1) * rows];
                if cj.iter().any(|x| !x.is_finite()) {
                    return Err(NotFinite);
                }
                self.cx[(col + j) * cap..(col + j) * cap + l].copy_from_slice(&cj[..l]);
                for (i, &x) in cj[l..].iter().enumerate() {
                    if i >= col && i < col + b {
                        continue; // the diagonal block, symmetrized below
                    }
                    self.h[(col + j) * m + i] = x;
                    self.h[i * m + col + j] = x;
                }
            }
            // Diagonal block: the average of the two computed halves keeps H symmetric.
            for j in 0..b {
                for i in 0..=j {
                    let p = self.cmat[j * rows + l + col + i];
                    let q = self.cmat[i * rows + l + col + j];
                    let x = 0.5 * (p + q);
                    self.h[(col + j) * m + col + i] = x;
                    self.h[(col + i) * m + col + j] = x;
                }
            }
            if col + b < m {
                for j in 0..b {
                    for r in 0..b {
                        let x = if r <= j { self.bres[j * b + r] } else { 0.0 };
                        self.h[(col + j) * m + col + b + r] = x;
                        self.h[(col + b + r) * m + col + j] = x;
                    }
                }
            }
            col += b;
        }
        self.start = m;
        Ok(passes)
    }

    /// Ritz pairs of `H`: values on `hc`'s diagonal, vectors in the columns of `s`, and
    /// `order` listing them best first by `which`.
    pub fn ritz(&mut self) {
        let m = self.m;
        self.hc.copy_from_slice(self.h);
        sym_eig(self.hc, m, self.s);
        let hc = &*self.hc;
        let theta = |i: usize| hc[i * m + i];
        self.order.clear();
        self.order.extend(0..m);
        match self.which {
            Which::Largest => self.order.sort_by(|&p, &q| theta(q).total_cmp(&theta(p))),
            Which::Smallest => self.order.sort_by(|&p, &q| theta(p).total_cmp(&theta(q))),
            Which::LargestMagnitude => self
                .order
                .sort_by(|&p, &q| theta(q).abs().total_cmp(&theta(p).abs())),
        }
    }

    /// Ritz value of rank `r` (0 is the best).
    pub fn value(&self, r: usize) -> f64 {
        let i = self.order[r];
        self.hc[i * self.m + i]
    }

    /// Largest Ritz value in magnitude (ARPACK's `‖H‖` in the convergence test).
    pub fn hnorm(&self) -> f64 {
        (0..self.m).fold(0.0f64, |a, i| a.max(self.hc[i * self.m + i].abs()))
    }

    /// `‖A·y − θ·y‖` of the Ritz pair of rank `r` (exact, from the relation above).
    pub fn residual(&self, r: usize) -> f64 {
        let (m, b, cap) = (self.m, self.b, self.cap);
        let s = &self.s[self.order[r] * m..(self.order[r] + 1) * m];
        let mut acc = Hypot::default();
        for row in 0..b {
            acc.add(
                (row..b)
                    .map(|t| self.bres[t * b + row] * s[m - b + t])
                    .sum(),
            );
        }
        for l in 0..self.locked {
            acc.add((0..m).map(|j| self.cx[j * cap + l] * s[j]).sum());
        }
        acc.value()
    }

    /// Ritz vectors of ranks `0..count` into `tmp[..n·count]`, by one dense block product.
    pub fn vectors(&mut self, count: usize) {
        let (n, m, cap) = (self.n, self.m, self.cap);
        for c in 0..count {
            let i = self.order[c];
            for j in 0..m {
                self.sel[c * m + j] = T::from_f64(self.s[i * m + j]);
            }
        }
        let basis = DenseView::col_major(n, m, &self.v[n * cap..n * (cap + m)]).expect("n*m");
        basis.mul_mat(
            T::ONE,
            &self.sel[..m * count],
            T::ZERO,
            &mut self.tmp[..n * count],
            self.par,
        );
    }

    /// Thick restart: keeps the `keep` best Ritz vectors (a multiple of `b`, at most
    /// `m − b`), moves the next block after them, and rewrites `H` as the Ritz values plus
    /// the arrow `B·S_last` coupling them to that block; `Cₓ` follows the Ritz vectors.
    pub fn restart(&mut self, keep: usize) {
        let (n, m, b, cap) = (self.n, self.m, self.b, self.cap);
        debug_assert!(keep.is_multiple_of(b) && keep + b <= m);
        self.vectors(keep);
        self.v[n * cap..n * (cap + keep)].copy_from_slice(&self.tmp[..n * keep]);
        self.v
            .copy_within(n * (cap + m)..n * (cap + m + b), n * (cap + keep));
        let l = self.locked;
        self.cx2.fill(0.0);
        for c in 0..keep {
            let s = &self.s[self.order[c] * m..(self.order[c] + 1) * m];
            for r in 0..l {
                self.cx2[c * cap + r] = (0..m).map(|j| self.cx[j * cap + r] * s[j]).sum();
            }
        }
        self.cx.copy_from_slice(self.cx2);
        self.h.fill(0.0);
        for c in 0..keep {
            let i = self.order[c];
            let s = &self.s[i * m..(i + 1) * m];
            self.h[c * m + c] = self.hc[i * m + i];
            for r in 0..b {
                let x: f64 = (r..b).map(|t| self.bres[t * b + r] * s[m - b + t]).sum();
                self.h[c * m + keep + r] = x;
                self.h[(keep + r) * m + c] = x;
            }
        }
        self.start = keep;
    }
}

/// `√(Σ xᵢ²)` accumulated in units of the largest `|xᵢ|` so far (LAPACK's `lassq`), so that
/// the residual of an operator scaled by 1e-170 does not underflow to 0.
#[derive(Default)]
struct Hypot {
    scale: f64,
    ssq: f64,
}

impl Hypot {
    fn add(&mut self, x: f64) {
        let a = x.abs();
        if a == 0.0 {
            return;
        }
        if a > self.scale {
            self.ssq = 1.0 + self.ssq * (self.scale / a) * (self.scale / a);
            self.scale = a;
        } else {
            self.ssq += (a / self.scale) * (a / self.scale);
        }
    }

    fn value(&self) -> f64 {
        self.scale * self.ssq.sqrt()
    }
}
