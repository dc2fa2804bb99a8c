//! ndarray interop (to be written).
