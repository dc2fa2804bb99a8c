//! The `.npz` reader from memory (`io::npz::read_from` over a `Cursor`): any bytes, read as
//! `f64`/`u32` and `f32`/`usize`. A matrix it accepts must multiply without panicking, and the
//! two readings must hold the same structure.

#![no_main]

use libfuzzer_sys::fuzz_target;
use matvec::io::npz;
use matvec::{MatVec, Par};
use matvec_fuzz::{products, small};
use std::io::Cursor;

fuzz_target!(|data: &[u8]| {
    let a = npz::read_from::<f64, u32, _>(Cursor::new(data), "fuzz.npz");
    let b = npz::read_from::<f32, usize, _>(Cursor::new(data), "fuzz.npz");
    match (&a, &b) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.format(), b.format());
            assert_eq!((a.nrows(), a.ncols()), (b.nrows(), b.ncols()));
            if small(a.nrows(), a.ncols()) {
                let _ = products(a, Par::Rayon);
            }
        }
        // `u32` indices refuse dimensions that `usize` takes; f32 refuses nothing f64 takes.
        (Err(_), Ok(b)) => assert!(b.nrows() > u32::MAX as usize || b.ncols() > u32::MAX as usize),
        (Ok(_), Err(e)) => panic!("read as f64/u32 but not as f32/usize: {e}"),
        (Err(_), Err(_)) => {}
    }
});
