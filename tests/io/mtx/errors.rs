//! Errors, each with its line number.

use super::*;

#[test]
fn mtx_error_missing_or_malformed_banner() {
    assert_parse_error("", 1, "empty file");
    assert_parse_error("3 3 1\n1 1 1\n", 1, "not a Matrix Market file");
    assert_parse_error(
        "% comment\n%%MatrixMarket matrix coordinate real general\n",
        1,
        "not a Matrix Market file",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real\n3 3 0\n",
        1,
        "expected 4 words",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real general x\n",
        1,
        "found 5",
    );
    assert_parse_error(
        "%%MatrixMarket tensor coordinate real general\n",
        1,
        "unknown object 'tensor'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix sparse real general\n",
        1,
        "unknown format 'sparse'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate float general\n",
        1,
        "unknown field 'float'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real upper\n",
        1,
        "unknown symmetry 'upper'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array pattern general\n2 2\n",
        1,
        "cannot be 'pattern'",
    );
}

#[test]
fn mtx_error_unsupported_complex_hermitian_vector() {
    assert_parse_error(
        "%%MatrixMarket matrix coordinate complex general\n2 2 1\n1 1 1 0\n",
        1,
        "unsupported field 'complex'",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate complex hermitian\n2 2 1\n1 1 1 0\n",
        1,
        "unsupported",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real hermitian\n2 2 0\n",
        1,
        "unsupported symmetry 'hermitian'",
    );
    assert_parse_error(
        "%%MatrixMarket vector coordinate real general\n3 1\n1 1\n",
        1,
        "unsupported object 'vector'",
    );
}

#[test]
fn mtx_error_size_line() {
    assert_parse_error(&format!("{GEN}\n"), 2, "file ends before the size line");
    assert_parse_error(
        &format!("{GEN}\n%\n\n"),
        4,
        "file ends before the size line",
    );
    assert_parse_error(&format!("{GEN}\n% c\n3 3\n"), 3, "expected 3 numbers");
    assert_parse_error(&format!("{GEN}\n3 3 1 1\n1 1 1\n"), 2, "found 4 tokens");
    assert_parse_error(
        &format!("{GEN}\n3 x 1\n"),
        2,
        "'x' is not a non-negative integer",
    );
    assert_parse_error(&format!("{GEN}\n-3 3 1\n"), 2, "'-3' is not");
    assert_parse_error(&format!("{GEN}\n3 3 1.0\n"), 2, "'1.0' is not");
    assert_parse_error(
        &format!("{GEN}\n99999999999999999999 3 0\n"),
        2,
        "is not a non-negative integer",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real general\n3 3 9\n",
        2,
        "expected 2 numbers",
    );
    assert_parse_error(
        "%%MatrixMarket matrix coordinate real symmetric\n3 4 0\n",
        2,
        "must be square",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real skew-symmetric\n2 1\n",
        2,
        "must be square",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real general\n18446744073709551615 2\n",
        2,
        "too large",
    );
}

#[test]
fn mtx_error_index_out_of_range() {
    let t = |body: &str| format!("{GEN}\n% c\n3 4 2\n1 1 1\n{body}\n");
    assert_parse_error(
        &t("0 1 1"),
        5,
        "row index 0 is out of range: indices are 1-based",
    );
    assert_parse_error(&t("1 0 1"), 5, "column index 0");
    assert_parse_error(
        &t("4 1 1"),
        5,
        "row index 4 is out of range: the matrix has 3 rows",
    );
    assert_parse_error(
        &t("1 5 1"),
        5,
        "column index 5 is out of range: the matrix has 4 columns",
    );
    assert_parse_error(&t("99999999999999999999999 1 1"), 5, "far out of range");
    assert_parse_error(&t("-1 1 1"), 5, "row index '-1' is not a positive integer");
    assert_parse_error(
        &t("1.0 1 1"),
        5,
        "row index '1.0' is not a positive integer",
    );
    assert_parse_error(&t("1 +2 1"), 5, "column index '+2'");
    // Symmetric files: the stored index is checked (the mirror is then in range).
    assert_parse_error(
        "%%MatrixMarket matrix coordinate pattern symmetric\n2 2 1\n3 1\n",
        3,
        "row index 3",
    );
}

#[test]
fn mtx_error_entry_count() {
    assert_parse_error(
        &format!("{GEN}\n3 3 3\n1 1 1\n2 2 2\n"),
        5,
        "file ends after 2 of the 3 entries",
    );
    assert_parse_error(
        &format!("{GEN}\n3 3 3\n1 1 1\n2 2 2"),
        5,
        "file ends after 2 of the 3",
    );
    assert_parse_error(&format!("{GEN}\n3 3 1\n"), 3, "file ends after 0 of the 1");
    assert_parse_error(
        &format!("{GEN}\n3 3 1\n1 1 1\n% c\n\n2 2 2\n"),
        6,
        "more entries than the 1 declared by the size line (line 2)",
    );
    assert_parse_error(
        &format!("{GEN}\n3 3 0\n1 1 1\n"),
        3,
        "more entries than the 0",
    );
    let arr = "%%MatrixMarket matrix array real general\n2 2\n";
    assert_parse_error(
        &format!("{arr}1\n2\n3\n"),
        6,
        "file ends after 3 of the 4 values",
    );
    assert_parse_error(
        &format!("{arr}1\n2\n3\n4\n5\n"),
        7,
        "more entries than the 4",
    );
    let sym = "%%MatrixMarket matrix array real symmetric\n2 2\n";
    assert_parse_error(&format!("{sym}1\n2\n3\n4\n"), 6, "more entries than the 3");
}

