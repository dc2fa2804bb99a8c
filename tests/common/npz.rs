//! Building `.npz` archives member by member: `.npy` arrays, a valid CSR matrix's members, and
//! zip archives of them (stored and aligned, or deflated), for the tests that make bad and
//! hostile files from good ones.

use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

/// A `.npy` array: header (padded to 64 bytes) and raw data.
pub fn npy(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let shape = match shape {
        [n] => format!("({n},)"),
        s => format!(
            "({})",
            s.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    npy_dict(&dict, data)
}

/// A `.npy` array with the header dict `dict`.
pub fn npy_dict(dict: &str, data: &[u8]) -> Vec<u8> {
    let total = (10 + dict.len() + 1).div_ceil(64) * 64;
    let mut b = b"\x93NUMPY\x01\x00".to_vec();
    b.extend_from_slice(&((total - 10) as u16).to_le_bytes());
    b.extend_from_slice(dict.as_bytes());
    b.resize(total - 1, b' ');
    b.push(b'\n');
    b.extend_from_slice(data);
    b
}

pub fn i64s(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
pub fn i32s(v: &[i32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}
pub fn f64s(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub type Members = Vec<(&'static str, Vec<u8>)>;

/// The members of a valid 3 x 4 CSR matrix [[1, 0, 2, 0], [0, 0, 0, 3], [4, 5, 0, 0]], as
/// save_npz writes them, except for int64 offsets: stored, it can be mapped (so the bad files
/// made from it go through the mapping checks too).
pub fn csr_members() -> Members {
    vec![
        ("indices.npy", npy("<i4", &[5], &i32s(&[0, 2, 3, 0, 1]))),
        ("indptr.npy", npy("<i8", &[4], &i64s(&[0, 2, 3, 5]))),
        ("format.npy", npy("|S3", &[], b"csr")),
        ("shape.npy", npy("<i8", &[2], &i64s(&[3, 4]))),
        (
            "data.npy",
            npy("<f8", &[5], &f64s(&[1.0, 2.0, 3.0, 4.0, 5.0])),
        ),
    ]
}

pub const CSR_DENSE: [f64; 12] = [1., 0., 2., 0., 0., 0., 0., 3., 4., 5., 0., 0.];

pub fn set(members: &mut Members, name: &'static str, bytes: Vec<u8>) {
    match members.iter_mut().find(|m| m.0 == name) {
        Some(m) => m.1 = bytes,
        None => members.push((name, bytes)),
    }
}

pub fn remove(members: &mut Members, name: &str) {
    members.retain(|m| m.0 != name);
}

/// A zip archive of `members`, stored (with each member's data 64-byte aligned, so that
/// the arrays of a valid file can be mapped) or deflated.
pub fn zip_bytes(members: &Members, compressed: bool) -> Vec<u8> {
    let mut z = ZipWriter::new(Cursor::new(Vec::new()));
    let method = if compressed {
        CompressionMethod::Deflated
    } else {
        CompressionMethod::Stored
    };
    for (name, bytes) in members {
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .with_alignment(64);
        z.start_file(*name, options).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}
