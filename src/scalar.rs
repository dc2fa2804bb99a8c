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

    /// The bytes as a slice of `Self`, or `None` if misaligned or of a length that is not a
    /// multiple of the size (checked at run time, without `unsafe`, by bytemuck).
    #[doc(hidden)]
    fn cast_bytes(bytes: &[u8]) -> Option<&[Self]>;
    /// The slice as bytes (native byte order).
    #[doc(hidden)]
    fn as_bytes(values: &[Self]) -> &[u8];
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
            fn cast_bytes(bytes: &[u8]) -> Option<&[Self]> {
                bytemuck::try_cast_slice(bytes).ok()
            }
            fn as_bytes(values: &[Self]) -> &[u8] {
                bytemuck::cast_slice(values)
            }
        }
    };
}

impl_scalar!(f32, "<f4");
impl_scalar!(f64, "<f8");
