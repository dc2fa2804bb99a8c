//! Hostile inputs, one per class the readers must refuse with a clear error and without a
//! large allocation: the `io` binary checks the errors, the `alloc` binary the memory.

use super::npz::{Members, csr_members, f64s, npy, npy_dict, set, zip_bytes};
use std::io::Read;

/// A hostile file: its name (the extension picks the readers), its bytes, and words its
/// error must contain.
pub struct Hostile {
    pub class: &'static str,
    pub file: &'static str,
    pub bytes: Vec<u8>,
    pub expect: &'static [&'static str],
}

/// Offsets of every occurrence of `what` in `hay`.
fn find_all(hay: &[u8], what: &[u8]) -> Vec<usize> {
    (0..hay.len().saturating_sub(what.len() - 1))
        .filter(|&k| hay[k..].starts_with(what))
        .collect()
}

/// The central-directory entry of member `name`: its offset.
fn central_entry(zip: &[u8], name: &[u8]) -> usize {
    find_all(zip, b"PK\x01\x02")
        .into_iter()
        .find(|&k| {
            let n = u16::from_le_bytes([zip[k + 28], zip[k + 29]]) as usize;
            &zip[k + 46..k + 46 + n] == name
        })
        .expect("member in the central directory")
}

/// The local header of member `name`: its offset (from the central directory).
fn local_header(zip: &[u8], name: &[u8]) -> usize {
    let c = central_entry(zip, name);
    u32::from_le_bytes(zip[c + 42..c + 46].try_into().unwrap()) as usize
}

/// Sets the uncompressed size that the zip records for member `name` (local header and
/// central directory).
fn set_declared_size(zip: &mut [u8], name: &[u8], size: u32) {
    let (l, c) = (local_header(zip, name), central_entry(zip, name));
    zip[l + 22..l + 26].copy_from_slice(&size.to_le_bytes());
    zip[c + 24..c + 28].copy_from_slice(&size.to_le_bytes());
}

/// A deflated archive whose `data.npy` inflates to 64 MiB but is declared (by the zip and by
/// its own `.npy` header) as the 5 values of the matrix: a zip bomb aimed at the reader.
fn inflates_past_declared_size() -> Vec<u8> {
    let mut members = csr_members();
    let data = npy("<f8", &[5], &f64s(&[1.0, 2.0, 3.0, 4.0, 5.0]));
    let declared = data.len() as u32;
    let mut bomb = data;
    bomb.resize(64 << 20, 0);
    set(&mut members, "data.npy", bomb);
    let mut zip = zip_bytes(&members, true);
    set_declared_size(&mut zip, b"data.npy", declared);
    zip
}

/// Two members named `data.npy` (the second with other values): which one a reader would
/// take is up to it, so the archive is refused.
fn duplicate_members() -> Vec<u8> {
    let mut members = csr_members();
    members.push(("datb.npy", npy("<f8", &[5], &f64s(&[9.0; 5]))));
    let mut zip = zip_bytes(&members, false);
    for k in find_all(&zip, b"datb.npy") {
        zip[k..k + 8].copy_from_slice(b"data.npy");
    }
    zip
}

/// `data.npy` with a zip64 extra field (as numpy writes them) whose uncompressed size claims
/// 2⁶² bytes.
fn zip64_huge_size() -> Vec<u8> {
    let mut zip = zip_bytes(&csr_members(), false);
    let c = central_entry(&zip, b"data.npy");
    let name_len = u16::from_le_bytes([zip[c + 28], zip[c + 29]]) as usize;
    let extra_len = u16::from_le_bytes([zip[c + 30], zip[c + 31]]) as usize;
    // Insert a zip64 extended-information field (id 1: uncompressed, compressed sizes) into
    // the central entry and point the 32-bit sizes at it.
    let mut field = vec![1, 0, 16, 0];
    field.extend_from_slice(&(1u64 << 62).to_le_bytes());
    let csize = u32::from_le_bytes(zip[c + 20..c + 24].try_into().unwrap()) as u64;
    field.extend_from_slice(&csize.to_le_bytes());
    let at = c + 46 + name_len + extra_len;
    zip.splice(at..at, field.iter().copied());
    zip[c + 30..c + 32].copy_from_slice(&((extra_len + field.len()) as u16).to_le_bytes());
    zip[c + 20..c + 28].copy_from_slice(&[0xff; 8]);
    // The end-of-central-directory record: the directory grew.
    let e = *find_all(&zip, b"PK\x05\x06").last().expect("end record");
    let size = u32::from_le_bytes(zip[e + 12..e + 16].try_into().unwrap()) + field.len() as u32;
    zip[e + 12..e + 16].copy_from_slice(&size.to_le_bytes());
    zip
}

