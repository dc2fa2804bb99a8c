//! The `.npy` readers on arbitrary bytes: the header parser, the vector reader, and the two
//! out-of-core dense types over the same file — `MmapDense` (mapped) and `StreamDense`
//! (positioned reads) with small budgets and read sizes chosen by the input, so that small
//! files take every walk (per-thread dot reads, column segments, the block pipeline). What
//! both accept must multiply to the same bits (the types promise bit-identical results).

#![no_main]

use libfuzzer_sys::fuzz_target;
use matvec::io::npy;
use matvec::stream::StreamDense;
use matvec::{MmapDense, Par};
use matvec_fuzz::{Bytes, assert_same_bits, products, scratch_file, small};

/// The four products of a `StreamDense` through its `try_` methods (a read failure is an
/// error, not a panic).
fn try_products<T: matvec::Scalar + matvec::Widen<f64>>(
    a: &StreamDense<T>,
    par: Par,
) -> matvec::Result<Vec<f64>> {
    let (m, n) = (a.nrows(), a.ncols());
    // Check that every product succeeds first, then compare through the panicking MatVec
    // methods (which can no longer fail: the file is unchanged).
    let mut y = vec![0.0f64; m.max(n) * 2];
    a.try_mul_vec(1.0f64, &vec![1.0; n], 0.0, &mut y[..m], par)?;
    a.try_mul_vec_t(1.0, &vec![1.0; m], 0.0, &mut y[..n], par)?;
    a.try_mul_mat(1.0, &vec![1.0; 2 * n], 0.0, &mut y[..2 * m], par)?;
    a.try_mul_mat_t(1.0, &vec![1.0; 2 * m], 0.0, &mut y[..2 * n], par)?;
    Ok(products(a, par))
}

fuzz_target!(|data: &[u8]| {
    let mut b = Bytes::new(data);
    let budget = 64 << b.below(8);
    let read = 8 << b.below(10);
    let f32_file = b.u8() % 2 == 1;
    let bytes = b.rest();
    let path = std::path::Path::new("fuzz.npy");
    let _ = npy::parse_header(bytes, path);
    let file = scratch_file(bytes, "npy");
    let _ = npy::read_vector(&file).map(|v| v.into_f64());
    macro_rules! both {
        ($t:ty) => {{
            // SAFETY: the scratch file belongs to this process and is not changed while mapped.
            let mapped = unsafe { MmapDense::<$t>::open(&file) }.map(|a| a.with_budget(budget));
            let streamed =
                StreamDense::<$t>::open(&file).map(|a| a.with_budget(budget).with_read_size(read));
            match (mapped, streamed) {
                (Ok(m), Ok(s)) => {
                    assert_eq!((m.nrows(), m.ncols()), (s.nrows(), s.ncols()));
                    if small(m.nrows(), m.ncols()) {
                        for par in [Par::Seq, Par::Rayon] {
                            let got = try_products(&s, par).expect("the file did not change");
                            assert_same_bits("streamed vs mapped", &got, &products(&m, par));
                        }
                    }
                }
                (Err(_), Err(_)) => {}
                // A map needs the data aligned to the value size; positioned reads do not
                // (documented): the one difference allowed.
                (Err(e), Ok(_)) if e.to_string().contains("it cannot be mapped") => {}
                (m, s) => panic!(
                    "mapped and streamed opens disagree: {:?} vs {:?}",
                    m.err(),
                    s.err()
                ),
            }
        }};
    }
    if f32_file { both!(f32) } else { both!(f64) }
});
