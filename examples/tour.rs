//! `tour`: the whole path for a newcomer, on a generated problem — a Matrix Market file,
//! converted to an aligned `.npz`, streamed from disk under a memory budget far below its size,
//! and solved twice: by our conjugate gradients and by faer's, through the faer bridge. Each
//! step prints its time, then the peak resident memory of the streamed solves, then what the
//! bridge costs (faer's CG on faer's own sparse matrix against our CSR through `FaerOp`).
//!
//! ```sh
//! cargo run --release --features faer --example tour
//! cargo run --release --features faer --example tour -- --grid 600 --budget 4MiB
//! ```
//!
//! The matrix is the 2-D Poisson (5-point) matrix on a `grid × grid` mesh, `b = A·1`, so the
//! exact solution is all ones and the printed error is against it. The same conversion is
//! `matvec convert A.mtx A.npz`, and `matvec info A.npz` says what the file holds.

mod support;

use clap::Parser;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::matrix_free::{IdentityPrecond, conjugate_gradient};
use matvec::interop::FaerOp;
use matvec::io::{mtx, npz};
use matvec::memory::format_bytes;
use matvec::solve::{CgWorkspace, Options, cg};
use matvec::stream::StreamCsr;
use matvec::{Csr, Footprint, MatVec, Par};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "Matrix Market -> aligned .npz -> streamed under a budget -> our CG and faer's")]
struct Args {
    /// Mesh side: the matrix has grid² rows and about 5·grid² nonzeros.
    #[arg(long, default_value_t = 300)]
    grid: usize,
    /// Memory budget of the streamed matrix, e.g. 1MiB.
    #[arg(long, default_value = "1MiB", value_parser = matvec::memory::parse_size)]
    budget: usize,
    /// Relative residual to stop at.
    #[arg(long, default_value_t = 1e-8)]
    tol: f64,
    /// Where to write the files (default: a fresh directory under the system's temp dir,
    /// removed at the end).
    #[arg(long)]
    dir: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    match support::parse_args::<Args>() {
        Ok(args) => support::finish(run(&args).map_err(|e| e.to_string())),
        Err(code) => code,
    }
}

