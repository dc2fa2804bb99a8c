//! The worker's matrices (the same on every process) and its checks of the products against
//! the single-process `Csr`.

use matvec::{Coo, Csr, MatVec, Par};
use matvec_mpi::{DistCsr, Error, Layout};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub(crate) fn value(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

pub(crate) fn poisson(k: usize) -> Csr<f64> {
    let n = k * k;
    let mut c = Coo::with_capacity(n, n, 5 * n);
    for i in 0..k {
        for j in 0..k {
            let r = i * k + j;
            c.push(r, r, 4.0);
            if i > 0 {
                c.push(r, r - k, -1.0);
            }
            if i + 1 < k {
                c.push(r, r + k, -1.0);
            }
            if j > 0 {
                c.push(r, r - 1, -1.0);
            }
            if j + 1 < k {
                c.push(r, r + 1, -1.0);
            }
        }
    }
    c.into_csr()
}

pub(crate) fn random(m: usize, n: usize, nnz: usize, seed: u64) -> Csr<f64> {
    let mut g = Rng(seed);
    let mut c = Coo::new(m, n);
    if m > 0 && n > 0 {
        for _ in 0..nnz {
            c.push(g.below(m), g.below(n), g.value());
        }
    }
    c.into_csr()
}

/// R-MAT (a = 0.57, b = c = 0.19): skewed degrees, a few very dense rows and columns.
pub(crate) fn rmat(scale: u32, nnz: usize, seed: u64) -> Csr<f64> {
    let n = 1 << scale;
    let mut g = Rng(seed);
    let mut c = Coo::new(n, n);
    for _ in 0..nnz {
        let (mut i, mut j) = (0, 0);
        for _ in 0..scale {
            let r = g.below(100);
            let (bi, bj) = if r < 57 {
                (0, 0)
            } else if r < 76 {
                (0, 1)
            } else if r < 95 {
                (1, 0)
            } else {
                (1, 1)
            };
            i = 2 * i + bi;
            j = 2 * j + bj;
        }
        c.push(i, j, g.value());
    }
    c.into_csr()
}

/// Rows 3 and 7 empty, columns 2 and 5 empty, row 4 dense.
pub(crate) fn holes() -> Csr<f64> {
    let (m, n) = (12, 9);
    let mut c = Coo::new(m, n);
    for i in 0..m {
        for j in 0..n {
            let keep = i == 4 || (i * 7 + j * 3) % 5 == 0;
            if keep && i != 3 && i != 7 && j != 2 && j != 5 {
                c.push(i, j, (i * n + j) as f64 * 0.25 - 3.0);
            }
        }
    }
    c.into_csr()
}

pub(crate) fn close(a: &[f64], b: &[f64], rel: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= rel * scale,
            "{what}: entry {i}: {x} vs {y} (scale {scale})"
        );
    }
}

