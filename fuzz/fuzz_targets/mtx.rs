//! The Matrix Market reader on arbitrary text: coordinate and array files of every field and
//! symmetry, read as COO, CSR or dense, in `f64` or `f32`, with `u32` or `usize` indices.
//! Each input is read twice: sequentially in 1 MiB chunks, and on the rayon pool in chunks
//! of a few dozen bytes (so that small inputs cross many chunk boundaries and batches). The
//! two must agree exactly: the same matrix bit for bit, or the same error message.

#![no_main]

use libfuzzer_sys::fuzz_target;
use matvec::Par;
use matvec::io::mtx::MtxReader;
use matvec_fuzz::{Bytes, assert_same_bits, products, small};

/// What one read gave: the error text, or the matrix's products and parts as f64 bits.
fn read(text: &[u8], how: u8, par: Par, chunk: Option<usize>) -> Result<Vec<f64>, String> {
    let mut r = MtxReader::new(text, "fuzz.mtx").map_err(|e| e.to_string())?;
    r = r.par(par);
    if let Some(c) = chunk {
        r = r.chunk_bytes(c);
    }
    let e = |e: matvec::Error| e.to_string();
    // CSR holds 8 bytes of offsets per row, which a size line may declare by the billion: a
    // cost of the format (scipy pays it too), not of the reader, so such files are read as
    // triplets only (whose memory grows with the entries actually read).
    let rows_ok = r.header().nrows <= 1 << 20;
    let how = if rows_ok || how % 5 > 2 { how } else { 0 };
    let widen = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
    Ok(match how % 5 {
        0 => {
            let a = r.read_coo::<f64, u32>().map_err(e)?;
            let mut v: Vec<f64> = a.values().to_vec();
            v.extend(a.rows().iter().chain(a.cols()).map(|&i| f64::from(i)));
            if small(a.nrows(), a.ncols()) {
                v.extend(products(&a.into_csr(), Par::Seq));
            }
            v
        }
        1 => {
            let a = r.read_csr::<f64, usize>().map_err(e)?;
            let mut v: Vec<f64> = a.values().to_vec();
            v.extend(a.col_idx().iter().map(|&i| i as f64));
            if small(a.nrows(), a.ncols()) {
                v.extend(products(&a, Par::Rayon));
            }
            v
        }
        2 => {
            let a = r.read_csr::<f32, u32>().map_err(e)?;
            let mut v = widen(a.values());
            v.extend(a.row_ptr().iter().map(|&i| i as f64));
            v
        }
        3 => {
            let a = r.read_dense::<f64>().map_err(e)?;
            let mut v = a.data().to_vec();
            if small(a.nrows(), a.ncols()) {
                v.extend(products(&a, Par::Seq));
            }
            v
        }
        _ => {
            let a = r.read_dense::<f32>().map_err(e)?;
            widen(a.data())
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let how = b.u8();
    let chunk = 16 + b.below(64);
    let text = b.rest();
    let seq = read(text, how, Par::Seq, None);
    let par = read(text, how, Par::Rayon, Some(chunk));
    match (&seq, &par) {
        (Ok(a), Ok(b)) => assert_same_bits("matrix", a, b),
        (Err(a), Err(b)) if a == b => {}
        // A line longer than the small chunk is an error only there (and may come before
        // the error the 1 MiB read finds later): the check is that the reader says so.
        (_, Err(b)) if b.contains("line is longer than") => {}
        _ => panic!("sequential and chunked reads disagree:\n{seq:?}\n{par:?}"),
    }
});
