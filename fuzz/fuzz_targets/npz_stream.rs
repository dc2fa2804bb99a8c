//! The streamed sparse readers (`StreamCsr`, `StreamCsc`) on arbitrary bytes written to a
//! file, with a budget chosen by the input so that small files are cut into many blocks.
//! A product either fails with an error (a block that does not check out) or gives exactly
//! what the in-memory matrix read by `io::npz` gives: the types promise bit-identical results.

#![no_main]

use libfuzzer_sys::fuzz_target;
use matvec::Par;
use matvec::io::npz;
use matvec::stream::{StreamCsc, StreamCsr};
use matvec_fuzz::{Bytes, assert_same_bits, products, scratch_file, small};

macro_rules! check {
    ($ty:ident, $file:expr, $budget:expr, $reference:expr) => {{
        if let Ok(a) = $ty::<f64, u32>::open($file).and_then(|a| a.with_budget($budget)) {
            if small(a.nrows(), a.ncols()) {
                let (m, n) = (a.nrows(), a.ncols());
                let mut y = vec![0.0; 2 * m.max(n)];
                let ok = a
                    .try_mul_vec(1.0, &vec![1.0; n], 0.0, &mut y[..m], Par::Rayon)
                    .is_ok()
                    && a.try_mul_vec_t(1.0, &vec![1.0; m], 0.0, &mut y[..n], Par::Seq)
                        .is_ok()
                    && a.try_mul_mat(1.0, &vec![1.0; 2 * n], 0.0, &mut y[..2 * m], Par::Rayon)
                        .is_ok()
                    && a.try_mul_mat_t(1.0, &vec![1.0; 2 * m], 0.0, &mut y[..2 * n], Par::Rayon)
                        .is_ok();
                // Every block checked out, so the in-memory reader must accept the file, unless
                // a member's CRC-32 is wrong: the streamed types read ranges of members and
                // do not check it (documented), the reader checks it.
                let reference = $reference;
                if let Err(e) = &reference {
                    assert!(
                        !ok || e.to_string().contains("Invalid checksum"),
                        "the streamed type accepted what the reader refused: {e}"
                    );
                }
                if let (true, Ok(reference)) = (ok, reference) {
                    for par in [Par::Seq, Par::Rayon] {
                        assert_same_bits(
                            stringify!($ty),
                            &products(&a, par),
                            &products(&reference, par),
                        );
                    }
                }
            }
        }
    }};
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let budget = 32 << b.below(10);
    let file = scratch_file(b.rest(), "npz");
    check!(StreamCsr, &file, budget, npz::read_csr::<f64, u32>(&file));
    check!(StreamCsc, &file, budget, npz::read_csc::<f64, u32>(&file));
});