/// Products (both directions, with β ≠ 0, under Seq and Rayon) against the whole `Csr`.
pub(crate) fn check_products(world: &impl Communicator, name: &str, a: &Csr<f64>) {
    let d = DistCsr::from_global(world, a).expect("setup");
    let me = world.rank() as usize;
    let (rows, cols) = (d.rows().range(me), d.cols().range(me));
    assert_eq!(d.global_shape(), (a.nrows(), a.ncols()));
    assert_eq!(
        d.local_nnz(),
        a.row_ptr()[rows.end] - a.row_ptr()[rows.start]
    );
    let mut g = Rng(99);
    let x: Vec<f64> = (0..a.ncols()).map(|_| g.value()).collect();
    let y0: Vec<f64> = (0..a.nrows()).map(|_| g.value()).collect();
    let mut want = y0.clone();
    a.mul_vec(1.5, &x, -0.5, &mut want, Par::Seq);
    let mut seq = y0[rows.clone()].to_vec();
    d.mul_vec(1.5, &x[cols.clone()], -0.5, &mut seq, Par::Seq);
    close(
        &seq,
        &want[rows.clone()],
        1e-13,
        &format!("{name}: mul_vec"),
    );
    let mut par = y0[rows.clone()].to_vec();
    d.mul_vec(1.5, &x[cols.clone()], -0.5, &mut par, Par::Rayon);
    assert!(seq == par, "{name}: mul_vec differs between Seq and Rayon");
    // β = 0 never reads y: NaN must not leak.
    let mut nan = vec![f64::NAN; rows.len()];
    d.mul_vec(1.5, &x[cols.clone()], 0.0, &mut nan, Par::Rayon);
    let mut want0 = vec![0.0; a.nrows()];
    a.mul_vec(1.5, &x, 0.0, &mut want0, Par::Seq);
    close(
        &nan,
        &want0[rows.clone()],
        1e-13,
        &format!("{name}: beta = 0"),
    );
    // Transposed: x over the rows, y over the columns.
    let xt: Vec<f64> = (0..a.nrows()).map(|_| g.value()).collect();
    let yt0: Vec<f64> = (0..a.ncols()).map(|_| g.value()).collect();
    let mut want_t = yt0.clone();
    a.mul_vec_t(2.0, &xt, 0.25, &mut want_t, Par::Seq);
    let mut t_seq = yt0[cols.clone()].to_vec();
    d.mul_vec_t(2.0, &xt[rows.clone()], 0.25, &mut t_seq, Par::Seq);
    close(
        &t_seq,
        &want_t[cols.clone()],
        1e-13,
        &format!("{name}: mul_vec_t"),
    );
    let mut t_par = yt0[cols.clone()].to_vec();
    d.mul_vec_t(2.0, &xt[rows], 0.25, &mut t_par, Par::Rayon);
    assert!(
        t_seq == t_par,
        "{name}: mul_vec_t differs between Seq and Rayon"
    );
    // The ghosts are the off-block columns the rows touch, compacted in increasing order.
    assert!(d.ghost_columns().windows(2).all(|w| w[0] < w[1]));
    assert!(d.ghost_columns().iter().all(|c| !cols.contains(c)));
    assert_eq!(d.halo_received(), d.ghost_columns().len());
}

/// Products on every shape against the whole `Csr`, a layout that leaves a process empty,
/// and a wrong layout (an error everywhere, not a hang).
pub(crate) fn check_all(world: &SimpleCommunicator) {
    let (p, me) = (world.size() as usize, world.rank() as usize);
    check_products(world, "poisson 20x20", &poisson(20));
    check_products(world, "rectangular 57x31", &random(57, 31, 300, 1));
    check_products(world, "wide 13x80", &random(13, 80, 200, 2));
    check_products(world, "empty rows, columns, a dense row", &holes());
    check_products(world, "R-MAT 2^9", &rmat(9, 4000, 3));
    // Fewer rows than processes: some own none.
    check_products(world, "2x2", &random(2, 2, 4, 4));
    check_products(world, "1x5", &random(1, 5, 3, 5));
    check_products(world, "0x0", &random(0, 0, 0, 6));
    check_products(world, "3x0", &random(3, 0, 0, 7));

    // A layout that gives this process nothing, on purpose.
    let a = random(30, 30, 200, 8);
    let mut off = vec![0usize; p + 1];
    for (r, o) in off.iter_mut().enumerate().skip(1) {
        *o = if r == 1 { 0 } else { (30 * r).div_ceil(p) };
    }
    off[p] = 30;
    let rows = Layout::from_offsets(off);
    let mine = rows.range(me);
    let local = {
        let ptr = a.row_ptr();
        let (f, l) = (ptr[mine.start], ptr[mine.end]);
        Csr::try_new(
            mine.len(),
            30,
            ptr[mine.start..=mine.end].iter().map(|q| q - f).collect(),
            a.col_idx()[f..l].iter().map(|&c| c as usize).collect(),
            a.values()[f..l].to_vec(),
        )
        .unwrap()
    };
    let d = DistCsr::from_local_rows(world, rows.clone(), rows.clone(), local).unwrap();
    let x: Vec<f64> = (0..30).map(|i| i as f64 - 7.0).collect();
    let mut y = vec![0.0; mine.len()];
    d.mul_vec(1.0, &x[mine.clone()], 0.0, &mut y, Par::Rayon);
    close(
        &y,
        &a.matvec(&x)[mine.clone()],
        1e-13,
        "rank 1 owns nothing",
    );

    // A wrong layout is an error on every process, not a hang.
    let bad = DistCsr::from_local_rows(
        world,
        Layout::even(30, p + 1),
        rows,
        Csr::<f64, usize>::zeros(0, 30),
    );
    assert!(matches!(bad, Err(Error::Invalid(_) | Error::Remote { .. })));
}
