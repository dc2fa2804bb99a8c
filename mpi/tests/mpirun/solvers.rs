//! The crate's own solvers (CG, power iteration, PageRank) on distributed matrices, against
//! single-process runs; Lanczos refusing several processes.

use crate::matrices::{close, poisson, rmat};
use matvec::solve::{self, CgWorkspace, Options, PageRankWorkspace, PowerWorkspace};
use matvec::{MatVec, Par};
use matvec_mpi::{DistCsr, DistVector};
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

/// Every solver check.
pub(crate) fn check_all(world: &SimpleCommunicator) {
    let (p, me) = (world.size() as usize, world.rank() as usize);
    // CG: the crate's own, on the distributed matrix, against the single-process run.
    let a = poisson(24);
    let d = DistCsr::from_global(world, &a).unwrap();
    let r = d.rows().range(me);
    let b: Vec<f64> = (0..a.nrows())
        .map(|i| ((i * 37) % 11) as f64 - 5.0)
        .collect();
    let mut x1 = vec![0.0; a.nrows()];
    let single = solve::cg(
        &a,
        &b,
        &mut x1,
        Options::new().tol(1e-10),
        &mut CgWorkspace::new(),
    )
    .unwrap();
    let mut xd = vec![0.0; r.len()];
    let red = d.reduction();
    let opts = Options::new().tol(1e-10).reduce(&red);
    let dist = solve::cg(&d, &b[r.clone()], &mut xd, opts, &mut CgWorkspace::new()).unwrap();
    assert!(dist.converged && single.converged);
    assert!(
        dist.iterations.abs_diff(single.iterations) <= 2,
        "{dist:?} vs {single:?}"
    );
    close(&xd, &x1[r.clone()], 1e-8, "cg");
    // Every process holds the same report.
    let mut its = vec![0u64; p];
    world.all_gather_into(&(dist.iterations as u64), &mut its[..]);
    assert!(its.iter().all(|&i| i == its[0]), "reports differ: {its:?}");

    // The true residual, through DistVector's global norm.
    let mut ax = vec![0.0; r.len()];
    d.mul_vec(1.0, &xd, 0.0, &mut ax, Par::Rayon);
    let res = DistVector::from_local(
        world,
        d.rows(),
        ax.iter().zip(&b[r.clone()]).map(|(p, q)| q - p).collect(),
    );
    let bn = DistVector::from_local(world, d.rows(), b[r.clone()].to_vec());
    assert!(res.norm2() <= 1e-10 * bn.norm2());
    let all = res.gather(0);
    assert_eq!(all.is_some(), me == 0);

    // A bad right-hand side on one process: every process gets the error.
    let mut bb = b[r.clone()].to_vec();
    if me == p - 1 && !bb.is_empty() {
        bb[0] = f64::NAN;
    }
    let mut xx = vec![0.0; r.len()];
    let red = d.reduction();
    let e = solve::cg(
        &d,
        &bb,
        &mut xx,
        Options::new().reduce(&red),
        &mut CgWorkspace::new(),
    );
    assert!(e.is_err(), "every process refuses a NaN on rank {}", p - 1);

    // Power iteration and PageRank (transposed products) against one process.
    let mut v1 = vec![1.0; a.nrows()];
    let s = solve::power_iteration(
        &a,
        &mut v1,
        Options::new().tol(1e-6).max_iter(5000),
        &mut PowerWorkspace::new(),
    )
    .unwrap();
    let mut vd = vec![1.0; r.len()];
    let red = d.reduction();
    let t = solve::power_iteration(
        &d,
        &mut vd,
        Options::new().tol(1e-6).max_iter(5000).reduce(&red),
        &mut PowerWorkspace::new(),
    )
    .unwrap();
    assert!(
        (s.value - t.value).abs() <= 1e-9 * s.value.abs(),
        "{s:?} vs {t:?}"
    );
    let graph = rmat(8, 2000, 11);
    let mut weights = graph.clone();
    weights
        .values_mut()
        .iter_mut()
        .for_each(|v| *v = v.abs() + 0.1);
    let dg = DistCsr::from_global(world, &weights).unwrap();
    let rg = dg.rows().range(me);
    let mut x1 = vec![0.0; weights.nrows()];
    solve::pagerank(
        &weights,
        0.85,
        None,
        &mut x1,
        Options::new().tol(1e-12),
        &mut PageRankWorkspace::new(),
    )
    .unwrap();
    let mut xg = vec![0.0; rg.len()];
    let red = dg.reduction();
    let rep = solve::pagerank(
        &dg,
        0.85,
        None,
        &mut xg,
        Options::new().tol(1e-12).reduce(&red),
        &mut PageRankWorkspace::new(),
    )
    .unwrap();
    assert!(rep.converged);
    close(&xg, &x1[rg], 1e-10, "pagerank");

    // Lanczos keeps small matrices of global size: it refuses several processes.
    if p > 1 {
        let red = d.reduction();
        let l = solve::lanczos(
            &d,
            2,
            solve::Which::Largest,
            Options::new().reduce(&red),
            &mut solve::LanczosWorkspace::new(),
        );
        assert!(l.is_err());
    }
}
