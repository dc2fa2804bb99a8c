//! The writers: `coordinate real general` from CSR or COO, `array real general` from a dense
//! matrix; formatted in parallel blocks, written in order through a temporary file that is
//! renamed over the destination only when complete.

use crate::error::{Error, Result};
use crate::io::atomic::AtomicFile;
use crate::par::{Par, overlap};
use crate::{Coo, CsrView, DenseView, Index, Layout, Scalar};
use std::fmt::{Display, LowerExp};

use std::io::Write;
use std::ops::Range;
use std::path::Path;

/// Entries a writer formats per parallel block.
const WRITE_BLOCK: usize = 1 << 16;

/// Entries `range` of a file being written, and their text.
#[derive(Default)]
struct Block {
    range: Range<usize>,
    buf: Vec<u8>,
}

/// Writes the banner, the size line and `total` entries formatted by `fmt(range, buf)` (in
/// blocks, formatted in parallel on the current rayon pool, written in order) to `path`
/// through a temporary file.
fn write_file(
    path: &Path,
    banner: &str,
    size: &str,
    total: usize,
    fmt: impl Fn(Range<usize>, &mut Vec<u8>) + Sync,
) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    let io = |e| Error::io(path, e);
    let w = f.writer();
    writeln!(w, "%%MatrixMarket matrix {banner}").map_err(io)?;
    writeln!(w, "{size}").map_err(io)?;
    let par = Par::default();
    let batch = 2 * par.threads().max(1);
    let mut blocks: Vec<Block> = (0..batch).map(|_| Block::default()).collect();
    let mut next = 0;
    while next < total {
        let mut used = 0;
        for b in blocks.iter_mut() {
            if next >= total {
                break;
            }
            let end = total.min(next + WRITE_BLOCK);
            b.range = next..end;
            next = end;
            used += 1;
        }
        let format = |b: &mut Block| {
            b.buf.clear();
            fmt(b.range.clone(), &mut b.buf);
        };
        overlap(par, &mut blocks[..used], &format, || {});
        for b in &blocks[..used] {
            w.write_all(&b.buf).map_err(io)?;
        }
    }
    f.commit()
}

/// Appends `n` in decimal.
#[inline]
fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut k = tmp.len();
    loop {
        k -= 1;
        tmp[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[k..]);
}

/// Appends `v` in the shortest decimal form that parses back to the same `T` (Rust's
/// shortest round-trip printing; exponent notation for very large or small magnitudes, where
/// plain notation would print hundreds of digits).
#[inline]
pub(super) fn push_value<T: Scalar>(buf: &mut Vec<u8>, v: T) {
    let x = v.to_f64();
    let a = x.abs();
    let plain = a == 0.0 || !a.is_finite() || (1e-5..1e16).contains(&a);
    if std::mem::size_of::<T>() == 4 {
        push_float(buf, x as f32, plain); // exact: `x` came from an f32
    } else {
        push_float(buf, x, plain);
    }
}

/// Appends `x` in plain or exponent notation.
#[inline]
fn push_float(buf: &mut Vec<u8>, x: impl Display + LowerExp, plain: bool) {
    // Writing to a Vec cannot fail.
    let _ = if plain {
        write!(buf, "{x}")
    } else {
        write!(buf, "{x:e}")
    };
}

#[inline]
fn push_entry<T: Scalar>(buf: &mut Vec<u8>, i: usize, j: usize, v: T) {
    push_u64(buf, i as u64 + 1);
    buf.push(b' ');
    push_u64(buf, j as u64 + 1);
    buf.push(b' ');
    push_value(buf, v);
    buf.push(b'\n');
}

