//! What is accepted: every field and symmetry, blanks, comments, duplicates, chunking and threads.

use super::*;

#[test]
fn mtx_header_reports_banner_and_size() {
    let r = reader("%%MatrixMarket matrix coordinate integer skew-symmetric\n% c\n\n4 4 0\n");
    let h: &MtxHeader = r.header();
    assert_eq!(
        (h.format, h.field, h.symmetry),
        (
            MtxFormat::Coordinate,
            MtxField::Integer,
            MtxSymmetry::SkewSymmetric
        )
    );
    assert_eq!((h.nrows, h.ncols, h.entries), (4, 4, 0));
    assert_eq!(r.path(), Path::new("t.mtx"));
    let h = reader("%%MatrixMarket matrix array real symmetric\n3 3\n")
        .header()
        .clone();
    assert_eq!(h.entries, 6);
    let h = reader("%%MatrixMarket matrix array real skew-symmetric\n3 3\n")
        .header()
        .clone();
    assert_eq!(h.entries, 3);
    assert_eq!(
        h.to_string(),
        "matrix array real skew-symmetric, 3 x 3, 3 entries"
    );
}

#[test]
fn mtx_banner_is_case_insensitive() {
    for banner in [
        "%%MatrixMarket matrix coordinate real general",
        "%%MATRIXMARKET MATRIX COORDINATE REAL GENERAL",
        "%%matrixmarket Matrix Coordinate Real General",
        "  %%MatrixMarket\tmatrix  coordinate real   general  ",
        "%%MatrixMarket matrix coordinate real general\r",
    ] {
        let a = coo(&format!("{banner}\n2 2 1\n2 1 5\n"));
        assert_eq!(
            (a.rows(), a.cols(), a.values()),
            (&[1][..], &[0][..], &[5.0][..])
        );
    }
    let h = reader("%%MatrixMarket matrix coordinate double general\n1 1 0\n")
        .header()
        .clone();
    assert_eq!(h.field, MtxField::Real);
    let h = reader("%%MatrixMarket MATRIX Array INTEGER Skew-Symmetric\n2 2\n")
        .header()
        .clone();
    assert_eq!(
        (h.format, h.field, h.symmetry),
        (
            MtxFormat::Array,
            MtxField::Integer,
            MtxSymmetry::SkewSymmetric
        )
    );
}

#[test]
fn mtx_comments_and_blank_lines_are_skipped_anywhere() {
    let text = "%%MatrixMarket matrix coordinate real general\n\
                % a comment\n\
                \n\
                   % indented comment\n\
                \t\n\
                3 3 3\n\
                % between entries\n\
                1 1 1\n\
                \n\
                \x20 2\t2   2.5  \n\
                %%\n\
                3 3 -3\r\n\
                \n\
                % trailing\n";
    let a = coo(text);
    assert_eq!(a.values(), [1.0, 2.5, -3.0]);
    assert_eq!(a.rows(), [0, 1, 2]);
    // Array files too, and a last line without its newline.
    let d = reader("%%MatrixMarket matrix array real general\n% c\n2 1\n\n1.5\n% c\n-2")
        .read_dense::<f64>()
        .unwrap();
    assert_eq!(d.data(), [1.5, -2.0]);
}

#[test]
fn mtx_crlf_line_ends_are_accepted() {
    let text = "%%MatrixMarket matrix coordinate pattern symmetric\r\n%\r\n3 3 2\r\n2 1\r\n3 3\r\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [0., 1., 0., 1., 0., 0., 0., 0., 1.]);
}

#[test]
fn mtx_duplicates_are_kept_by_coo_and_summed_by_csr() {
    let text =
        "%%MatrixMarket matrix coordinate real general\n2 2 4\n1 2 1\n2 1 7\n1 2 2.5\n1 2 -0.5\n";
    let c = coo(text);
    assert_eq!(c.nnz(), 4);
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(a.nnz(), 2);
    assert_eq!(dense_of(&a), [0.0, 3.0, 7.0, 0.0]);
    // A symmetric file storing both (i, j) and (j, i) sums them, as scipy does.
    let text = "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n2 1 1\n1 2 5\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [0.0, 6.0, 6.0, 0.0]);
}

