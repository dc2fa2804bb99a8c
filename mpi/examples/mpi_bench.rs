//! `mpirun -np N mpi_bench [--k 1000] [--reps 50] [--matrix FILE]`: the overheads of
//! distribution on the 5-point Poisson matrix of a k × k grid, each process generating only
//! its own rows (no process ever holds the whole matrix), or on a matrix read from a `.npz`
//! or `.mtx` (each process reading only its rows, or its byte range of the text). Rank 0
//! prints one line: processes, threads per process, load time (generate or read, with the
//! partition, the split into blocks and the halo plan), median product time, the ratio of
//! the two, halo entries and bytes per product (summed over processes), `sum(A·1)` (4k for
//! the Poisson matrix), and the largest per-process peak resident memory (VmHWM).
//!
//! Compare, in one session: `RAYON_NUM_THREADS=2 mpirun -np 1 ...` (1 process × 2 threads),
//! `RAYON_NUM_THREADS=1 mpirun -np 2 ...` (2 processes × 1 thread), and `-np 4` for memory.

mod support;

use clap::Parser;
use matvec::{Csr, MatVec, Par};
use matvec_mpi::{DistCsr, Layout, read_matrix};
use mpi::collective::SystemOperation;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::time::Instant;

/// Distribution overheads on the Poisson matrix.
#[derive(Parser)]
struct Args {
    /// Grid side: the matrix is k² × k².
    #[arg(long, default_value_t = 1000)]
    k: usize,
    /// Products timed (the median is printed).
    #[arg(long, default_value_t = 50)]
    reps: usize,
    /// Read the matrix from this `.npz` or `.mtx` (each process reading only its rows or its
    /// byte range) instead of generating it: the peak memory then includes the reading.
    #[arg(long)]
    matrix: Option<std::path::PathBuf>,
}

/// Rows `r` of the Poisson matrix of a k × k grid, with global column indices.
fn poisson_rows(k: usize, r: std::ops::Range<usize>) -> Csr<f64, usize> {
    let mut ptr = Vec::with_capacity(r.len() + 1);
    let (mut idx, mut val) = (
        Vec::with_capacity(5 * r.len()),
        Vec::with_capacity(5 * r.len()),
    );
    ptr.push(0);
    for row in r.clone() {
        let (i, j) = (row / k, row % k);
        let mut push = |c: usize, v: f64| {
            idx.push(c);
            val.push(v);
        };
        if i > 0 {
            push(row - k, -1.0);
        }
        if j > 0 {
            push(row - 1, -1.0);
        }
        push(row, 4.0);
        if j + 1 < k {
            push(row + 1, -1.0);
        }
        if i + 1 < k {
            push(row + k, -1.0);
        }
        ptr.push(idx.len());
    }
    Csr::try_new(r.len(), k * k, ptr, idx, val).expect("a valid matrix")
}

/// Peak resident memory of this process, in bytes (VmHWM).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let (universe, args) = support::parse::<Args>(support::start());
    let result = run(&universe.world(), &args);
    support::finish(universe, result);
}

/// The matrix, how it was made, and the time its rows were partitioned in (when measured
/// apart from the rest).
fn load(
    world: &SimpleCommunicator,
    args: &Args,
) -> matvec_mpi::Result<(DistCsr<f64>, String, Option<f64>)> {
    let (p, me) = (world.size() as usize, world.rank() as usize);
    if let Some(path) = &args.matrix {
        let a = read_matrix::<f64>(world, path)?;
        return Ok((a, format!("read {}", path.display()), None));
    }
    let n = args.k * args.k;
    let tp = Instant::now();
    // Every row costs about 5 nonzeros + 1 (boundary rows, 4k of k², a little less): without
    // the matrix, each process cuts the rows by that cost, as `read_npz` does by `indptr`.
    let layout = Layout::balanced(n, p, |i| 6 * i);
    let partition = tp.elapsed().as_secs_f64();
    let local = poisson_rows(args.k, layout.range(me));
    let a = DistCsr::from_local_rows(world, layout.clone(), layout, local)?;
    Ok((
        a,
        format!("generated Poisson k = {}", args.k),
        Some(partition),
    ))
}

fn run(world: &SimpleCommunicator, args: &Args) -> matvec_mpi::Result<()> {
    let (p, me) = (world.size() as usize, world.rank() as usize);
    world.barrier();
    let t0 = Instant::now();
    let (a, source, partition) = load(world, args)?;
    world.barrier();
    let load_time = t0.elapsed().as_secs_f64();
    let n = a.global_shape().0;
    let x = vec![1.0; a.ncols()];
    let mut y = vec![0.0; a.nrows()];
    let mut times = Vec::with_capacity(args.reps);
    for _ in 0..args.reps.max(1) {
        world.barrier();
        let t = Instant::now();
        a.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
        world.barrier();
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let product = times[times.len() / 2];
    let (blocks, plan) = a.setup_times();
    let max = |v: f64| {
        let mut m = 0f64;
        world.all_reduce_into(&v, &mut m, SystemOperation::max());
        m
    };
    let (blocks_max, plan_max) = (max(blocks.as_secs_f64()), max(plan.as_secs_f64()));
    let (mut halo, mut rss) = (0u64, 0u64);
    world.all_reduce_into(
        &(a.halo_received() as u64),
        &mut halo,
        SystemOperation::sum(),
    );
    world.all_reduce_into(&peak_rss(), &mut rss, SystemOperation::max());
    // y = A·1 sums each row: for the Poisson matrix, 4k from the boundary rows (a check
    // that the product ran, and that a file holds what it should).
    let mut s = 0.0;
    world.all_reduce_into(&y.iter().sum::<f64>(), &mut s, SystemOperation::sum());
    if me == 0 {
        if args.matrix.is_none() {
            let want = 4.0 * args.k as f64;
            assert!((s - want).abs() < 1e-6, "sum of A·1 = {s}, expected {want}");
        }
        let partition =
            partition.map_or("in the read".to_string(), |t| format!("{:.3} ms", t * 1e3));
        println!(
            "processes {p} x threads {}: {source}, n {n}, load {:.1} ms (partition {partition} \
             + plan {:.3} ms = {:.2} products of plan; blocks {:.1} ms), product {:.3} ms \
             (median of {}), load/product {:.2}, halo {halo} entries = {} bytes per product, \
             sum(A·1) {s}, peak RSS per process (max) {:.1} MiB",
            rayon::current_num_threads(),
            load_time * 1e3,
            plan_max * 1e3,
            plan_max / product,
            blocks_max * 1e3,
            product * 1e3,
            times.len(),
            load_time / product,
            halo * 8,
            rss as f64 / (1 << 20) as f64
        );
    }
    Ok(())
}
