//! Same-run comparison of the sparse kernels on the standard matrices (Poisson 1000², R-MAT
//! 2²⁰, uniform random 1 M × 16), interleaved round by round so that the machine's noise hits
//! every kernel alike; prints medians and same-round ratios.
//!
//! ```text
//! cargo run --release --example kernels                     # every matrix, 5 rounds
//! cargo run --release --example kernels -- poisson --rounds 9
//! cargo run --release --example kernels -- --write-npz DIR  # the matrices, for scipy
//! python3 scripts/scipy_spmv.py                             # scipy's A @ x beside ours
//! ```
//!
//! Kernels timed per matrix: CSR `mul_vec` with `Par::Seq` and `Par::Rayon`; a plain
//! scipy-style loop (one accumulator, bounds-checked indexing) as the reference for what a
//! straightforward implementation gets; a plain read of the same bytes (1 and all threads);
//! f32 values with f64 vectors; `mul_mat` with k = 8 against 8 separate products; the scatter
//! (`mul_vec_t`); `PatternCsr` where the matrix fits it. `dense` times the 8192² dense
//! products against the read. `--seq-only` times only the sequential CSR product and
//! `--coo-only` only `Coo::into_csr` on the R-MAT triplets (what the scipy script asks for).
//! Threads: rayon's global pool (`RAYON_NUM_THREADS`).

#[path = "../benches/common/mod.rs"]
mod common;

use common::{Streams, poisson2d, random_csr, rmat_coo, vector};
use matvec::{Csr, MatVec, Par, PatternCsr};
use std::hint::black_box;
use std::time::Instant;

/// Seeds of the benches (benches/spmv.rs), so the matrices are the same.
const SEED_RMAT: u64 = 7;
const SEED_RANDOM: u64 = 3;
const K: usize = 8;

