//! Files our users already have: numpy `.npy` ([`npy`]), Matrix Market ([`mtx`]) and scipy
//! sparse `.npz` ([`npz`]). Every reader validates what it reads and reports errors naming the
//! file and the position; every writer goes through a temporary file renamed when complete.

mod atomic;
mod dtype;
pub mod mtx;
pub mod npy;
pub mod npz;
mod open;

pub use dtype::{Dtype, DtypeKind};
pub(crate) use open::{open_file, open_input};
