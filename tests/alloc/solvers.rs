//! The solvers allocate nothing per iteration once their workspace is sized, proven with a
//! counting global allocator: a call with 5 iterations and one with 50 (tolerance 0, so
//! neither stops early) allocate the same — nothing at all for cg, pcg, power iteration and
//! PageRank, and only their fixed output vectors for Lanczos and randomized SVD.

use crate::common::{Rng, TempDir, poisson2d};
use crate::counting::counted;
use matvec::io::npy::write_dense;
use matvec::solve::{
    CgWorkspace, Jacobi, LanczosWorkspace, Options, PageRankWorkspace, PowerWorkspace, Rsvd,
    RsvdWorkspace, Which, cg, lanczos, pagerank, pcg, power_iteration, rsvd,
};
use matvec::{Coo, Csc, Csr, Dense, Layout, MatVec, MmapDense, Par};

struct Problems {
    a: Csr<f64>,
    b: Vec<f64>,
    jac: Jacobi<f64>,
    graph: Csc<f64>,
    tall: Dense<f64>,
    tall_mmap: MmapDense<f64>,
}

/// Allocations of a call with few and with many iterations, after a warm-up call that sizes
/// the workspace. `run(iters)` runs the solver once with that iteration limit.
fn few_and_many(
    name: &str,
    par: Par,
    few: usize,
    many: usize,
    mut run: impl FnMut(usize),
) -> (usize, usize) {
    run(few); // warm-up: sizes the workspace
    let (a_few, ()) = counted(|| run(few));
    let (a_many, ()) = counted(|| run(many));
    eprintln!(
        "{name:>22} {par:?}: {a_few} allocations with {few} iterations, {a_many} with {many}"
    );
    (a_few, a_many)
}

/// Tolerance 0, so a solver runs exactly `iters` iterations (restarts for Lanczos), on the
/// threads of `par`.
fn exact<'a>(iters: usize, par: Par) -> Options<'a, f64> {
    Options::new().tol(0.0).max_iter(iters).par(par)
}

fn check_all(p: &Problems, par: Par) {
    let n = p.b.len();

    // Conjugate gradients, plain and Jacobi-preconditioned.
    let mut ws = CgWorkspace::new();
    let mut x = vec![0.0; n];
    for (what, jac) in [("cg", None), ("pcg (Jacobi)", Some(&p.jac))] {
        let (f, m) = few_and_many(what, par, 5, 50, |it| {
            x.fill(0.0);
            let r = match jac {
                None => cg(&p.a, &p.b, &mut x, exact(it, par), &mut ws),
                Some(jac) => pcg(&p.a, jac, &p.b, &mut x, exact(it, par), &mut ws),
            }
            .unwrap();
            assert_eq!(r.iterations, it);
        });
        assert_eq!((f, m), (0, 0), "{what} allocated ({par:?})");
    }

    // With a progress callback (it is the caller's; it allocates nothing here).
    let mut calls = 0usize;
    let (f, m) = few_and_many("cg + progress", par, 5, 50, |it| {
        x.fill(0.0);
        let mut cb = |_: &matvec::solve::Progress<f64>| calls += 1;
        cg(
            &p.a,
            &p.b,
            &mut x,
            exact(it, par).progress(&mut cb),
            &mut ws,
        )
        .unwrap();
    });
    assert_eq!(
        (f, m),
        (0, 0),
        "cg with a progress callback allocated ({par:?})"
    );
    assert_eq!(calls, 5 + 5 + 50);

    // Power iteration.
    let mut ws = PowerWorkspace::new();
    let (f, m) = few_and_many("power_iteration", par, 5, 50, |it| {
        x.copy_from_slice(&p.b);
        let d = power_iteration(&p.a, &mut x, exact(it, par), &mut ws).unwrap();
        assert_eq!(d.report.iterations, it);
    });
    assert_eq!((f, m), (0, 0), "power_iteration allocated ({par:?})");

    // PageRank, with and without personalization.
    let mut ws = PageRankWorkspace::new();
    let pers: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
    for (what, v) in [
        ("pagerank", None),
        ("pagerank (personalized)", Some(&pers[..])),
    ] {
        let (f, m) = few_and_many(what, par, 5, 50, |it| {
            x.fill(0.0);
            let r = pagerank(&p.graph, 0.85, v, &mut x, exact(it, par), &mut ws).unwrap();
            assert_eq!(r.iterations, it);
        });
        assert_eq!((f, m), (0, 0), "{what} allocated ({par:?})");
    }

    // Lanczos: restarts 2 vs 8; only the output (values and vectors) is allocated.
    let mut ws = LanczosWorkspace::new();
    for which in [Which::Largest, Which::Smallest] {
        let (f, m) = few_and_many("lanczos", par, 2, 8, |it| {
            let e = lanczos(&p.a, 3, which, exact(it, par), &mut ws).unwrap();
            assert_eq!(e.report.iterations, it);
        });
        assert_eq!(f, m, "lanczos allocations grow with restarts ({par:?})");
        assert!(
            f <= 2,
            "lanczos: {f} allocations, more than its 2 output vectors ({par:?})"
        );
    }

    // Randomized SVD: power iterations 1 vs 6; only the output (u, s, v) is allocated.
    let mut ws = RsvdWorkspace::new();
    for (what, op) in [
        ("rsvd dense", &p.tall as &dyn MatVec<f64>),
        ("rsvd mmap", &p.tall_mmap as &dyn MatVec<f64>),
    ] {
        let (f, m) = few_and_many(what, par, 1, 6, |q| {
            let opts = Options::new().tol(0.0).max_iter(q).par(par);
            let s = rsvd(op, 4, Rsvd::default(), opts, &mut ws).unwrap();
            assert_eq!(s.report.iterations, q);
        });
        assert_eq!(
            f, m,
            "{what} allocations grow with power iterations ({par:?})"
        );
        assert!(
            f <= 3,
            "{what}: {f} allocations, more than its 3 output vectors ({par:?})"
        );
    }
}