/// Writes `a` to `path` as `coordinate real general`, one line a stored entry in row order
/// (explicit zeros included), values printed to round-trip exactly.
///
/// The file is written to a temporary file in the same directory, synced, and renamed to
/// `path` only when complete; on error no file is left under either name.
///
/// # Errors
///
/// [`Error::Io`] if the temporary file cannot be created, written, synced or renamed.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::Csr;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-wcsr-{}.mtx", std::process::id()));
/// let a = Csr::<f64>::try_new(2, 3, vec![0, 1, 2], vec![2, 0], vec![0.1, -1e300])?;
/// mtx::write_csr(&path, a.view())?;
/// assert_eq!(
///     std::fs::read_to_string(&path)?,
///     "%%MatrixMarket matrix coordinate real general\n2 3 2\n1 3 0.1\n2 1 -1e300\n"
/// );
/// assert_eq!(mtx::read_csr::<f64, u32>(&path)?, a);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_csr<T: Scalar, I: Index>(path: impl AsRef<Path>, a: CsrView<'_, T, I>) -> Result<()> {
    let (ptr, idx, val) = (a.row_ptr(), a.col_idx(), a.values());
    write_file(
        path.as_ref(),
        "coordinate real general",
        &format!("{} {} {}", a.nrows(), a.ncols(), a.nnz()),
        a.nnz(),
        |range, buf| {
            // The row holding entry `range.start`: the last row starting at or before it.
            let mut row = ptr.partition_point(|&p| p <= range.start).saturating_sub(1);
            for k in range {
                while ptr[row + 1] <= k {
                    row += 1;
                }
                push_entry(buf, row, idx[k].index(), val[k]);
            }
        },
    )
}

/// Writes `a` to `path` as `coordinate real general`, one line a triplet in storage order
/// (duplicates included: readers sum them), values printed to round-trip exactly.
///
/// Written through a temporary file renamed when complete, as [`write_csr`].
///
/// # Errors
///
/// [`Error::Io`] if the temporary file cannot be created, written, synced or renamed.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::Coo;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-wcoo-{}.mtx", std::process::id()));
/// let mut a = Coo::<f32>::new(2, 2);
/// a.push(1, 0, 0.1);
/// a.push(1, 0, 2.5);
/// mtx::write_coo(&path, &a)?;
/// assert_eq!(mtx::read_coo::<f32, u32>(&path)?, a);
/// assert_eq!(mtx::read_csr::<f32, u32>(&path)?.values(), [2.6]);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_coo<T: Scalar, I: Index>(path: impl AsRef<Path>, a: &Coo<T, I>) -> Result<()> {
    let (rows, cols, vals) = (a.rows(), a.cols(), a.values());
    write_file(
        path.as_ref(),
        "coordinate real general",
        &format!("{} {} {}", a.nrows(), a.ncols(), a.nnz()),
        a.nnz(),
        |range, buf| {
            for k in range {
                push_entry(buf, rows[k].index(), cols[k].index(), vals[k]);
            }
        },
    )
}

/// Writes `a` to `path` as `array real general`: every element, column by column, one a
/// line, printed to round-trip exactly (whatever `a`'s layout).
///
/// Written through a temporary file renamed when complete, as [`write_csr`].
///
/// # Errors
///
/// [`Error::Io`] if the temporary file cannot be created, written, synced or renamed.
///
/// # Examples
///
/// ```
/// use matvec::io::mtx;
/// use matvec::DenseView;
///
/// let path = std::env::temp_dir().join(format!("matvec-doc-wdense-{}.mtx", std::process::id()));
/// let a = DenseView::row_major(2, 2, &[1.0, 2.0, 3.0, 4.0])?;
/// mtx::write_dense(&path, a)?;
/// assert_eq!(
///     std::fs::read_to_string(&path)?,
///     "%%MatrixMarket matrix array real general\n2 2\n1\n3\n2\n4\n"
/// );
/// assert_eq!(mtx::read_dense::<f64>(&path)?.data(), [1.0, 3.0, 2.0, 4.0]); // column-major
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn write_dense<T: Scalar>(path: impl AsRef<Path>, a: DenseView<'_, T>) -> Result<()> {
    let (m, n) = (a.nrows(), a.ncols());
    let total = m.checked_mul(n).unwrap_or(0); // a view's data holds m * n elements
    let data = a.data();
    write_file(
        path.as_ref(),
        "array real general",
        &format!("{m} {n}"),
        total,
        |range, buf| {
            for k in range {
                let (i, j) = (k % m, k / m);
                let v = match a.layout() {
                    Layout::ColMajor => data[k],
                    Layout::RowMajor => data[i * n + j],
                };
                push_value(buf, v);
                buf.push(b'\n');
            }
        },
    )
}
