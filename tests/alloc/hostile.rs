//! Hostile inputs allocate little: every reader of each file of `common::hostile` (and the
//! two 2 GiB lines) holds at most a few MiB at any time while refusing it, whatever its
//! header claims (10¹⁸ entries, a 2⁶² byte member, a zip bomb).

use crate::common::TempDir;
use crate::common::hostile;
use crate::counting::peak;
use matvec::io::{mtx, npy, npz};
use matvec::stream::{StreamCsr, StreamDense};

/// A reader of a file, returning whether it refused it.
type Reader<'a> = Box<dyn Fn() -> bool + 'a>;

pub(crate) fn hostile_inputs_allocate_little() {
    // Measured here: at most 1.6 MB (a 2 GiB banner line: its first MiB and the reader's
    // buffer); each file of the catalogue, 66 KB at most (the zip bomb: an inflate window).
    let bound = 8 << 20;
    let dir = TempDir::new("alloc-hostile");
    for h in hostile::files() {
        let path = dir.join(h.file);
        std::fs::write(&path, &h.bytes).unwrap();
        let p = path.as_path();
        let readers: Vec<(&str, Reader)> = match h.file.rsplit('.').next() {
            Some("mtx") => vec![
                (
                    "mtx::read_csr",
                    Box::new(|| mtx::read_csr::<f64, u32>(p).is_err()),
                ),
                (
                    "mtx::read_coo",
                    Box::new(|| mtx::read_coo::<f32, usize>(p).is_err()),
                ),
            ],
            Some("npy") => vec![
                (
                    "npy::read_vector",
                    Box::new(|| npy::read_vector(p).is_err()),
                ),
                (
                    "StreamDense::open",
                    Box::new(|| StreamDense::<f64>::open(p).is_err()),
                ),
            ],
            _ => vec![
                ("npz::read", Box::new(|| npz::read::<f64, u32>(p).is_err())),
                (
                    "StreamCsr::open",
                    Box::new(|| StreamCsr::<f64, u32>::open(p).is_err()),
                ),
            ],
        };
        for (reader, read) in readers {
            let (bytes, refused) = peak(read);
            assert!(refused, "{}: {reader} accepted it", h.class);
            assert!(
                bytes <= bound,
                "{}: {reader} held {bytes} bytes (bound {bound})",
                h.class
            );
        }
    }
    // Found by the mtx fuzz target: 9 entries in a 3708631204 x 5 matrix. As triplets it
    // costs its entries; as CSR it would cost 8 bytes of offsets per row (30 GB, what the
    // format needs: scipy pays it too), which the README says to check for untrusted files.
    let text = "%%MatrixMarket matrix coordinate integer general\n3708631204 5 2\n1 1 7\n3708631204 5 -8\n";
    let (bytes, coo) =
        peak(|| mtx::MtxReader::new(text.as_bytes(), "rows.mtx")?.read_coo::<f64, u32>());
    let coo = coo.expect("a valid file");
    assert_eq!((coo.nrows(), coo.values()), (3708631204, &[7.0, -8.0][..]));
    assert!(
        bytes <= bound,
        "huge row count: read_coo held {bytes} bytes"
    );
    for (what, stream, _) in hostile::long_lines() {
        let (bytes, r) = peak(|| mtx::MtxReader::new(stream, "long.mtx")?.read_coo::<f64, u32>());
        assert!(r.is_err(), "{what}: accepted");
        assert!(bytes <= bound, "{what}: held {bytes} bytes (bound {bound})");
    }
}