pub(crate) fn solver_iterations_do_not_allocate() {
    // Large enough (n = 10 000 > one reduction leaf, products above the parallel threshold)
    // that the parallel kernels really split.
    let k = 100;
    let n = k * k;
    let a = poisson2d(k);
    let mut rng = Rng::new(7);
    let b: Vec<f64> = (0..n).map(|_| rng.unit() - 0.5).collect();
    let jac = Jacobi::from_diagonal((0..n).map(|i| 4.0 + (i % 5) as f64).collect()).unwrap();
    let graph = {
        let mut g = Coo::<f64>::new(n, n);
        for i in 0..n {
            if i % 11 == 0 {
                continue; // dangling
            }
            for _ in 0..3 {
                g.push(i, rng.below(n), 1.0 + rng.unit());
            }
        }
        g.into_csc()
    };
    let (m, c) = (6000, 40);
    let data: Vec<f64> = (0..m * c).map(|_| rng.unit() - 0.5).collect();
    let tall = Dense::try_new(m, c, Layout::ColMajor, data).unwrap();
    let dir = TempDir::new("solve-alloc");
    let path = dir.join("tall.npy");
    write_dense(&path, tall.view()).unwrap();
    // SAFETY: the file is private to this test and not modified while mapped.
    let tall_mmap = unsafe { MmapDense::<f64>::open(&path) }
        .unwrap()
        .with_budget(256 << 10); // several blocks a pass
    let p = Problems {
        a,
        b,
        jac,
        graph,
        tall,
        tall_mmap,
    };

    check_all(&p, Par::Seq);

    // Called from inside a rayon pool (rayon allocates when a job is injected from outside a
    // pool; see tests/alloc.rs), after the warm-up calls `few_and_many` makes.
    // Every pool is built, and every worker started, before any is measured, and all live
    // to the end: a worker's start allocates (its thread, and crossbeam-epoch's registration
    // on its first steal) and so may a dropped pool's workers as they exit, and the counter
    // is process-wide, so neither may overlap a measured solver (it did once, under load).
    let pools: Vec<rayon::ThreadPool> = [1, 2, 3]
        .into_iter()
        .map(|threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.broadcast(|_| ());
            pool
        })
        .collect();
    for pool in &pools {
        pool.install(|| check_all(&p, Par::Rayon));
    }
}