#[test]
fn mtx_error_numbers_that_do_not_parse() {
    let t = |v: &str| format!("{GEN}\n3 3 2\n1 1 1\n2 2 {v}\n");
    for bad in [
        "abc", "0x10", "1.5D2", "1_000", "1,5", "--1", "1e", "nan1", "\u{e9}",
    ] {
        assert_parse_error(&t(bad), 4, "is not a real number");
    }
    let t = |v: &str| format!("%%MatrixMarket matrix coordinate integer general\n3 3 1\n1 1 {v}\n");
    assert_parse_error(&t("1.5"), 3, "value '1.5' is not an integer");
    assert_parse_error(&t("1e3"), 3, "is not an integer");
    assert_parse_error(&t("nan"), 3, "is not an integer");
    assert_parse_error(&t("9223372036854775808"), 3, "does not fit 64 bits");
    let arr = "%%MatrixMarket matrix array real general\n2 1\n1\n";
    assert_parse_error(&format!("{arr}x1\n"), 4, "value 'x1' is not a real number");
    // Non-UTF-8 bytes: an error, not a panic (and not a lossy guess).
    let mut bytes = format!("{GEN}\n1 1 1\n1 1 ").into_bytes();
    bytes.extend_from_slice(&[0xff, 0xfe, b'\n']);
    let e = MtxReader::new(&bytes[..], "bad.mtx")
        .unwrap()
        .read_coo::<f64, u32>()
        .unwrap_err();
    assert!(matches!(e, Error::Parse { line: 3, .. }), "{e}");
}

#[test]
fn mtx_error_wrong_number_of_tokens() {
    let t = |body: &str| format!("{GEN}\n3 3 1\n{body}\n");
    assert_parse_error(
        &t("1 1"),
        3,
        "expected 3 tokens (row, column, value), found 2",
    );
    assert_parse_error(&t("1"), 3, "found 1");
    assert_parse_error(&t("1 1 1 1"), 3, "found 4");
    assert_parse_error(&t("1 1 1 % trailing comment"), 3, "found 6");
    let p = "%%MatrixMarket matrix coordinate pattern general\n3 3 1\n";
    assert_parse_error(
        &format!("{p}1 1 1\n"),
        3,
        "expected 2 tokens (row, column) for a pattern matrix, found 3",
    );
    assert_parse_error(&format!("{p}1\n"), 3, "found 1");
    let a = "%%MatrixMarket matrix array real general\n2 1\n";
    assert_parse_error(
        &format!("{a}1 2\n3\n"),
        3,
        "expected 1 token (a value) per line of an array file, found 2",
    );
    // A control character inside a line is not a separator.
    assert_parse_error(&t("1\u{1}1 1"), 3, "");
}

#[test]
fn mtx_error_read_dense_of_a_coordinate_file() {
    let e = reader(&format!("{GEN}\n2 2 0\n"))
        .read_dense::<f64>()
        .unwrap_err();
    match e {
        Error::Parse {
            line: 1, message, ..
        } => assert!(message.contains("read_csr"), "{message}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn mtx_error_overlong_lines() {
    // A data line longer than a chunk is an error on its line; a comment that long is skipped.
    let long = "1".repeat(3 << 20);
    assert_parse_error(
        &format!("{GEN}\n3 3 2\n1 1 1\n2 2 {long}\n"),
        4,
        "longer than",
    );
    let a = coo(&format!(
        "{GEN}\n% {long}\n3 3 2\n1 1 1\n%{long}\n\n2 2 2\n"
    ));
    assert_eq!(a.values(), [1.0, 2.0]);
    let a = coo(&format!("{GEN}\n3 3 1\n1 1 1\n%{long}"));
    assert_eq!(a.values(), [1.0]);
    assert_parse_error(
        &format!("{GEN}\n3 3 2\n1 1 1\n%{long}\n"),
        5,
        "file ends after 1 of the 2",
    );
}

#[test]
fn mtx_huge_declared_sizes_allocate_nothing_up_front() {
    // If either were reserved up front, the process would abort on allocation.
    assert_parse_error(
        &format!("{GEN}\n3 3 900000000000\n1 1 1\n"),
        4,
        "file ends after 1 of the 900000000000",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real general\n1000000000 1000000000\n1\n2\n",
        5,
        "file ends after 2 of the 1000000000000000000",
    );
    assert_parse_error(
        "%%MatrixMarket matrix array real symmetric\n1000000000 1000000000\n1\n",
        4,
        "file ends after 1",
    );
    // The same through a file, whose length bounds the reservation.
    let dir = TempDir::new("mtx-huge");
    let path = dir.join("h.mtx");
    std::fs::write(&path, format!("{GEN}\n3 3 900000000000\n1 1 1\n")).unwrap();
    assert!(matches!(
        mtx::read_csr::<f64, u32>(&path),
        Err(Error::Parse { line: 4, .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}
