//! After setup, distributed products allocate nothing, both ways: counted with the `matvec`
//! allocation test's counting allocator (this process's Rust allocations; the MPI library's
//! own buffers are C's and not counted). Sequential products only: a `DistCsr` holds a
//! communicator, which is not `Sync`, so it cannot be used inside `pool.install`, and calls
//! from outside a pool hand their jobs to rayon's injector, whose queue allocates now and
//! then. The local kernels' parallel products are counted in `tests/alloc` (`Csr`, in a pool).

use crate::counting::counted;
use crate::matrices::{poisson, random, rmat};
use matvec::{MatVec, Par};
use matvec_mpi::DistCsr;
use mpi::topology::SimpleCommunicator;

/// Allocations during `reps` products each way; every process makes the same calls (they are collective).
fn products(d: &DistCsr<f64>, reps: usize, y: &mut [f64], yt: &mut [f64]) -> usize {
    let x = vec![1.0; d.ncols()];
    let xt = vec![1.0; d.nrows()];
    counted(|| {
        for _ in 0..reps {
            d.mul_vec(1.0, &x, 0.5, y, Par::Seq);
            d.mul_vec_t(1.0, &xt, 0.5, yt, Par::Seq);
        }
    })
    .0
}

/// Every matrix, after one warm-up round.
pub(crate) fn check_all(world: &SimpleCommunicator) {
    for (name, a) in [
        ("poisson", poisson(30)),
        ("R-MAT", rmat(9, 4000, 21)),
        ("rectangular", random(40, 70, 400, 22)),
    ] {
        let d = DistCsr::from_global(world, &a).expect("setup");
        let (mut y, mut yt) = (vec![0.0; d.nrows()], vec![0.0; d.ncols()]);
        products(&d, 1, &mut y, &mut yt);
        let n = products(&d, 5, &mut y, &mut yt);
        assert_eq!(n, 0, "{name}: products allocated {n} times");
    }
}
