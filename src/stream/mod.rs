//! Out-of-core matrices: files multiplied block by block through positioned reads into
//! buffers a memory budget sizes, so that resident memory stays near the budget however
//! large the file, and a file that changes under a product gives an error instead of a
//! signal.
//!
//! | type | file | opened by |
//! |---|---|---|
//! | [`StreamDense`] | `.npy` (`f4`/`f8`, C or Fortran order) | [`StreamDense::open`] |
//! | [`StreamDense`] | raw elements at an offset (`tofile`, `np.memmap`, contiguous HDF5) | [`StreamDense::open_raw`] with a [`RawDense`] |
//! | `StreamHdf5` (feature `hdf5`) | a 2-D `f4`/`f8` HDF5 dataset, contiguous (read at its offset) or chunked with any filters (read through the library) | `StreamHdf5::open(path, dataset)` |
//! | [`StreamCsr`], [`StreamCsc`] | scipy `.npz`, stored members (int32/int64 offsets and indices) | [`StreamCsr::open`], [`StreamCsc::open`] |
//! | [`NpzRows`] | any range of rows of such a CSR `.npz`, read alone (not a `MatVec`: the reader of each process of a distributed matrix) | [`NpzRows::open`] |
//!
//! One engine serves them all: a *source* says where a block of outer slices is in the file;
//! the engine reads blocks into buffers it keeps (a pool, so products allocate nothing in
//! steady state and concurrent products never share a buffer) and hands each block to the
//! same kernels the in-memory types use, so results are bit-identical to theirs.
//!
//! Every product has a fallible form (`try_mul_vec`, `try_mul_vec_t`, `try_mul_mat`,
//! `try_mul_mat_t`) returning the read error; the [`MatVec`](crate::MatVec) methods, which
//! cannot return one, panic with it (the message names the file and the offset). No
//! product ever computes on bytes it did not read.

mod dense;
mod file;
#[cfg(feature = "hdf5")]
mod hdf5;
mod npz;
pub(crate) mod os;
mod rows;
mod sparse;

#[cfg(feature = "hdf5")]
pub use self::hdf5::StreamHdf5;
pub use dense::{DEFAULT_BUDGET, RawDense, StreamDense};
pub use rows::NpzRows;
pub use sparse::{DEFAULT_SPARSE_BUDGET, StreamCsc, StreamCsr};
