//! Owned sprs matrices by value (feature `sprs`): `sprs::CsMatI<T, I, usize>` ⇄ [`Csr`] /
//! [`Csc`] hand their three `Vec`s over without copying them, and `sprs::TriMatI` → [`Coo`]
//! copies the triplets (sprs has no way to give its triplet vectors away).

use sprs::{CompressedStorage, CsMatI, SpIndex, TriMatI};

use crate::error::{Error, Result};
use crate::{Coo, Csc, Csr, Index, Scalar};

/// The three vectors of an owned sprs matrix in the wanted storage order.
type Vecs<T, I> = (usize, usize, Vec<usize>, Vec<I>, Vec<T>);

fn take<T, I: SpIndex>(m: CsMatI<T, I, usize>, want: CompressedStorage) -> Result<Vecs<T, I>> {
    if m.storage() != want {
        let (name, other) = match want {
            CompressedStorage::CSR => ("CSR", "CSC"),
            CompressedStorage::CSC => ("CSC", "CSR"),
        };
        return Err(Error::Layout(format!(
            "the sprs matrix ({} x {}) is stored as {other}, not {name}; take it as a {other} \
             matrix instead (whose `into_transpose()` is the {name} matrix of the transpose), \
             or convert it in sprs first (copies)",
            m.rows(),
            m.cols()
        )));
    }
    let (nrows, ncols) = m.shape();
    let (indptr, indices, data) = m.into_raw_storage();
    Ok((nrows, ncols, indptr, indices, data))
}

/// Our invariants imply sprs's (sorted, unique, in-bounds indices; offsets from 0 to nnz), so
/// sprs's own check cannot fail; it is kept (an `O(nnz)` pass) rather than sprs's `unsafe`
/// unchecked constructor, since a conversion that moves the vectors is not a hot path.
fn give<T, I: SpIndex>(
    storage: CompressedStorage,
    shape: (usize, usize),
    (ptr, idx, val): (Vec<usize>, Vec<I>, Vec<T>),
) -> CsMatI<T, I, usize> {
    let make = match storage {
        CompressedStorage::CSR => CsMatI::try_new,
        CompressedStorage::CSC => CsMatI::try_new_csc,
    };
    make(shape, ptr, idx, val)
        .unwrap_or_else(|(.., e)| panic!("a valid matvec matrix is a valid sprs matrix: {e}"))
}

impl<T: Scalar, I: Index + SpIndex> Csr<T, I> {
    /// Takes an owned CSR sprs matrix by value: its vectors become ours, **no copy**, after
    /// checking every invariant of [`Csr`] in `O(nnz)`.
    ///
    /// # Errors
    ///
    /// [`Error::Layout`] if it is stored as CSC; [`Error::Structure`](crate::Error::Structure)
    /// if its vectors break an invariant of [`Csr`] (sprs's unchecked constructors allow it).
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{Csr, MatVec};
    ///
    /// let s = sprs::CsMatI::<f64, u32, usize>::new((2, 3), vec![0, 2, 3], vec![0, 2, 1], vec![1.0, 2.0, 3.0]);
    /// let ptr = s.data().as_ptr();
    /// let a = Csr::from_sprs_owned(s)?; // moved, not copied
    /// assert_eq!(a.values().as_ptr(), ptr);
    /// assert_eq!(a.matvec(&[1.0, 1.0, 1.0]), vec![3.0, 3.0]);
    /// let back = a.into_sprs(); // moved back
    /// assert_eq!(back.data().as_ptr(), ptr);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_sprs_owned(m: CsMatI<T, I, usize>) -> Result<Self> {
        let (nrows, ncols, ptr, idx, val) = take(m, CompressedStorage::CSR)?;
        Csr::try_new(nrows, ncols, ptr, idx, val)
    }

    /// Gives the matrix to sprs by value (**no copy** of the vectors; sprs checks the
    /// structure once more, in `O(nnz)`).
    ///
    /// # Panics
    ///
    /// Only if a dimension does not fit `I` as sprs requires (matvec allows a dimension of
    /// exactly `u32::MAX` with `u32` indices; see [`CsrView::to_sprs`](crate::CsrView::to_sprs)).
    pub fn into_sprs(self) -> CsMatI<T, I, usize> {
        let (nrows, ncols, ptr, idx, val) = self.into_parts();
        give(CompressedStorage::CSR, (nrows, ncols), (ptr, idx, val))
    }
}

impl<T: Scalar, I: Index + SpIndex> Csc<T, I> {
    /// Takes an owned CSC sprs matrix by value, **no copy**; see [`Csr::from_sprs_owned`].
    ///
    /// # Errors
    ///
    /// As [`Csr::from_sprs_owned`], with the storage orders swapped.
    pub fn from_sprs_owned(m: CsMatI<T, I, usize>) -> Result<Self> {
        let (nrows, ncols, ptr, idx, val) = take(m, CompressedStorage::CSC)?;
        Csc::try_new(nrows, ncols, ptr, idx, val)
    }

    /// Gives the matrix to sprs by value, **no copy**; see [`Csr::into_sprs`].
    ///
    /// # Panics
    ///
    /// As [`Csr::into_sprs`].
    pub fn into_sprs(self) -> CsMatI<T, I, usize> {
        let (nrows, ncols, ptr, idx, val) = self.into_parts();
        give(CompressedStorage::CSC, (nrows, ncols), (ptr, idx, val))
    }
}

impl<T: Scalar, I: Index + SpIndex> Coo<T, I> {
    /// The triplets of a sprs `TriMatI`, **copied** (sprs has no way to give its triplet
    /// vectors away; the copy is `nnz · (2·size_of::<I>() + size_of::<T>())` bytes).
    /// Duplicates are kept, as in sprs, and summed by [`Coo::into_csr`].
    ///
    /// # Errors
    ///
    /// [`Error::Structure`](crate::Error::Structure) if an index is out of range or a
    /// dimension does not fit `I`.
    ///
    /// # Examples
    ///
    /// ```
    /// use matvec::{Coo, MatVec};
    ///
    /// let mut t = sprs::TriMatI::<f64, u32>::new((2, 2));
    /// t.add_triplet(0, 1, 2.0);
    /// t.add_triplet(0, 1, 3.0); // a duplicate: summed by into_csr
    /// t.add_triplet(1, 0, 1.0);
    /// let a = Coo::from_sprs(&t)?.into_csr();
    /// assert_eq!(a.matvec(&[1.0, 1.0]), vec![5.0, 1.0]);
    /// # Ok::<(), matvec::Error>(())
    /// ```
    pub fn from_sprs(t: &TriMatI<T, I>) -> Result<Self> {
        Coo::try_from_triplets(
            t.rows(),
            t.cols(),
            t.row_inds().to_vec(),
            t.col_inds().to_vec(),
            t.data().to_vec(),
        )
    }
}
