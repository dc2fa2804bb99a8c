//! Bad input: a clear error, never a panic or a hang.

use super::*;

#[test]
fn bad_input_gets_clear_solver_errors() {
    let spd = random_spd(5, 3);
    let a = csr::<f64>(&spd);
    let rect = Csr::<f64>::zeros(5, 4);
    let b = random_vec(5, 4);
    let jac = Jacobi::from_diagonal(vec![1.0; 5]).unwrap();
    let cgo = || Options::<f64>::new();
    let mut x = vec![0.0; 5];
    let mut ws = CgWorkspace::new();

    // Non-square operator.
    expect_err(
        cg(&rect, &b, &mut x, cgo(), &mut ws),
        "cg",
        &["square", "5 x 4"],
    );
    expect_err(
        pcg(&rect, &jac, &b, &mut x, cgo(), &mut ws),
        "pcg",
        &["square"],
    );
    expect_err(
        fresh::power_iteration(&rect, &mut x, cgo()),
        "power_iteration",
        &["square"],
    );
    expect_err(
        fresh::pagerank(&rect, 0.85, None, &mut x, cgo()),
        "pagerank",
        &["square"],
    );
    expect_err(
        fresh::lanczos(&rect, 1, Which::Largest, cgo()),
        "lanczos",
        &["square"],
    );
    expect_err(Jacobi::from_csr(rect.view()), "Jacobi", &["square"]);

    // Wrong lengths.
    expect_err(
        cg(&a, &b[..4], &mut x, cgo(), &mut ws),
        "cg",
        &["b", "length 4", "5"],
    );
    expect_err(
        cg(&a, &b, &mut x[..3], cgo(), &mut ws),
        "cg",
        &["x", "length 3"],
    );
    expect_err(
        pcg(
            &a,
            &Jacobi::from_diagonal(vec![1.0; 4]).unwrap(),
            &b,
            &mut x,
            cgo(),
            &mut ws,
        ),
        "pcg",
        &["preconditioner", "4 x 4"],
    );
    expect_err(
        fresh::power_iteration(&a, &mut [1.0; 6], cgo()),
        "power_iteration",
        &["x", "length 6"],
    );
    expect_err(
        fresh::pagerank(&a, 0.85, None, &mut [0.0; 4], cgo()),
        "pagerank",
        &["x", "length 4"],
    );
    expect_err(
        fresh::pagerank(&a, 0.85, Some(&[1.0; 3]), &mut x, cgo()),
        "pagerank",
        &["personalization", "length 3"],
    );

    // k out of range.
    for k in [0, 6] {
        expect_err(
            fresh::lanczos(&a, k, Which::Largest, cgo()),
            "lanczos",
            &["k must be", &format!("got {k}")],
        );
    }
    let tall = Dense::<f64>::zeros(7, 3, Layout::RowMajor);
    for k in [0, 4] {
        expect_err(
            fresh::rsvd(&tall, k, Rsvd::default(), cgo()),
            "rsvd",
            &["k must be", "1..=3", &format!("got {k}")],
        );
    }

    // NaN and infinity in b or x.
    let mut bad = b.clone();
    bad[2] = f64::NAN;
    expect_err(cg(&a, &bad, &mut x, cgo(), &mut ws), "cg", &["b[2]", "NaN"]);
    let mut xb = vec![0.0; 5];
    xb[4] = f64::INFINITY;
    expect_err(
        cg(&a, &b, &mut xb, cgo(), &mut ws),
        "cg",
        &["x[4]", "finite"],
    );
    expect_err(
        pcg(&a, &jac, &bad, &mut x, cgo(), &mut ws),
        "pcg",
        &["b[2]"],
    );
    expect_err(
        fresh::power_iteration(&a, &mut xb.clone(), cgo()),
        "power_iteration",
        &["x[4]"],
    );
    expect_err(
        fresh::power_iteration(&a, &mut [0.0; 5], cgo()),
        "power_iteration",
        &["zero"],
    );
    expect_err(
        fresh::pagerank(&a, 0.85, None, &mut [0.0, f64::NAN, 0.0, 0.0, 0.0], cgo()),
        "pagerank",
        &["x[1]"],
    );

    // NaN inside the matrix: an error (not a hang, a panic or NaN output), from every solver.
    let mut nan_o = spd.clone();
    nan_o.a[1][3] = f64::NAN;
    nan_o.a[3][1] = f64::NAN;
    for (what, op) in [
        ("csr", Box::new(csr::<f64>(&nan_o)) as Box<dyn MatVec<f64>>),
        ("dense", Box::new(dense::<f64>(&nan_o, Layout::RowMajor))),
    ] {
        let _ = what;
        expect_err(cg(&*op, &b, &mut [0.0; 5], cgo(), &mut ws), "cg", &["NaN"]);
        expect_err(
            pcg(&*op, &jac, &b, &mut [0.0; 5], cgo(), &mut ws),
            "pcg",
            &["NaN"],
        );
        expect_err(
            fresh::power_iteration(&*op, &mut [1.0; 5], cgo()),
            "power_iteration",
            &["NaN"],
        );
        expect_err(
            fresh::lanczos(&*op, 2, Which::Largest, cgo()),
            "lanczos",
            &["NaN"],
        );
        expect_err(
            fresh::rsvd(&*op, 2, Rsvd::default(), cgo()),
            "rsvd",
            &["NaN"],
        );
        let mut g = nan_o.clone();
        for r in g.a.iter_mut() {
            for v in r.iter_mut() {
                *v = v.abs();
            }
        }
        expect_err(
            fresh::pagerank(&csr::<f64>(&g), 0.85, None, &mut [0.0; 5], cgo()),
            "pagerank",
            &["node 1"],
        );
    }
    // NaN on the diagonal, far from b's support (b = e₀, x = 0).
    let mut late = laplacian_1d(30);
    late.a[29][29] = f64::NAN;
    let mut e0 = vec![0.0; 30];
    e0[0] = 1.0;
    expect_err(
        cg(&csr::<f64>(&late), &e0, &mut [0.0; 30], cgo(), &mut ws),
        "cg",
        &["NaN"],
    );

    // Negative or NaN tolerance, for every solver.
    for tol in [-1e-8, f64::NAN, f64::INFINITY] {
        let o = || Options::new().tol(tol);
        expect_err(cg(&a, &b, &mut x, o(), &mut ws), "cg", &["tolerance"]);
        expect_err(
            pcg(&a, &jac, &b, &mut x, o(), &mut ws),
            "pcg",
            &["tolerance"],
        );
        expect_err(
            fresh::power_iteration(&a, &mut [1.0; 5], o()),
            "power_iteration",
            &["tolerance"],
        );
        expect_err(
            fresh::pagerank(&a, 0.85, None, &mut x, o()),
            "pagerank",
            &["tolerance"],
        );
        expect_err(
            fresh::lanczos(&a, 1, Which::Largest, o()),
            "lanczos",
            &["tolerance"],
        );
        expect_err(
            fresh::rsvd(&a, 1, Rsvd::default(), o()),
            "rsvd",
            &["tolerance"],
        );
    }

    // Damping outside [0, 1); bad personalization vectors.
    let g = coo::<f64>(&random_graph(5, 9)).to_csc();
    for d in [1.0, 1.5, -0.1, f64::NAN] {
        expect_err(
            fresh::pagerank(&g, d, None, &mut x, cgo()),
            "pagerank",
            &["damping"],
        );
    }
    expect_err(
        fresh::pagerank(&g, 0.85, Some(&[1.0, -1.0, 1.0, 1.0, 1.0]), &mut x, cgo()),
        "pagerank",
        &["personalization", "[1]", "non-negative"],
    );
    expect_err(
        fresh::pagerank(&g, 0.85, Some(&[0.0; 5]), &mut x, cgo()),
        "pagerank",
        &["personalization", "sum"],
    );
    let mut neg = Coo::<f64>::new(3, 3);
    neg.push(1, 0, -2.0);
    expect_err(
        fresh::pagerank(&neg.to_csc(), 0.85, None, &mut [0.0; 3], cgo()),
        "pagerank",
        &["node 1"],
    );

    // Not positive definite.
    let mut indef = Coo::<f64>::new(2, 2);
    indef.push(0, 0, 1.0);
    indef.push(1, 1, -1.0);
    let indef = indef.into_csr();
    expect_err(
        fresh::cg(&indef, &[1.0, 1.0], &mut [0.0, 0.0], cgo()),
        "cg",
        &["positive definite"],
    );
    let mut negdef = Coo::<f64>::new(3, 3);
    for i in 0..3 {
        negdef.push(i, i, -1.0 - i as f64);
    }
    expect_err(
        fresh::cg(&negdef.to_csr(), &[1.0, 2.0, 3.0], &mut [0.0; 3], cgo()),
        "cg",
        &["positive definite"],
    );
    expect_err(
        Jacobi::from_csr(negdef.to_csr().view()),
        "Jacobi",
        &["entry 0", "positive"],
    );
    expect_err(
        Jacobi::from_diagonal(vec![1.0, 0.0]),
        "Jacobi",
        &["entry 1"],
    );
    expect_err(
        Jacobi::from_diagonal(vec![f64::NAN]),
        "Jacobi",
        &["entry 0"],
    );

    // Not symmetric, for Lanczos.
    let mut nonsym = random_spd(30, 12);
    nonsym.a[3][17] += 1.0;
    for op in [
        Box::new(csr::<f64>(&nonsym)) as Box<dyn MatVec<f64>>,
        Box::new(dense::<f64>(
            &Oracle::random(40, 40, 0.3, 13, false),
            Layout::RowMajor,
        )),
    ] {
        expect_err(
            fresh::lanczos(&*op, 2, Which::Largest, cgo()),
            "lanczos",
            &["not symmetric"],
        );
    }
}