fn seconds(t: Instant) -> String {
    format!("{:.2} s", t.elapsed().as_secs_f64())
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let (dir, temporary) = match &args.dir {
        Some(d) => (d.clone(), false),
        None => {
            let d = std::env::temp_dir().join(format!("matvec-tour-{}", std::process::id()));
            (d, true)
        }
    };
    std::fs::create_dir_all(&dir)?;
    let (mtx_path, npz_path) = (dir.join("poisson.mtx"), dir.join("poisson.npz"));

    // 1. A Matrix Market file, as sparse collections publish them.
    let t = Instant::now();
    let generated = support::poisson2d(args.grid);
    mtx::write_csr(&mtx_path, generated.view())?;
    let mtx_len = std::fs::metadata(&mtx_path)?.len() as usize;
    drop(generated);
    println!(
        "1. wrote {} ({}; {} x {} rows, Matrix Market text) in {}",
        mtx_path.display(),
        format_bytes(mtx_len),
        args.grid,
        args.grid,
        seconds(t)
    );

    // 2. Read it (parsed on all cores) and write the aligned, uncompressed .npz that can be
    //    mapped or streamed (what `matvec convert A.mtx A.npz` does).
    let t = Instant::now();
    let a: Csr<f64> = mtx::read_csr(&mtx_path)?;
    let read = seconds(t);
    let t = Instant::now();
    npz::write_csr(&npz_path, a.view())?;
    let npz_len = std::fs::metadata(&npz_path)?.len() as usize;
    println!(
        "2. read it in {read} ({} nonzeros, {} as CSR in memory), wrote {} ({}) in {}",
        a.nnz(),
        format_bytes(a.heap_bytes()),
        npz_path.display(),
        format_bytes(npz_len),
        seconds(t)
    );
    let n = a.nrows();
    let ones = vec![1.0; n];
    let mut b = vec![0.0; n];
    a.mul_vec(1.0, &ones, 0.0, &mut b, Par::Rayon);
    drop(a); // from here on, the matrix is only on disk

    // 3. Stream it: blocks of rows balanced by nonzeros, read into buffers the budget sizes.
    let info = npz::info(&npz_path)?;
    let streamed = StreamCsr::<f64, usize>::open(&npz_path)?.with_budget(args.budget)?;
    println!(
        "3. streaming {} ({} x {}, {} nonzeros, {}) under a {} budget",
        npz_path.display(),
        info.nrows,
        info.ncols,
        info.nnz,
        if info.compressed {
            "compressed"
        } else {
            "stored"
        },
        format_bytes(args.budget)
    );
    support::reset_peak_resident();

    // 4. Our CG on the streamed operator (one pass over the file per iteration).
    let t = Instant::now();
    let mut x = vec![0.0; n];
    let report = cg(
        &streamed,
        &b,
        &mut x,
        Options::new().tol(args.tol).max_iter(20 * args.grid),
        &mut CgWorkspace::new(),
    )?;
    println!(
        "4. matvec CG: {} iterations, {} passes over the file, residual {:.1e} (converged: \
         {}), max error {:.1e}, in {}",
        report.iterations,
        report.passes,
        report.residual,
        report.converged,
        max_error(&x),
        seconds(t)
    );

    // 5. faer's CG on the same streamed operator, through the bridge.
    let t = Instant::now();
    let mut y = vec![0.0; n];
    let faer_info = faer_cg(&FaerOp::new(&streamed), &b, &mut y, args);
    let line = |what: &str, info: Result<usize, String>, y: &[f64], t: Instant| match info {
        Ok(iters) => println!(
            "{what}: {iters} iterations, max error {:.1e}, in {}",
            max_error(y),
            seconds(t)
        ),
        Err(e) => println!("{what}: did not converge: {e} ({})", seconds(t)),
    };
    line("5. faer CG on the streamed file", faer_info, &y, t);
    // 6. What it cost in memory.
    match support::peak_resident_bytes() {
        Some(peak) => println!(
            "6. peak resident memory while solving from the file: {} (the matrix file is {}, the budget {}, \
             each vector {})",
            format_bytes(peak),
            format_bytes(npz_len),
            format_bytes(args.budget),
            format_bytes(8 * n)
        ),
        None => println!("6. peak resident memory: not available on this system"),
    }
    // 7. What the bridge itself costs: faer's CG on the matrix in memory, as faer's own
    //    sparse type and as our CSR through `FaerOp` (the same kernel work but for the
    //    product's implementation).
    let a: Csr<f64, usize> = npz::read_csr(&npz_path)?;
    let t = Instant::now();
    let info = faer_cg(&a.view().to_faer(), &b, &mut y, args);
    line("7. faer CG in memory, faer's sparse matrix", info, &y, t);
    let t = Instant::now();
    let info = faer_cg(&FaerOp::new(&a), &b, &mut y, args);
    line("   faer CG in memory, our CSR via FaerOp", info, &y, t);
    if temporary {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}

/// faer's conjugate gradients on `op` from `y = 0`: its iteration count, or why it stopped.
fn faer_cg(
    op: &impl faer::matrix_free::LinOp<f64>,
    b: &[f64],
    y: &mut [f64],
    args: &Args,
) -> Result<usize, String> {
    let n = b.len();
    y.fill(0.0);
    let precond = IdentityPrecond { dim: n };
    let par = faer::Par::rayon(0);
    let mut mem = MemBuffer::new(conjugate_gradient::conjugate_gradient_scratch(
        precond, op, 1, par,
    ));
    let params = conjugate_gradient::CgParams {
        rel_tolerance: args.tol,
        max_iters: 20 * args.grid,
        ..Default::default()
    };
    conjugate_gradient::conjugate_gradient(
        faer::MatMut::from_column_major_slice_mut(y, n, 1),
        precond,
        op,
        faer::MatRef::from_column_major_slice(b, n, 1),
        params,
        |_| {},
        par,
        MemStack::new(&mut mem),
    )
    .map(|i| i.iter_count)
    .map_err(|e| format!("{e:?}"))
}

/// Largest distance from the exact solution (all ones).
fn max_error(x: &[f64]) -> f64 {
    x.iter().map(|v| (v - 1.0).abs()).fold(0.0, f64::max)
}
