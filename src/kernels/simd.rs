//! Run-time instruction-set dispatch for the dense kernels.
//!
//! The crate is built for baseline x86-64 (SSE2), so without this the AVX2 units of the CPU
//! never run our loops. Each kernel body here is one `#[inline(always)]` Rust function
//! (`kernels::dense::dot_rows`, `kernels::dense::axpy_rows`) compiled twice: as is, and inside a
//! `#[target_feature(enable = "avx2")]` wrapper, picked once per process by
//! `is_x86_feature_detected!`. Written by hand (two kernels, a dozen lines) rather than with
//! the `multiversion` crate, because the tests must call every variant the machine supports
//! against the portable one, which a hidden dispatcher does not allow.
//!
//! **Results are bit-identical between the variants.** The bodies are already written lane by
//! lane (four accumulators in a fixed order), so AVX2 only widens the registers; Rust never
//! contracts `a * b + c` into a fused multiply-add and never reassociates floating-point sums,
//! and `fma` is not enabled. So a product gives the same bits on a CPU with or without AVX2
//! (tested here on the variants this machine has).
//!
//! Measured (8192² `f64`, 2 threads, `examples/kernels dense`, against `MATVEC_SIMD=portable`
//! in the same minute): the axpy direction (`mul_vec_t` of a row-major matrix) 16.2 → 10.6 ms,
//! f32 values with f64 vectors 9.8 → 7.3 ms (`mul_vec_t`) and 7.7 → 6.7 ms (`mul_vec`); the
//! f64 dot direction is at the memory bandwidth either way (10.1–10.6 ms). A whole build with
//! `-C target-cpu=native` (AVX-512 too) reached 8.4 ms on the axpy; `avx512f` as a target
//! feature needs Rust 1.89, above our `rust-version`. The sparse kernels are not dispatched:
//! the native build did not speed them up (their sums are one dependent chain a row, which no
//! instruction set widens without changing the order of the additions).
//! `MATVEC_SIMD=portable` in the environment forces the portable variant (for comparisons).

use crate::{Scalar, Widen};
use std::sync::atomic::{AtomicU8, Ordering};

/// An instruction-set variant of the kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Isa {
    /// Baseline code for the build target (SSE2 on x86-64; any other architecture).
    Portable,
    /// x86-64 with AVX2.
    Avx2,
}

/// 0: not yet detected; otherwise `1 + Isa as u8`.
static SELECTED: AtomicU8 = AtomicU8::new(0);

/// The variant this process uses: the best the CPU supports, unless `MATVEC_SIMD=portable`.
pub(crate) fn selected() -> Isa {
    match SELECTED.load(Ordering::Relaxed) {
        1 => Isa::Portable,
        2 => Isa::Avx2,
        _ => {
            let forced = std::env::var_os("MATVEC_SIMD").is_some_and(|v| v == "portable");
            let isa = if forced { Isa::Portable } else { best() };
            SELECTED.store(1 + isa as u8, Ordering::Relaxed);
            isa
        }
    }
}

/// The best variant the CPU supports.
pub(crate) fn best() -> Isa {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        return Isa::Avx2;
    }
    Isa::Portable
}

/// The instruction set the dense kernels run with in this process: `"avx2"` or `"portable"`
/// (baseline for the build target). Chosen once, at the first product, from the CPU
/// (`MATVEC_SIMD=portable` forces the baseline); results are the same bits either way.
pub fn instruction_set() -> &'static str {
    match selected() {
        Isa::Portable => "portable",
        Isa::Avx2 => "avx2",
    }
}

/// Declares `$name`, which runs the `#[inline(always)]` body `$body` with the selected
/// variant, and `$name _on`, which runs it with a given one (for the tests).
macro_rules! dispatched {
    ($name:ident, $on:ident, $avx2:ident, $body:path, ($($arg:ident: $ty:ty),*)) => {
        #[inline]
        pub(crate) fn $name<S: Scalar + Widen<T>, T: Scalar>($($arg: $ty),*) {
            $on(selected(), $($arg),*)
        }

        #[inline]
        pub(crate) fn $on<S: Scalar + Widen<T>, T: Scalar>(isa: Isa, $($arg: $ty),*) {
            match isa {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Avx2` is only selected (by `best`) or requested (by the tests, after
                // `best` said so) when the CPU has AVX2.
                Isa::Avx2 => unsafe { $avx2($($arg),*) },
                _ => $body($($arg),*),
            }
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        fn $avx2<S: Scalar + Widen<T>, T: Scalar>($($arg: $ty),*) {
            $body($($arg),*)
        }
    };
}

dispatched!(dot_rows, dot_rows_on, dot_rows_avx2, super::dense::dot_rows,
    (data: &[S], inner: usize, alpha: T, x: &[T], beta: T, y: &mut [T]));
dispatched!(axpy_rows, axpy_rows_on, axpy_rows_avx2, super::dense::axpy_rows,
    (data: &[S], inner: usize, alpha: T, x: &[T], first: usize, y: &mut [T]));

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant this machine supports gives the portable variant's bits, for both
    /// kernels, f64 and f32 storage, lengths around the lane and group sizes.
    #[test]
    fn every_supported_variant_matches_the_portable_one_bit_for_bit() {
        let variants: Vec<Isa> = [Isa::Portable, Isa::Avx2]
            .into_iter()
            .filter(|&v| v == Isa::Portable || best() == Isa::Avx2)
            .collect();
        eprintln!("variants tested: {variants:?}");
        let mut state = 5u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        for (outer, inner) in [(1usize, 1usize), (4, 3), (7, 17), (13, 64), (9, 1001)] {
            let data: Vec<f64> = (0..outer * inner).map(|_| next()).collect();
            let data32: Vec<f32> = data.iter().map(|&v| v as f32).collect();
            let xd: Vec<f64> = (0..inner).map(|_| next()).collect();
            let xa: Vec<f64> = (0..outer).map(|_| next()).collect();
            let y0: Vec<f64> = (0..outer.max(inner)).map(|_| next()).collect();
            let bits = |v: &[f64]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            let run = |isa: Isa| {
                let mut d = y0[..outer].to_vec();
                dot_rows_on(isa, &data, inner, 0.7, &xd, -1.1, &mut d);
                let mut d32 = y0[..outer].to_vec();
                dot_rows_on(isa, &data32, inner, 0.7, &xd, 0.0, &mut d32);
                let mut a = y0[..inner].to_vec();
                axpy_rows_on(isa, &data, inner, 0.3, &xa, 0, &mut a);
                let mut a32 = y0[..inner].to_vec();
                axpy_rows_on(isa, &data32, inner, 0.3, &xa, 0, &mut a32);
                [bits(&d), bits(&d32), bits(&a), bits(&a32)]
            };
            let want = run(Isa::Portable);
            for &isa in &variants {
                assert_eq!(run(isa), want, "{isa:?} {outer}x{inner}");
            }
        }
    }
}
