//! Invalid raw parts return an `Err` that says where and what; they never panic.

use matvec::{Coo, Csc, CscView, Csr, CsrView, Dense, DenseView, Error, Layout, StructureError};

fn problem(e: Error) -> (&'static str, StructureError) {
    match e {
        Error::Structure { format, problem } => (format, problem),
        other => panic!("expected a structure error, got {other:?}"),
    }
}

/// (description, nrows, ncols, row_ptr, col_idx, nvalues, expected problem, words the message must contain)
type Case = (
    &'static str,
    usize,
    usize,
    Vec<usize>,
    Vec<u32>,
    usize,
    StructureError,
    &'static [&'static str],
);

fn cases() -> Vec<Case> {
    use StructureError as S;
    vec![
        (
            "short offsets",
            3,
            3,
            vec![0, 1, 2],
            vec![0, 1],
            2,
            S::OffsetsLength {
                expected: 4,
                found: 3,
            },
            &["offset array has 3 entries, expected 4"],
        ),
        (
            "empty offsets",
            0,
            3,
            vec![],
            vec![],
            0,
            S::OffsetsLength {
                expected: 1,
                found: 0,
            },
            &["0 entries"],
        ),
        (
            "nonzero start",
            2,
            3,
            vec![1, 1, 2],
            vec![0, 1],
            2,
            S::OffsetsStart { found: 1 },
            &["first", "is 1"],
        ),
        (
            "values length",
            2,
            3,
            vec![0, 1, 2],
            vec![0, 1],
            3,
            S::ValuesLength {
                indices: 2,
                values: 3,
            },
            &["3 values for 2 indices"],
        ),
        (
            "end mismatch",
            2,
            3,
            vec![0, 1, 1],
            vec![0, 1],
            2,
            S::OffsetsEnd { nnz: 2, found: 1 },
            &["last", "is 1, expected 2"],
        ),
        (
            "decreasing",
            3,
            3,
            vec![0, 2, 1, 2],
            vec![0, 1],
            2,
            S::OffsetsDecreasing {
                outer: 1,
                start: 2,
                end: 1,
            },
            &["1: offsets decrease from 2 to 1"],
        ),
        (
            "overshoot",
            3,
            3,
            vec![0, 5, 5, 2],
            vec![0, 1],
            2,
            S::OffsetsEnd { nnz: 2, found: 5 },
            &["is 5"],
        ),
        (
            "out of range",
            2,
            3,
            vec![0, 1, 2],
            vec![0, 3],
            2,
            S::IndexOutOfRange {
                outer: Some(1),
                position: 1,
                index: 3,
                bound: 3,
            },
            &["1 (entry 1)", "index 3 is out of range for 3"],
        ),
        (
            "unsorted",
            1,
            5,
            vec![0, 3],
            vec![0, 4, 2],
            3,
            S::NotIncreasing {
                outer: 0,
                position: 2,
                previous: 4,
                index: 2,
            },
            &["(entry 2)", "index 2 follows 4", "strictly increasing"],
        ),
        (
            "duplicate",
            1,
            5,
            vec![0, 2],
            vec![3, 3],
            2,
            S::NotIncreasing {
                outer: 0,
                position: 1,
                previous: 3,
                index: 3,
            },
            &["index 3 follows 3"],
        ),
    ]
}

#[test]
fn csr_try_new_rejects_invalid_parts_with_position() {
    for (what, r, c, ptr, idx, nv, want, words) in cases() {
        let vals = vec![1.0f64; nv];
        let e = Csr::try_new(r, c, ptr.clone(), idx.clone(), vals.clone()).expect_err(what);
        let msg = e.to_string();
        assert_eq!(problem(e), ("CSR", want.clone()), "{what}");
        assert!(msg.starts_with("invalid CSR matrix: "), "{what}: {msg}");
        for w in words {
            assert!(msg.contains(w), "{what}: {msg:?} lacks {w:?}");
        }
        let e = CsrView::try_new(r, c, &ptr, &idx, &vals).expect_err(what);
        assert_eq!(problem(e), ("CSR", want), "{what} (view)");
    }
}

