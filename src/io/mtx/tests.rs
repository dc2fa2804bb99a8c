//! Unit tests of the private helpers; the behaviour of the readers and writers is tested
//! through the public API in `tests/mtx.rs`.

use super::MtxSymmetry;
use super::lex::{parse_integer, parse_u64};
use super::triplets::TrianglePos;
use super::write::push_value;

#[test]
fn mtx_triangle_positions_walk_column_major() {
    let walk = |s, n: usize, count: usize| {
        let mut p = TrianglePos::new(s);
        (0..count)
            .map(|_| {
                let x = p.get();
                p.advance(n);
                x
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        walk(MtxSymmetry::General, 2, 4),
        [(0, 0), (1, 0), (0, 1), (1, 1)]
    );
    assert_eq!(
        walk(MtxSymmetry::Symmetric, 3, 6),
        [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (2, 2)]
    );
    assert_eq!(
        walk(MtxSymmetry::SkewSymmetric, 3, 3),
        [(1, 0), (2, 0), (2, 1)]
    );
}

#[test]
fn mtx_values_print_shortest_round_trip() {
    for x in [
        0.1f64,
        -0.0,
        1e-5,
        9.999e15,
        1e16,
        1e-300,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        1.0 / 3.0,
    ] {
        let mut b = Vec::new();
        push_value(&mut b, x);
        let s = String::from_utf8(b).unwrap();
        assert_eq!(s.parse::<f64>().unwrap().to_bits(), x.to_bits(), "{s}");
        assert!(s.len() <= 24, "{s}");
    }
    let mut b = Vec::new();
    push_value(&mut b, 0.1f32);
    assert_eq!(b, b"0.1");
}

#[test]
fn mtx_integers_parse_exactly_or_not_at_all() {
    assert_eq!(
        parse_integer::<f64>(b"-9223372036854775808"),
        Some(-9.223372036854776e18)
    );
    assert_eq!(parse_integer::<f64>(b"9223372036854775808"), None);
    assert_eq!(parse_integer::<f64>(b"+12"), Some(12.0));
    assert_eq!(parse_integer::<f64>(b"1.5"), None);
    assert_eq!(parse_integer::<f64>(b"-"), None);
    assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
    assert_eq!(parse_u64(b"18446744073709551616"), None);
}
