//! The Matrix Market reader cut into parts (`MtxReader::read_part`, what every MPI process
//! of `matvec-mpi` reads) on arbitrary text, against the whole-file reader on the same file:
//! cut 1 to 7 ways, the parts' triplets one after the other are the whole read's bit for
//! bit; where the whole read fails, some part (or the count of entries) fails too, with the
//! same message and line unless the whole read's error is about the count of entries (a
//! part may then reach a bad line first, or find the count wrong in its own way).

#![no_main]

use libfuzzer_sys::fuzz_target;
use matvec::Par;
use matvec::io::mtx::{MtxFormat, MtxReader};
use matvec_fuzz::{Bytes, assert_same_bits, scratch_file};

/// Triplets as f64s: values, then rows, then columns.
fn flat(rows: &[u32], cols: &[u32], vals: &[f64], out: &mut Vec<f64>) {
    out.extend_from_slice(vals);
    out.extend(rows.iter().chain(cols).map(|&i| f64::from(i)));
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let parts = 1 + b.below(7);
    let path = scratch_file(b.rest(), "mtx");
    // Only coordinate files can be cut (an array file is refused, as documented).
    let header = MtxReader::open(&path).map(|r| r.header().format);
    if matches!(header, Ok(MtxFormat::Array)) {
        return;
    }
    let whole = MtxReader::open(&path)
        .and_then(|r| r.par(Par::Seq).read_coo::<f64, u32>())
        .map(|a| {
            let mut v = Vec::new();
            flat(a.rows(), a.cols(), a.values(), &mut v);
            v
        })
        .map_err(|e| e.to_string());
    let cut = (|| {
        let mut got = Vec::new();
        for k in 0..parts {
            let p = MtxReader::open(&path)?
                .par(Par::Seq)
                .read_part::<f64, u32>(k, parts)?;
            got.push(p);
        }
        let total = got.iter().map(|p| p.entries()).sum();
        got[0].check_entries(total)?;
        // Ordered as the whole read: all values, then all rows, then all columns.
        let mut out = Vec::new();
        let (mut r, mut c, mut x) = (Vec::new(), Vec::new(), Vec::new());
        for p in &got {
            r.extend_from_slice(p.coo().rows());
            c.extend_from_slice(p.coo().cols());
            x.extend_from_slice(p.coo().values());
        }
        flat(&r, &c, &x, &mut out);
        Ok::<_, matvec::Error>(out)
    })()
    .map_err(|e| e.to_string());
    match (&whole, &cut) {
        (Ok(a), Ok(b)) => assert_same_bits("triplets", a, b),
        (Err(a), Err(b)) => {
            if !a.contains("entries") {
                assert_eq!(a, b, "the whole read and the parts fail differently");
            }
        }
        _ => panic!("the whole read and {parts} parts disagree:\n{whole:?}\n{cut:?}"),
    }
});
