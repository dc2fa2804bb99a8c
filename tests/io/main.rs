//! The file formats: Matrix Market, `.npy` (mapped and streamed), scipy's `.npz` (read,
//! written, mapped, streamed), files numpy and h5py wrote, and hostile files of every class.
//!
//! The tests that compare with numpy, scipy or h5py need `python3` with them (`bash
//! scripts/test.sh` installs them and sets `MATVEC_REQUIRE_PYTHON=1`, which turns a missing
//! package into a failure; without it those tests print why they are skipped and pass). Set
//! `MATVEC_PYTHON` to use another interpreter.

#[path = "../common/mod.rs"]
mod common;

mod causes;
mod hostile;
mod mtx;
mod npy;
mod npz;
mod python;