#[test]
fn mtx_symmetric_files_are_expanded() {
    // Lower and upper entries are both mirrored; diagonal entries are not.
    let text = "%%MatrixMarket matrix coordinate real symmetric\n3 3 3\n1 1 4\n3 1 2\n2 3 -1\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [4., 0., 2., 0., 0., -1., 2., -1., 0.]);
    let text = "%%MatrixMarket matrix coordinate integer skew-symmetric\n3 3 2\n3 1 2\n2 3 -1\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [0., 0., -2., 0., 0., -1., 2., 1., 0.]);
    // A diagonal entry of a skew-symmetric file is kept as written, as scipy keeps it.
    let text = "%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 2\n1 1 5\n2 1 3\n";
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!(dense_of(&a), [5., -3., 3., 0.]);
    // Arrays: lower triangle column by column.
    let text = "%%MatrixMarket matrix array real skew-symmetric\n3 3\n1\n2\n3\n";
    let d = reader(text).read_dense::<f64>().unwrap();
    let d = d.view();
    let rows: Vec<f64> = (0..3)
        .flat_map(|i| (0..3).map(move |j| d.get(i, j)))
        .collect();
    assert_eq!(rows, [0., -1., -2., 1., 0., -3., 2., 3., 0.]);
    // read_csr of an array file keeps the nonzeros only.
    let a = reader(text).read_csr::<f64, u32>().unwrap();
    assert_eq!((a.nnz(), dense_of(&a)), (6, rows));
}

#[test]
fn mtx_special_values_follow_python_float() {
    let text = "%%MatrixMarket matrix array real general\n8 1\nnan\n-NaN\ninf\n-Infinity\n+INF\n1e400\n-1e-400\n.5\n";
    let d = reader(text).read_dense::<f64>().unwrap();
    let v = d.data();
    assert!(v[0].is_nan() && v[1].is_nan());
    assert_eq!(
        &v[2..],
        [
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::INFINITY,
            -0.0,
            0.5
        ]
    );
    assert!(v[6].is_sign_negative());
    // Integers are exact (then rounded once): 2^53 + 1 rounds to even.
    let text = "%%MatrixMarket matrix array integer general\n3 1\n9007199254740993\n-9223372036854775808\n+7\n";
    let d = reader(text).read_dense::<f64>().unwrap();
    assert_eq!(d.data(), [9007199254740992.0, -9223372036854775808.0, 7.0]);
    // f32 is parsed directly, not through f64 (which would round twice).
    // 1.00000005960464477539062500000001 is just above the midpoint of 1 and the next f32.
    let text =
        "%%MatrixMarket matrix array real general\n1 1\n1.00000005960464477539062500000001\n";
    let d = reader(text).read_dense::<f32>().unwrap();
    assert_eq!(d.data(), [1.0000001f32]);
}

#[test]
fn mtx_large_dimensions_need_large_indices() {
    let text = "%%MatrixMarket matrix coordinate real general\n4294967296 2 1\n4294967296 2 1.5\n";
    assert_parse_error_u32(text, 2, "do not fit u32");
    let a = reader(text).read_coo::<f64, usize>().unwrap();
    assert_eq!((a.nrows(), a.rows()), (4294967296, &[4294967295usize][..]));
}

#[track_caller]
fn assert_parse_error_u32(text: &str, line: u64, fragment: &str) {
    match reader(text).read_coo::<f64, u32>() {
        Err(Error::Parse {
            line: l, message, ..
        }) => {
            assert_eq!(l, line);
            assert!(message.contains(fragment), "{message}");
        }
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn mtx_par_and_seq_read_the_same_across_many_chunks() {
    // ~12 MB: more chunks than one batch, so the pipeline turns over several times.
    let mut rng = Rng::new(11);
    let m = 5000;
    let mut text = format!("%%MatrixMarket matrix coordinate real symmetric\n{m} {m} 600000\n");
    for k in 0..600_000 {
        if k % 1000 == 0 {
            text.push_str("% a comment every thousand lines\n\n");
        }
        let (i, j) = (rng.below(m), rng.below(m));
        let (i, j) = (i.max(j), i.min(j));
        text.push_str(&format!("{} {} {}\n", i + 1, j + 1, any_value(&mut rng)));
    }
    let seq = reader(&text).par(Par::Seq).read_coo::<f64, u32>().unwrap();
    let par = reader(&text)
        .par(Par::Rayon)
        .read_coo::<f64, u32>()
        .unwrap();
    assert_eq!(seq, par);
    assert!(seq.nnz() > 1_000_000);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let three = pool.install(|| reader(&text).read_csr::<f64, u32>().unwrap());
    assert_eq!(three, seq.clone().into_csr());

    // Errors deep inside report their exact line, whichever thread parsed them.
    let lines: Vec<&str> = text.lines().collect();
    for (target, bad) in [
        (250_000usize, "1 1 x"),
        (431_111, "0 1 1"),
        (599_000, "1 1 1 1"),
    ] {
        let mut t = lines[..target - 1].join("\n");
        t.push('\n');
        t.push_str(bad);
        t.push('\n');
        t.push_str(&lines[target..].join("\n"));
        assert_parse_error(&t, target as u64, "");
    }
}
