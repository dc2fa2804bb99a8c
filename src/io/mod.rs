//! Files our users already have: numpy `.npy` (this module), with Matrix Market and scipy
//! `.npz` to come.

pub mod npy;
