//! The element types a matrix may hold: `f32` and `f64`.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type: implemented for `f32` and `f64` only (sealed).
///
/// The kernels need nothing but `+`, `*`, zero and one; the trait is sealed so that the
/// crate can add methods without breaking anyone.
pub trait Scalar:
    sealed::Sealed
    + Copy
    + Send
    + Sync
    + Default
    + Debug
    + Display
    + PartialEq
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + Sum
    + Widen<Self>
    + 'static
{
    /// Additive identity.
    const ZERO: Self;
    /// Multiplicative identity.
    const ONE: Self;
    /// Name of the type, as in `"f64"`.
    const NAME: &'static str;
    /// numpy's little-endian type string, as in `"<f8"`.
    const NPY_DESCR: &'static str;
    /// Machine epsilon: the gap between 1 and the next representable value.
    const EPSILON: Self;
    /// Smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// Largest exponent `e` such that `2^e` and `2^-e` are both normal (with a margin).
    #[doc(hidden)]
    const SAFE_EXP: i32;

    /// Converts from `f64`, rounding to the nearest representable value.
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact for both `f32` and `f64`).
    fn to_f64(self) -> f64;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `true` if the value is neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// IEEE 754 total order (`f64::total_cmp`).
    #[doc(hidden)]
    fn total_cmp(&self, other: Self) -> std::cmp::Ordering;

    /// The bytes as a slice of `Self`, or `None` if misaligned or of a length that is not a
    /// multiple of the size (checked at run time, without `unsafe`, by bytemuck).
    #[doc(hidden)]
    fn cast_bytes(bytes: &[u8]) -> Option<&[Self]>;
    /// The slice as bytes (native byte order).
    #[doc(hidden)]
    fn as_bytes(values: &[Self]) -> &[u8];
    /// The slice as mutable bytes (native byte order), to read a file into.
    #[doc(hidden)]
    fn as_bytes_mut(values: &mut [Self]) -> &mut [u8];
    /// 8-byte words as a mutable slice of `Self` (checked by bytemuck: the alignment of `u64`
    /// suits both types), for scratch buffers shared by both precisions.
    #[doc(hidden)]
    fn from_words_mut(words: &mut [u64]) -> &mut [Self];
}

macro_rules! impl_scalar {
    ($t:ty, $descr:literal) => {
        impl Scalar for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const NAME: &'static str = stringify!($t);
            const NPY_DESCR: &'static str = $descr;
            const EPSILON: Self = <$t>::EPSILON;
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;
            const SAFE_EXP: i32 = <$t>::MAX_EXP - 8;

            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn total_cmp(&self, other: Self) -> std::cmp::Ordering {
                <$t>::total_cmp(self, &other)
            }
            fn cast_bytes(bytes: &[u8]) -> Option<&[Self]> {
                bytemuck::try_cast_slice(bytes).ok()
            }
            fn as_bytes(values: &[Self]) -> &[u8] {
                bytemuck::cast_slice(values)
            }
            fn as_bytes_mut(values: &mut [Self]) -> &mut [u8] {
                bytemuck::cast_slice_mut(values)
            }
            fn from_words_mut(words: &mut [u64]) -> &mut [Self] {
                bytemuck::cast_slice_mut(words)
            }
        }
    };
}

impl_scalar!(f32, "<f4");
impl_scalar!(f64, "<f8");

/// Storage precision that serves products in precision `T`: every [`Scalar`] widens to
/// itself (it is a supertrait of `Scalar`), and `f32` widens to `f64` (exactly: every `f32`
/// is an `f64`).
///
/// This is what lets a matrix stored in `f32` implement [`MatVec<f64>`](crate::MatVec): the
/// kernels read 4 bytes a value, convert each to `f64` and accumulate in `f64`, so a product
/// streams a third less memory than an `f64` matrix (8 bytes a nonzero instead of 12 with
/// `u32` indices) and loses nothing to `f32` arithmetic. Only the stored values are rounded,
/// once, when the matrix is converted (see `Csr::to_f32`, which says by how much).
///
/// Implemented for `f32 → f32`, `f64 → f64` and `f32 → f64` only: `f64 → f32` would round in
/// every product, which is a conversion the caller should see.
///
/// A matrix with `f32` values thus has two `MatVec` impls; where nothing else fixes the vector
/// type, name it (`Options::<f32>::new()`, a typed `x`).
///
/// # Examples
///
/// ```
/// use matvec::{Coo, MatVec, Par};
///
/// let mut coo = Coo::<f64>::new(2, 2);
/// coo.push(0, 0, 0.1);
/// coo.push(1, 1, 2.0);
/// let (a32, rounding) = coo.to_csr().to_f32(); // 4-byte values
/// assert!(rounding < 1e-7);
/// let x = [1.0f64, 1e-9]; // f64 vectors, not rounded to f32
/// let mut y = [0.0f64; 2];
/// a32.mul_vec(1.0, &x, 0.0, &mut y, Par::Rayon);
/// assert_eq!(y, [f64::from(0.1f32), 2e-9]);
/// ```
pub trait Widen<T>: sealed::Sealed + Copy + Send + Sync + 'static {
    /// The value in precision `T` (exact).
    fn widen(self) -> T;
}

impl Widen<f32> for f32 {
    #[inline(always)]
    fn widen(self) -> f32 {
        self
    }
}

impl Widen<f64> for f64 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
}

impl Widen<f64> for f32 {
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
}

/// Rounds `f64` values to `f32` and returns them with the largest relative rounding error,
/// `max |v₃₂ − v| / |v|` over the nonzero finite values (infinite if one overflows to ±∞;
/// zeros, infinities and NaN convert exactly and count as 0).
pub(crate) fn round_to_f32(values: &[f64]) -> (Vec<f32>, f64) {
    let mut worst = 0.0f64;
    let rounded = values
        .iter()
        .map(|&v| {
            let r = v as f32;
            if v != 0.0 && v.is_finite() {
                worst = worst.max((f64::from(r) - v).abs() / v.abs());
            }
            r
        })
        .collect();
    (rounded, worst)
}