#[test]
fn csc_try_new_rejects_invalid_parts_with_position() {
    // The same arrays read as CSC: columns are the outer dimension.
    for (what, r, c, ptr, idx, nv, want, _) in cases() {
        let vals = vec![1.0f32; nv];
        let e = Csc::try_new(c, r, ptr.clone(), idx.clone(), vals.clone()).expect_err(what);
        let msg = e.to_string();
        assert_eq!(problem(e), ("CSC", want.clone()), "{what}");
        if matches!(want, StructureError::IndexOutOfRange { .. }) {
            assert!(msg.contains("column 1 (entry 1): row index 3"), "{msg}");
        }
        let e = CscView::try_new(c, r, &ptr, &idx, &vals).expect_err(what);
        assert_eq!(problem(e), ("CSC", want), "{what} (view)");
    }
}

#[test]
fn csr_try_new_accepts_valid_edge_shapes() {
    assert!(Csr::<f64>::try_new(0, 0, vec![0], vec![], vec![]).is_ok());
    assert!(Csr::<f64>::try_new(0, 7, vec![0], vec![], vec![]).is_ok());
    assert!(Csr::<f64>::try_new(3, 0, vec![0, 0, 0, 0], vec![], vec![]).is_ok());
    assert!(Csc::<f64>::try_new(3, 0, vec![0], vec![], vec![]).is_ok());
    let a =
        Csr::<f64, usize>::try_new(2, 4, vec![0, 0, 3], vec![0, 2, 3], vec![1.0, f64::NAN, 0.0])
            .unwrap();
    assert_eq!(a.nnz(), 3);
}

#[test]
fn csr_try_new_rejects_dimensions_too_large_for_u32() {
    if usize::BITS < 64 {
        return;
    }
    let big = u32::MAX as usize + 1;
    let e = Csr::<f64, u32>::try_new(1, big, vec![0, 0], vec![], vec![]).unwrap_err();
    assert_eq!(
        problem(e).1,
        StructureError::DimensionTooLarge {
            dim: big,
            max: u32::MAX as usize
        }
    );
    // The largest addressable dimension is accepted.
    assert!(Csr::<f64, u32>::try_new(1, big - 1, vec![0, 0], vec![], vec![]).is_ok());
}

#[test]
fn coo_try_from_triplets_and_try_push_reject_bad_entries() {
    let e = Coo::<f64>::try_from_triplets(2, 2, vec![0, 1], vec![1], vec![1.0, 2.0]).unwrap_err();
    assert!(matches!(
        problem(e),
        ("COO", StructureError::ValuesLength { .. })
    ));
    let e =
        Coo::<f64>::try_from_triplets(2, 2, vec![0, 2], vec![1, 1], vec![1.0, 2.0]).unwrap_err();
    assert_eq!(
        problem(e).1,
        StructureError::IndexOutOfRange {
            outer: None,
            position: 1,
            index: 2,
            bound: 2
        }
    );
    let mut coo = Coo::<f64>::new(2, 3);
    coo.push(1, 2, 1.0);
    let e = coo.try_push(0, 3, 1.0).unwrap_err();
    assert!(
        e.to_string()
            .contains("entry 1: index 3 is out of range for dimension 3"),
        "{e}"
    );
    assert_eq!(coo.nnz(), 1);
    let ok = Coo::<f64>::try_from_triplets(2, 2, vec![0, 1], vec![1, 1], vec![1.0, 2.0]).unwrap();
    assert_eq!(ok.to_csr().values(), &[1.0, 2.0]);
}

#[test]
#[should_panic(expected = "Coo::push(2, 0)")]
fn coo_push_out_of_range_panics_with_position() {
    let mut coo = Coo::<f64>::new(2, 2);
    coo.push(2, 0, 1.0);
}

#[test]
fn dense_try_new_rejects_wrong_length_and_overflow() {
    let e = DenseView::row_major(2, 3, &[0.0f64; 5]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::DenseLength {
                nrows: 2,
                ncols: 3,
                found: 5
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "dense matrix of 2 x 3 needs 6 elements, found 5"
    );
    let e = Dense::try_new(usize::MAX, 2, Layout::ColMajor, vec![0.0f32; 4]).unwrap_err();
    assert!(e.to_string().contains("more than usize::MAX"), "{e}");
    assert!(DenseView::<f64>::col_major(0, 9, &[]).is_ok());
}
