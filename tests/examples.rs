//! The example binaries that are not the `matvec` command (that one is tested in
//! `cli/tests/`), run as a user would: their answers against a dense reference, and one clean
//! `error: …` line with exit status 2 on bad input.
//!
//! `cargo test` builds the examples before running tests; if the binaries are missing (a
//! filtered build), the tests say so and pass, except in CI (`MATVEC_REQUIRE_PYTHON=1`),
//! where a missing binary fails.

mod common;

use common::TempDir;

use matvec::io::mtx;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let p = exe.parent()?.parent()?.join("examples").join(name);
    if p.exists() {
        Some(p)
    } else if std::env::var("MATVEC_REQUIRE_PYTHON").is_ok_and(|v| v == "1") {
        // CI (scripts/test.sh) runs everything: a missing binary is a failure there too.
        panic!("example binary {} not built", p.display());
    } else {
        eprintln!("skipping: example binary {} not built", p.display());
        None
    }
}

/// Runs the tool; returns (status code, stderr).
fn run(bin: &Path, args: &[&std::ffi::OsStr]) -> (i32, String) {
    let out = Command::new(bin).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `pagerank` example on a graph written to `.mtx`: its top nodes and scores against a
/// dense power iteration on the explicit Google matrix (uniform teleportation and dangling
/// rank, as the library documents), and one `error:` line with status 2 on a bad graph.
#[test]
fn cli_pagerank_top_nodes_match_dense_google_matrix() {
    let Some(bin) = example("pagerank") else {
        return;
    };
    let dir = TempDir::new("cli-pagerank");
    let n = 12;
    // Edges i → (i·5 + 1) mod n and i → (i·7 + 3) mod n for even i; odd i > 6 are dangling.
    let mut coo = matvec::Coo::<f64>::new(n, n);
    for i in 0..n {
        if i % 2 == 1 && i > 6 {
            continue;
        }
        coo.push(i, (i * 5 + 1) % n, 1.0);
        if i % 2 == 0 {
            coo.push(i, (i * 7 + 3) % n, 2.0);
        }
    }
    let mut dense = vec![0.0; n * n];
    for ((&i, &j), &v) in coo.rows().iter().zip(coo.cols()).zip(coo.values()) {
        dense[i as usize * n + j as usize] += v;
    }
    let path = dir.join("graph.mtx");
    mtx::write_coo(&path, &coo).unwrap();

    // Dense reference: x ← d·Pᵀx + (d·dangling + 1 − d)/n.
    let d = 0.85;
    let mut x = vec![1.0 / n as f64; n];
    for _ in 0..2000 {
        let mut next = vec![0.0; n];
        let mut dangling = 0.0;
        for i in 0..n {
            let out: f64 = dense[i * n..(i + 1) * n].iter().sum();
            if out == 0.0 {
                dangling += x[i];
                continue;
            }
            for j in 0..n {
                next[j] += d * x[i] * dense[i * n + j] / out;
            }
        }
        for v in next.iter_mut() {
            *v += (d * dangling + 1.0 - d) / n as f64;
        }
        x = next;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[b].total_cmp(&x[a]));

    let out = Command::new(&bin)
        .args([path.as_os_str(), OsStr::new("--top"), OsStr::new("3")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Rows of the table: "rank node score".
    let rows: Vec<(usize, f64)> = stdout
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            match f.as_slice() {
                [rank, node, score] if rank.parse::<usize>().is_ok() => {
                    Some((node.parse().ok()?, score.parse().ok()?))
                }
                _ => None,
            }
        })
        .collect();
    assert_eq!(rows.len(), 3, "{stdout}");
    for (k, (node, score)) in rows.iter().enumerate() {
        assert_eq!(*node, order[k], "{stdout}\nreference {x:?}");
        assert!((score - x[order[k]]).abs() < 1e-6 * x[order[k]], "{stdout}");
    }

    // A bad graph: not square.
    let bad = dir.join("bad.mtx");
    mtx::write_coo(&bad, &matvec::Coo::<f64>::new(3, 4)).unwrap();
    let (code, err) = run(&bin, &[bad.as_os_str()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("square") && err.lines().count() == 1,
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The `pca_out_of_core` example on its synthetic data set (planted singular values) and on a
/// missing file.
#[test]
fn cli_pca_out_of_core_recovers_planted_spectrum() {
    let Some(bin) = example("pca_out_of_core") else {
        return;
    };
    let args = [
        "--rows", "3000", "--cols", "40", "--k", "5", "--budget", "256KiB",
    ];
    let out = Command::new(&bin).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = stdout
        .lines()
        .find(|l| l.contains("largest relative error"))
        .unwrap_or_else(|| panic!("{stdout}"));
    let err: f64 = line
        .split("planted ones ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!(err < 1e-8, "{line}");

    let (code, err) = run(&bin, &[OsStr::new("/nonexistent/data.npy")]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{err}"
    );
}

/// The first number after `key` in `text`.
fn number_after(text: &str, key: &str) -> f64 {
    text.split(key)
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.trim_end_matches([',', ')']).parse().ok())
        .unwrap_or_else(|| panic!("no number after {key:?} in:\n{text}"))
}

/// The newcomer's tour (feature `faer`): both CGs converge on the streamed file to the known
/// solution, and the file is streamed under a budget smaller than it.
#[test]
fn cli_tour_solves_the_streamed_poisson_system_twice() {
    let Some(bin) = example("tour") else {
        return;
    };
    let out = Command::new(&bin)
        .args(["--grid", "60", "--budget", "64KiB"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("converged: true"), "{text}");
    let ours = text.lines().find(|l| l.contains("matvec CG")).unwrap();
    let faer = text.lines().find(|l| l.contains("faer CG")).unwrap();
    assert!(number_after(ours, "max error") < 1e-6, "{ours}");
    assert!(number_after(faer, "max error") < 1e-6, "{faer}");
}

/// faer's LSMR on a `.npy` larger than the budget (feature `faer`): the planted solution of a
/// consistent system, and the least-squares optimality of a noisy one.
#[test]
fn cli_least_squares_streams_a_file_larger_than_the_budget() {
    let Some(bin) = example("least_squares") else {
        return;
    };
    let dir = TempDir::new("lsq");
    for noise in ["0", "1e-3"] {
        let file = dir.join(format!("a{noise}.npy"));
        let out = Command::new(&bin)
            .args([
                "--rows", "20000", "--cols", "30", "--budget", "512KiB", "--noise", noise,
            ])
            .arg("--file")
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::metadata(&file).unwrap().len() > 4 * 512 * 1024,
            "file > budget"
        );
        let err = number_after(&text, "max |x - x*| =");
        if noise == "0" {
            assert!(err < 1e-8, "{text}");
        } else {
            assert!(number_after(&text, "‖Aᵀr‖/(‖A‖_F·‖r‖) =") < 1e-6, "{text}");
        }
    }
}
