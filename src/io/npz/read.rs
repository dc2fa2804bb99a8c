//! Reading the members of an `.npz` archive into our matrices: `format`, `shape`, the
//! compressed arrays (checked element by element, then canonicalised) and COO triplets.

use super::member::{Archive, Kind, Member, index_as, to_index, to_scalar};
use super::{NpzFormat, NpzMatrix};
use crate::error::{Error, Result};
use crate::{Coo, Csc, Csr, Index, Scalar};
use std::io::{Read, Seek};

/// Reads a whole archive in its format.
pub(crate) fn read_archive<T: Scalar, I: Index, R: Read + Seek>(
    a: &mut Archive<R>,
) -> Result<NpzMatrix<T, I>> {
    let format = read_format(a)?;
    let (nrows, ncols) = read_shape(a)?;
    check_fits::<I, R>(a, nrows, ncols)?;
    let structure = |a: &Archive<R>, e: Error| a.err(e.to_string());
    Ok(match format {
        NpzFormat::Csr => {
            let (p, i, v) = read_compressed(a, format, nrows, ncols)?;
            NpzMatrix::Csr(Csr::try_new(nrows, ncols, p, i, v).map_err(|e| structure(a, e))?)
        }
        NpzFormat::Csc => {
            let (p, i, v) = read_compressed(a, format, nrows, ncols)?;
            NpzMatrix::Csc(Csc::try_new(nrows, ncols, p, i, v).map_err(|e| structure(a, e))?)
        }
        NpzFormat::Coo => {
            let (r, c, v) = read_triplets(a, nrows, ncols)?;
            NpzMatrix::Coo(
                Coo::try_from_triplets(nrows, ncols, r, c, v).map_err(|e| structure(a, e))?,
            )
        }
    })
}

