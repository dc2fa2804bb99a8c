//! sprs interop (to be written).