/// A member named `../evil.npy` beside valid ones.
fn path_in_member_name() -> Vec<u8> {
    let mut members: Members = csr_members();
    members.push(("../evil.npy", npy("<f8", &[1], &f64s(&[0.0]))));
    zip_bytes(&members, false)
}

/// Every hostile file.
pub fn files() -> Vec<Hostile> {
    let banner = "%%MatrixMarket matrix coordinate real general";
    vec![
        Hostile {
            class: "Matrix Market size line claiming 10^18 entries",
            file: "entries.mtx",
            bytes: format!("{banner}\n3 3 1000000000000000000\n1 1 1\n").into_bytes(),
            expect: &["line 4", "file ends after 1 of the 1000000000000000000"],
        },
        Hostile {
            class: "Matrix Market array of 10^9 x 10^9 values",
            file: "array.mtx",
            bytes: b"%%MatrixMarket matrix array real general\n1000000000 1000000000\n1\n".to_vec(),
            expect: &["line 4", "file ends after 1 of the 1000000000000000000"],
        },
        Hostile {
            class: ".npy shape whose product overflows usize",
            file: "shape.npy",
            bytes: npy_dict(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
                &[],
            ),
            expect: &["too large"],
        },
        Hostile {
            class: ".npy shape whose byte count overflows usize",
            file: "bytes.npy",
            bytes: npy_dict(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904,), }",
                &[],
            ),
            expect: &["too large"],
        },
        Hostile {
            class: "zip member inflating far past its declared size",
            file: "bomb.npz",
            bytes: inflates_past_declared_size(),
            expect: &["data.npy", "larger than its declared uncompressed size"],
        },
        Hostile {
            class: "two members with the same name",
            file: "duplicate.npz",
            bytes: duplicate_members(),
            expect: &["more than once"],
        },
        Hostile {
            class: "zip64 record claiming a 2^62-byte member",
            file: "zip64.npz",
            bytes: zip64_huge_size(),
            expect: &["data.npy", "4611686018427387904 uncompressed"],
        },
        Hostile {
            class: "member name with ../",
            file: "dotdot.npz",
            bytes: path_in_member_name(),
            expect: &["../evil.npy", "not a plain file name"],
        },
    ]
}

/// A stream of `len` bytes: `head`, then `fill` repeated (generated as it is read, so a
/// 2 GiB line costs no memory to make).
pub fn stream(head: &str, fill: u8, len: u64) -> impl std::io::BufRead {
    std::io::BufReader::new(
        head.as_bytes()
            .chain(std::io::repeat(fill))
            .take(len.max(head.len() as u64)),
    )
}

/// The two 2 GiB single lines: a banner that never ends, and a data line that never ends.
pub fn long_lines() -> [(&'static str, Box<dyn std::io::BufRead>, u64); 2] {
    [
        (
            "a 2 GiB banner line",
            Box::new(stream(
                "%%MatrixMarket matrix coordinate real general ",
                b'x',
                2 << 30,
            )),
            1,
        ),
        (
            "a 2 GiB data line",
            Box::new(stream(
                "%%MatrixMarket matrix coordinate real general\n3 3 1\n1 1 ",
                b'7',
                2 << 30,
            )),
            3,
        ),
    ]
}