/// Reads `format.npy`: a one-element bytes (`|S3`) or unicode (`<U3`) array.
pub(crate) fn read_format<R: Read + Seek>(a: &mut Archive<R>) -> Result<NpzFormat> {
    let (m, bytes) = a.read_small("format.npy", 256)?;
    let text = match (m.descr.kind, m.len) {
        (Kind::Bytes, 1) => String::from_utf8_lossy(&bytes).into_owned(),
        (Kind::Unicode, 1) => bytes
            .chunks_exact(4)
            .map(|c| {
                let a: [u8; 4] = c.try_into().expect("chunks_exact");
                let u = if m.descr.big_endian {
                    u32::from_be_bytes(a)
                } else {
                    u32::from_le_bytes(a)
                };
                char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => {
            return Err(a.err(format!(
                "member {} must hold one string (scipy writes b'csr', b'csc' or b'coo')",
                m.what()
            )));
        }
    };
    let text = text.trim_end_matches('\0');
    match text {
        "csr" => Ok(NpzFormat::Csr),
        "csc" => Ok(NpzFormat::Csc),
        "coo" => Ok(NpzFormat::Coo),
        "bsr" | "dia" => Err(a.err(format!(
            "member 'format.npy': format '{text}' is not supported (only csr, csc and coo); \
             save the matrix with save_npz(path, m.tocsr())"
        ))),
        _ => Err(a.err(format!(
            "member 'format.npy': unknown sparse format {text:?} (expected 'csr', 'csc' or \
             'coo')"
        ))),
    }
}

/// Reads `shape.npy`: two non-negative integers.
pub(crate) fn read_shape<R: Read + Seek>(a: &mut Archive<R>) -> Result<(usize, usize)> {
    let m = a.member("shape.npy")?;
    if !m.descr.is_integer() || m.header.shape.len() != 1 || m.len != 2 {
        return Err(a.err(format!(
            "member {} must hold the two dimensions of a matrix as integers (only 2-D sparse \
             matrices are supported)",
            m.what()
        )));
    }
    let v = a.read_vec(&m, |_, v| to_index(v, usize::MAX, "dimension"))?;
    Ok((v[0], v[1]))
}

/// Checks that both dimensions fit `I`.
pub(crate) fn check_fits<I: Index, R: Read + Seek>(
    a: &Archive<R>,
    nrows: usize,
    ncols: usize,
) -> Result<()> {
    if nrows > I::MAX_DIM || ncols > I::MAX_DIM {
        return Err(a.err(format!(
            "member 'shape.npy': a {nrows} x {ncols} matrix does not fit {} indices (at most \
             {} rows and columns); read it with I = usize",
            I::NAME,
            I::MAX_DIM
        )));
    }
    Ok(())
}

/// `(outer, inner, outer name, inner name)` of a compressed format.
pub(crate) fn axes(
    format: NpzFormat,
    nrows: usize,
    ncols: usize,
) -> (usize, usize, &'static str, &'static str) {
    match format {
        NpzFormat::Csc => (ncols, nrows, "column", "row"),
        _ => (nrows, ncols, "row", "column"),
    }
}

/// The three members of a compressed (`'csr'` or `'csc'`) file of `outer` slices, their
/// headers checked against each other: 1-D, integer offsets and indices, `outer + 1` offsets,
/// one value per index. Reads headers only.
pub(crate) fn compressed_members<R: Read + Seek>(
    a: &mut Archive<R>,
    format: NpzFormat,
    nrows: usize,
    ncols: usize,
) -> Result<[Member; 3]> {
    let (outer, _, oname, _) = axes(format, nrows, ncols);
    let mp = a.member("indptr.npy")?;
    let mi = a.member("indices.npy")?;
    let md = a.member("data.npy")?;
    let why = format!("the number of {oname}s + 1");
    check_vector(a, &mp, true, Some((outer.saturating_add(1), &why)))?;
    check_vector(a, &mi, true, None)?;
    check_vector(
        a,
        &md,
        false,
        Some((mi.len, "one value per index in 'indices.npy'")),
    )?;
    Ok([mp, mi, md])
}

/// Checks that `m` is a 1-D array of integers (or of numbers, for `data`) of `len` entries.
pub(crate) fn check_vector<R: Read + Seek>(
    a: &Archive<R>,
    m: &Member,
    integers: bool,
    len: Option<(usize, &str)>,
) -> Result<()> {
    if m.header.shape.len() != 1 {
        return Err(a.err(format!("member {} must be a 1-D array", m.what())));
    }
    if integers && !m.descr.is_integer() {
        return Err(a.err(format!(
            "member {} must hold integers (scipy writes int32 or int64)",
            m.what()
        )));
    }
    if !integers && !m.descr.is_numeric() {
        return Err(a.err(format!(
            "member {} must hold numbers (float, integer or bool)",
            m.what()
        )));
    }
    if let Some((want, why)) = len
        && m.len != want
    {
        return Err(a.err(format!(
            "member {} has {} entries; expected {want} ({why})",
            m.what(),
            m.len
        )));
    }
    Ok(())
}

/// Reads `indptr`, `indices` and `data` of a CSR or CSC file, checked, then sorts each outer
/// slice and sums duplicates if the file's indices are not canonical.
#[allow(clippy::type_complexity)]
fn read_compressed<T: Scalar, I: Index, R: Read + Seek>(
    a: &mut Archive<R>,
    format: NpzFormat,
    nrows: usize,
    ncols: usize,
) -> Result<(Vec<usize>, Vec<I>, Vec<T>)> {
    let (outer, inner, oname, iname) = axes(format, nrows, ncols);
    let mp = a.member("indptr.npy")?;
    let mi = a.member("indices.npy")?;
    let md = a.member("data.npy")?;
    let why = format!("the number of {oname}s + 1");
    check_vector(a, &mp, true, Some((outer.saturating_add(1), &why)))?;
    check_vector(a, &mi, true, None)?;
    let nnz = mi.len;
    check_vector(
        a,
        &md,
        false,
        Some((nnz, "one value per index in 'indices.npy'")),
    )?;
    let mut prev = 0;
    let mut ptr = a.read_vec(&mp, |k, v| {
        let p = to_index(v, nnz.saturating_add(1), "offset").map_err(|e| {
            format!("{e}: offsets index the {nnz} entries of 'indices.npy' and 'data.npy'")
        })?;
        if k == 0 && p != 0 {
            return Err(format!("the first offset is {p}; it must be 0"));
        }
        if p < prev {
            return Err(format!(
                "offsets decrease from {prev} to {p} ({oname} {})",
                k - 1
            ));
        }
        prev = p;
        Ok(p)
    })?;
    if ptr.last() != Some(&nnz) {
        return Err(a.err(format!(
            "member {}: the last offset is {}; it must be {nnz}, the number of stored entries",
            mp.what(),
            ptr.last().copied().unwrap_or(0)
        )));
    }
    let what = format!("{iname} index");
    let mut idx = a.read_vec(&mi, |_, v| to_index(v, inner, &what).map(index_as::<I>))?;
    let mut val = a.read_vec(&md, |_, v| Ok(to_scalar::<T>(v)))?;
    canonicalise(&mut ptr, &mut idx, &mut val);
    Ok((ptr, idx, val))
}

/// Reads the coordinates and values of a COO file, checked.
#[allow(clippy::type_complexity)]
fn read_triplets<T: Scalar, I: Index, R: Read + Seek>(
    a: &mut Archive<R>,
    nrows: usize,
    ncols: usize,
) -> Result<(Vec<I>, Vec<I>, Vec<T>)> {
    let md = a.member("data.npy")?;
    check_vector(a, &md, false, None)?;
    let nnz = md.len;
    let (rows, cols) = if a.has("coords.npy") {
        let mc = a.member("coords.npy")?;
        if mc.header.shape != [2, nnz] || !mc.descr.is_integer() {
            return Err(a.err(format!(
                "member {} must be integers of shape (2, {nnz}): a row and a column for each \
                 value of 'data.npy'",
                mc.what()
            )));
        }
        let fortran = mc.header.fortran_order;
        let mut rows = Vec::with_capacity(nnz.min(1 << 24));
        let mut cols = Vec::with_capacity(nnz.min(1 << 24));
        a.for_each("coords.npy", |k, v| {
            let is_row = if fortran { k % 2 == 0 } else { k < nnz };
            if is_row {
                rows.push(index_as::<I>(to_index(v, nrows, "row index")?));
            } else {
                cols.push(index_as::<I>(to_index(v, ncols, "column index")?));
            }
            Ok(())
        })?;
        (rows, cols)
    } else {
        let mr = a.member("row.npy")?;
        let mc = a.member("col.npy")?;
        check_vector(a, &mr, true, Some((nnz, "one per value in 'data.npy'")))?;
        check_vector(a, &mc, true, Some((nnz, "one per value in 'data.npy'")))?;
        let rows = a.read_vec(&mr, |_, v| {
            to_index(v, nrows, "row index").map(index_as::<I>)
        })?;
        let cols = a.read_vec(&mc, |_, v| {
            to_index(v, ncols, "column index").map(index_as::<I>)
        })?;
        (rows, cols)
    };
    let val = a.read_vec(&md, |_, v| Ok(to_scalar::<T>(v)))?;
    Ok((rows, cols, val))
}

/// Sorts the indices of each outer slice and sums duplicates, compacting the arrays in place:
/// the crate's one canonicaliser ([`crate::canonical`]), so a non-canonical file gives the
/// bits `Coo::into_csr` gives for the same entries (duplicates summed in ascending value
/// order). Slices already strictly increasing — all of them, in a canonical file — are only
/// moved. `ptr` must be valid offsets for `idx` and `val`.
fn canonicalise<T: Scalar, I: Index>(ptr: &mut [usize], idx: &mut Vec<I>, val: &mut Vec<T>) {
    crate::canonical::sort_and_sum(crate::Par::Seq, ptr, idx, val);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npz::member;

    #[test]
    fn npz_canonicalise_sorts_and_sums_in_place() {
        // Row 0 sorted, row 1 unsorted with a duplicate, row 2 empty, row 3 sorted.
        let mut ptr = vec![0, 2, 6, 6, 8];
        let mut idx: Vec<u32> = vec![0, 3, 2, 1, 2, 0, 1, 4];
        let mut val = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        canonicalise(&mut ptr, &mut idx, &mut val);
        assert_eq!(ptr, [0, 2, 5, 5, 7]);
        assert_eq!(idx, [0, 3, 0, 1, 2, 1, 4]);
        assert_eq!(val, [1.0, 2.0, 6.0, 4.0, 8.0, 7.0, 8.0]); // 3 + 5 summed
    }

    #[test]
    fn npz_descr_parsing() {
        use member::Descr;
        let d = Descr::parse("<i4").unwrap();
        assert_eq!((d.kind, d.size, d.big_endian), (Kind::Int, 4, false));
        let d = Descr::parse(">u8").unwrap();
        assert_eq!((d.kind, d.size, d.big_endian), (Kind::UInt, 8, true));
        assert_eq!(Descr::parse("|S3").unwrap().kind, Kind::Bytes);
        assert_eq!(Descr::parse("<U3").unwrap().size, 12);
        assert_eq!(Descr::parse("|b1").unwrap().kind, Kind::Bool);
        assert_eq!(Descr::parse("<c16"), Err("complex numbers"));
        assert_eq!(Descr::parse("|O"), Err("Python objects (pickled)"));
        assert_eq!(Descr::parse("<M8[ns]"), Err("dates or times"));
        assert_eq!(Descr::parse("<f2"), Err("half-precision floats"));
        assert!(Descr::parse("").is_err());
        assert!(Descr::parse("<i3").is_err());
    }
}
