//! PageRank, against a dense iteration on the explicit Google matrix.

use super::*;

/// PageRank by plain power iteration on the explicitly formed `n × n` Google matrix
/// `M = d·P + (1 − d)·1·vᵀ`, with `P` the row-normalized adjacency and dangling rows
/// replaced by `vᵀ`: `x ← Mᵀ·x` until it stops changing.
pub(crate) fn pagerank_dense(w: &Oracle, d: f64, pers: Option<&[f64]>) -> Vec<f64> {
    let n = w.nrows;
    let v: Vec<f64> = match pers {
        None => vec![1.0 / n as f64; n],
        Some(p) => {
            let s: f64 = p.iter().sum();
            p.iter().map(|x| x / s).collect()
        }
    };
    let mut g = zeros(n, n);
    for i in 0..n {
        let out: f64 = w.a[i].iter().sum();
        for j in 0..n {
            let pij = if out > 0.0 { w.a[i][j] / out } else { v[j] };
            g.a[i][j] = d * pij + (1.0 - d) * v[j];
        }
    }
    let mut x = vec![1.0 / n as f64; n];
    for _ in 0..5000 {
        let mut y = g.apply(true, 1.0, &x, 0.0, &x);
        // Renormalize: Mᵀ preserves the sum only up to rounding, which would drift.
        let s: f64 = y.iter().sum();
        y.iter_mut().for_each(|v| *v /= s);
        let change = l1_dist(&y, &x);
        x = y;
        if change < 1e-17 {
            break;
        }
    }
    x
}

pub(crate) fn random_graph(n: usize, seed: u64) -> Oracle {
    let mut rng = Rng::new(seed);
    let mut w = zeros(n, n);
    for i in 0..n {
        if i % 6 == 2 {
            continue; // dangling node
        }
        for _ in 0..1 + rng.below(5) {
            let j = rng.below(n);
            w.a[i][j] += 0.5 + rng.unit() * 2.0; // weighted, self-loops allowed
        }
    }
    w
}

#[test]
fn pagerank_matches_dense_google_matrix_iteration() {
    let dir = TempDir::new("solve-pagerank");
    let n = 70;
    let w = random_graph(n, 41);
    assert!(
        w.a.iter().any(|r| r.iter().all(|&v| v == 0.0)),
        "no dangling node"
    );
    let mut pers = random_vec(n, 42)
        .iter()
        .map(|v| v.abs() * 3.0)
        .collect::<Vec<_>>();
    pers[5] = 0.0;
    pers[9] = 0.0;
    let ops: Vec<(&str, Box<dyn MatVec<f64>>)> = vec![
        ("csr", Box::new(csr::<f64>(&w))),
        ("csc", Box::new(coo::<f64>(&w).to_csc())),
        ("coo", Box::new(coo::<f64>(&w))),
        ("dense", Box::new(dense::<f64>(&w, Layout::RowMajor))),
        (
            "mmap row-major",
            Box::new(mmap::<f64>(&w, &dir, "graph", Layout::RowMajor, 4 << 10)),
        ),
        (
            "mmap col-major",
            Box::new(mmap::<f64>(&w, &dir, "graph", Layout::ColMajor, 4 << 10)),
        ),
        (
            "transposed csr of the reversed graph",
            Box::new(Transposed(csr::<f64>(&Oracle {
                nrows: n,
                ncols: n,
                a: (0..n)
                    .map(|j| (0..n).map(|i| w.a[i][j]).collect())
                    .collect(),
            }))),
        ),
    ];
    for d in [0.85, 0.5, 0.0] {
        for p in [None, Some(&pers[..])] {
            let want = pagerank_dense(&w, d, p);
            for (what, g) in &ops {
                let mut x = vec![0.0; n];
                let rep = fresh::pagerank(&**g, d, p, &mut x, Options::new().tol(1e-14)).unwrap();
                let ctx = format!("d={d} pers={} {what}: {rep:?}", p.is_some());
                assert!(
                    rep.converged && rep.residual <= 1e-14 && rep.iterations >= 1,
                    "{ctx}"
                );
                assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-13, "{ctx}");
                let err = l1_dist(&x, &want);
                assert!(err < 1e-12, "{ctx}: L1 error {err}");
            }
        }
    }
    // A non-uniform start vector is normalized and converges to the same answer.
    let want = pagerank_dense(&w, 0.85, None);
    let mut x: Vec<f64> = (0..n).map(|i| (i % 4) as f64).collect();
    fresh::pagerank(&ops[1].1, 0.85, None, &mut x, Options::new().tol(1e-14)).unwrap();
    assert!(l1_dist(&x, &want) < 1e-12);
}

#[test]
fn pagerank_known_small_graphs() {
    let n = 9;
    // Symmetric cycle (each node links to both neighbours): uniform.
    let mut g = Coo::<f64>::new(n, n);
    for i in 0..n {
        g.push(i, (i + 1) % n, 1.0);
        g.push(i, (i + n - 1) % n, 1.0);
    }
    let g = g.into_csc();
    let mut x = vec![0.0; n];
    let rep = fresh::pagerank(&g, 0.85, None, &mut x, Options::new().tol(1e-14)).unwrap();
    assert!(rep.converged);
    for v in &x {
        assert!((v - 1.0 / n as f64).abs() < 1e-15, "{x:?}");
    }
    // Directed cycle from a skewed start: still uniform.
    let mut g = Coo::<f64>::new(n, n);
    for i in 0..n {
        g.push(i, (i + 1) % n, 2.5);
    }
    let g = g.into_csr();
    let mut x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let rep = fresh::pagerank(&g, 0.85, None, &mut x, Options::new().tol(1e-14)).unwrap();
    assert!(rep.converged);
    for v in &x {
        assert!((v - 1.0 / n as f64).abs() < 1e-13, "{x:?}");
    }
    // Star: leaves → hub, hub → every leaf. Hub rank h satisfies h = (1−d)/n + d·(1 − h),
    // so h = ((1−d)/n + d)/(1 + d); leaves share the rest.
    let d = 0.85;
    let mut g = Coo::<f64>::new(n, n);
    for i in 1..n {
        g.push(i, 0, 1.0);
        g.push(0, i, 1.0);
    }
    let g = g.into_csc();
    let mut x = vec![0.0; n];
    fresh::pagerank(&g, d, None, &mut x, Options::new().tol(1e-15)).unwrap();
    let h = ((1.0 - d) / n as f64 + d) / (1.0 + d);
    assert!((x[0] - h).abs() < 1e-14, "{} vs {h}", x[0]);
    for v in &x[1..] {
        assert!((v - (1.0 - h) / (n - 1) as f64).abs() < 1e-14);
    }
    // All nodes dangling (no edges): the personalization vector itself.
    let g = Csr::<f64>::zeros(4, 4);
    let p = [1.0, 0.0, 3.0, 0.0];
    let mut x = vec![0.0; 4];
    fresh::pagerank(&g, 0.85, Some(&p), &mut x, Options::new().tol(1e-15)).unwrap();
    assert_eq!(x, [0.25, 0.0, 0.75, 0.0]);
}