/// Median (upper, for even lengths). Not `examples/support`'s: that module loads the bench
/// generators again, and this example uses more of them than it re-exports.
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Median wall time of `reps` calls, in ms, after two warm-up calls.
fn time(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    f();
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

/// The reference a straightforward implementation gets: scipy's `csr_matvec` loop, in Rust
/// with bounds-checked indexing.
#[inline(never)]
fn plain(a: &Csr<f64>, x: &[f64], y: &mut [f64]) {
    let (ptr, idx, val) = (a.row_ptr(), a.col_idx(), a.values());
    for (i, yi) in y.iter_mut().enumerate() {
        let mut s = 0.0;
        for k in ptr[i]..ptr[i + 1] {
            s += val[k] * x[idx[k] as usize];
        }
        *yi = s;
    }
}

fn matrix(name: &str) -> Csr<f64> {
    match name {
        "poisson" => poisson2d(1000),
        "rmat" => rmat_coo(20, 16, SEED_RMAT).into_csr(),
        "random" => random_csr(1_000_000, 16, SEED_RANDOM),
        _ => unreachable!("checked by main"),
    }
}

fn run(name: &str, a: &Csr<f64>, rounds: usize, reps: usize, seq_only: bool) {
    let (m, n) = a.shape();
    let x = vector(n, 1);
    let mut y = vec![0.0; m];
    if seq_only {
        let t = time(reps, || {
            a.mul_vec(1.0, black_box(&x), 0.0, black_box(&mut y), Par::Seq)
        });
        println!("{name} seq {t:.4}");
        return;
    }
    let xk = vector(n * K, 2);
    let mut yk = vec![0.0; m * K];
    let (a32, _) = a.to_f32();
    // The compact format, where the matrix fits it (Poisson does; R-MAT and random do not).
    let pattern = match PatternCsr::try_from_csr(a.view()) {
        Ok(p) => Some(p),
        Err(e) => {
            println!("\n{name}: {e}");
            None
        }
    };
    let threads = Par::Rayon.threads();
    // The read streams a second output-sized vector in place of `y` (the same bytes).
    let y_stand_in = vec![0.0; m];
    let streams = Streams::csr(a, &x, &y_stand_in);
    let read = |parts: usize| {
        rayon::scope(|s| {
            for p in 0..parts {
                s.spawn(move |_| {
                    black_box(streams.read_part(p, parts));
                });
            }
        })
    };
    let names = [
        "csr seq",
        "csr rayon",
        "plain loop seq",
        "read 1 thread",
        "read all threads",
        "f32 values rayon",
        "mul_mat k=8 rayon",
        "8 x mul_vec rayon",
        "mul_vec_t seq",
        "mul_vec_t rayon",
        "PatternCsr seq",
        "PatternCsr rayon",
    ];
    let mut t = vec![Vec::new(); names.len()];
    for _ in 0..rounds {
        let mut r = Vec::new();
        r.push(time(reps, || {
            a.mul_vec(1.0, &x, 0.0, black_box(&mut y), Par::Seq)
        }));
        r.push(time(reps, || {
            a.mul_vec(1.0, &x, 0.0, black_box(&mut y), Par::Rayon)
        }));
        r.push(time(reps, || plain(a, black_box(&x), black_box(&mut y))));
        r.push(time(reps, || read(1)));
        r.push(time(reps, || read(threads)));
        r.push(time(reps, || {
            a32.mul_vec(1.0, &x, 0.0, black_box(&mut y), Par::Rayon)
        }));
        r.push(time(reps, || {
            a.mul_mat(1.0, &xk, 0.0, black_box(&mut yk), Par::Rayon)
        }));
        r.push(time(reps, || {
            for j in 0..K {
                let yj = &mut yk[j * m..(j + 1) * m];
                a.mul_vec(1.0, &xk[j * n..(j + 1) * n], 0.0, black_box(yj), Par::Rayon);
            }
        }));
        r.push(time(reps, || {
            a.mul_vec_t(1.0, &y, 0.0, black_box(&mut yk[..n]), Par::Seq)
        }));
        r.push(time(reps, || {
            a.mul_vec_t(1.0, &y, 0.0, black_box(&mut yk[..n]), Par::Rayon)
        }));
        for par in [Par::Seq, Par::Rayon] {
            r.push(match &pattern {
                Some(p) => time(reps, || p.mul_vec(1.0, &x, 0.0, black_box(&mut y), par)),
                None => f64::NAN,
            });
        }
        for (tk, v) in t.iter_mut().zip(r) {
            tk.push(v);
        }
    }
    let med: Vec<f64> = t.iter().map(|v| median(v.clone())).collect();
    // Same-round ratio: the median over rounds of (a / b) in each round.
    let ratio = |a: usize, b: usize| median(t[a].iter().zip(&t[b]).map(|(x, y)| x / y).collect());
    println!(
        "\n{name}: {m} x {n}, {} nonzeros, {threads} threads, {rounds} rounds of {reps}",
        a.nnz()
    );
    for (k, label) in names.iter().enumerate() {
        println!("  {label:<20} {:>9.3} ms", med[k]);
    }
    println!("  ratios (median of same-round ratios):");
    println!("    csr seq / plain loop       {:.3}", ratio(0, 2));
    println!("    csr rayon / read all       {:.3}", ratio(1, 4));
    println!("    csr seq / read 1 thread    {:.3}", ratio(0, 3));
    println!("    f32 values / f64 (rayon)   {:.3}", ratio(5, 1));
    println!("    mul_mat k=8 / 8 x mul_vec  {:.3}", ratio(6, 7));
    println!("    mul_vec_t rayon / seq      {:.3}", ratio(9, 8));
    if let Some(p) = &pattern {
        println!("    PatternCsr / csr, seq      {:.3}", ratio(10, 0));
        println!("    PatternCsr / csr, rayon    {:.3}", ratio(11, 1));
        println!(
            "    bytes a nonzero: csr {:.2}, PatternCsr {:.2} ({} patterns)",
            a.bytes_per_nnz().unwrap_or(0.0),
            p.bytes_per_nnz().unwrap_or(0.0),
            p.patterns()
        );
    }
}

/// The dense matrix (8192², row-major): `mul_vec` is a dot per row, `mul_vec_t` an axpy.
fn run_dense(rounds: usize, reps: usize) {
    let n = 8192;
    let data = vector(n * n, 5);
    let a = matvec::Dense::try_new(n, n, matvec::Layout::RowMajor, data).expect("n * n");
    let (a32, _) = a.to_f32();
    let x = vector(n, 1);
    let mut y = vec![0.0; n];
    let y_stand_in = vec![0.0; n];
    let streams = Streams::dense(a.data(), &x, &y_stand_in);
    let threads = Par::Rayon.threads();
    let names = [
        "mul_vec rayon",
        "mul_vec_t rayon",
        "f32 values mul_vec rayon",
        "f32 values mul_vec_t rayon",
        "read all threads",
    ];
    let mut t = vec![Vec::new(); names.len()];
    for _ in 0..rounds {
        let r = [
            time(reps, || {
                a.mul_vec(1.0, &x, 0.0, black_box(&mut y), Par::Rayon)
            }),
            time(reps, || {
                a.mul_vec_t(1.0, &x, 0.0, black_box(&mut y), Par::Rayon)
            }),
            time(reps, || {
                a32.mul_vec(1.0, &x, 0.0, black_box(&mut y), Par::Rayon)
            }),
            time(reps, || {
                a32.mul_vec_t(1.0, &x, 0.0, black_box(&mut y), Par::Rayon)
            }),
            time(reps, || {
                rayon::scope(|s| {
                    for p in 0..threads {
                        s.spawn(move |_| {
                            black_box(streams.read_part(p, threads));
                        });
                    }
                })
            }),
        ];
        for (tk, v) in t.iter_mut().zip(r) {
            tk.push(v);
        }
    }
    let ratio = |a: usize, b: usize| median(t[a].iter().zip(&t[b]).map(|(x, y)| x / y).collect());
    println!(
        "\ndense: {n} x {n} f64, row-major, {threads} threads, {rounds} rounds of {reps}, \
         kernels: {}",
        matvec::instruction_set()
    );
    for (k, label) in names.iter().enumerate() {
        println!("  {label:<28} {:>9.3} ms", median(t[k].clone()));
    }
    println!(
        "  ratios: mul_vec / read {:.3}, mul_vec_t / read {:.3}, f32 mul_vec / read {:.3}",
        ratio(0, 4),
        ratio(1, 4),
        ratio(2, 4)
    );
}

/// `Coo::into_csr` on the R-MAT triplets (16 M, the bench's): median of `reps` conversions,
/// each of a fresh clone (the clone is not timed). With `dir`, writes the triplets instead
/// (`rmat_coo_rows.npy`, `_cols`, `_vals`, as f64) for `scripts/scipy_spmv.py`.
fn run_coo(reps: usize, dir: Option<&str>) -> Result<(), String> {
    let coo = rmat_coo(20, 16, SEED_RMAT);
    if let Some(dir) = dir {
        let d = std::path::Path::new(dir);
        let as_f64 = |v: &[u32]| v.iter().map(|&i| f64::from(i)).collect::<Vec<f64>>();
        let err = |e: matvec::Error| e.to_string();
        matvec::io::npy::write_vector(d.join("rmat_coo_rows.npy"), &as_f64(coo.rows()))
            .map_err(err)?;
        matvec::io::npy::write_vector(d.join("rmat_coo_cols.npy"), &as_f64(coo.cols()))
            .map_err(err)?;
        matvec::io::npy::write_vector(d.join("rmat_coo_vals.npy"), coo.values()).map_err(err)?;
        return Ok(());
    }
    let mut t = Vec::new();
    for _ in 0..reps {
        let c = coo.clone();
        let start = Instant::now();
        black_box(c.into_csr());
        t.push(start.elapsed().as_secs_f64() * 1e3);
    }
    println!("coo into_csr {:.4} ({} triplets)", median(t), coo.nnz());
    Ok(())
}

fn main() -> Result<(), String> {
    let mut which = Vec::new();
    let (mut rounds, mut reps, mut seq_only, mut npz_dir) = (5, 20, false, None);
    let mut coo_only = false;
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut num = |flag: &str| -> Result<usize, String> {
            it.next()
                .and_then(|v| v.parse().ok())
                .ok_or(format!("{flag} needs a positive number"))
        };
        match arg.as_str() {
            "poisson" | "rmat" | "random" | "dense" => which.push(arg),
            "--rounds" => rounds = num("--rounds")?.max(1),
            "--reps" => reps = num("--reps")?.max(1),
            "--seq-only" => seq_only = true,
            "--coo-only" => coo_only = true,
            "--write-npz" => npz_dir = Some(it.next().ok_or("--write-npz needs a directory")?),
            "-h" | "--help" => {
                println!(
                    "kernels [poisson|rmat|random]... [--rounds R] [--reps N] [--seq-only] [--write-npz DIR]"
                );
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if coo_only {
        return run_coo(reps, npz_dir.as_deref());
    }
    if which.is_empty() {
        which = ["poisson", "rmat", "random"].map(String::from).to_vec();
    }
    for name in &which {
        if name == "dense" {
            run_dense(rounds, reps);
            continue;
        }
        let a = matrix(name);
        if let Some(dir) = &npz_dir {
            let path = std::path::Path::new(dir).join(format!("{name}.npz"));
            matvec::io::npz::write_csr(&path, a.view()).map_err(|e| e.to_string())?;
            println!("wrote {}", path.display());
        } else {
            run(name, &a, rounds, reps, seq_only);
        }
    }
    Ok(())
}
