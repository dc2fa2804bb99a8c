//! `matvec info FILE`: what a matrix file holds and what it costs — format, shape, dtype,
//! stored entries, bytes on disk and in memory as each in-memory type, and whether it can be
//! mapped or streamed (and why not). `--json` prints one JSON object for scripts.
//!
//! "Mapped" and "streamed" are answered by opening the file as `matvec mul` would, so the
//! answer and its reason are the library's own: mapping a `.npz` validates every offset and
//! index (`O(nnz)`), streaming checks the headers only.

use crate::matrix::{Format, Source, npz_streams};
use crate::progress::file_len;
use matvec::io::npy::{self, NpyDtype};
use matvec::io::{Dtype, mtx, npz};
use matvec::memory::format_bytes;
use matvec::stream::{StreamCsc, StreamCsr, StreamDense};
use matvec::{MmapCsc, MmapCsr, MmapDense, Scalar};
use serde_json::{Value, json};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    pub source: Source,
    /// Print one JSON object instead of lines of text.
    #[arg(long)]
    pub json: bool,
}

/// What one file holds.
struct Facts {
    format: &'static str,
    /// CSR, CSC, COO, coordinate, array, C or F order.
    layout: String,
    shape: (usize, usize),
    dtype: String,
    index_dtype: Option<String>,
    /// Stored entries of a sparse file (before any symmetric expansion).
    nnz: Option<u64>,
    /// Entries the matrix holds in memory at most (symmetric Matrix Market files expand).
    nnz_in_memory: Option<u64>,
    compressed: Option<bool>,
    /// Whether `MmapCsr`/`MmapCsc`/`MmapDense` map it, or why not.
    mapped: Result<(), String>,
    /// Whether a streamed type reads it block by block under a budget, or why not.
    streamed: Result<(), String>,
}

pub fn run(args: &Args) -> Result<(), String> {
    let src = &args.source;
    let facts = match src.format()? {
        Format::Mtx => mtx_facts(src)?,
        Format::Npz => npz_facts(src)?,
        Format::Npy => npy_facts(src)?,
        Format::Hdf5 => hdf5_facts(src)?,
        Format::Raw => raw_facts(src)?,
    };
    let disk = file_len(&src.matrix);
    let memory = in_memory(&facts);
    if args.json {
        let verdict = |r: &Result<(), String>| match r {
            Ok(()) => json!({"ok": true}),
            Err(why) => json!({"ok": false, "why": why}),
        };
        let memory: serde_json::Map<String, Value> = memory
            .iter()
            // A header may claim a shape whose byte count does not fit u64: null, not a panic.
            .map(|(k, v)| (k.to_string(), json!(v.and_then(|v| u64::try_from(v).ok()))))
            .collect();
        let out = json!({
            "file": src.matrix.display().to_string(),
            "format": facts.format,
            "layout": facts.layout,
            "shape": [facts.shape.0, facts.shape.1],
            "dtype": facts.dtype,
            "index_dtype": facts.index_dtype,
            "nnz": facts.nnz,
            "nnz_in_memory_max": facts.nnz_in_memory,
            "compressed": facts.compressed,
            "bytes_on_disk": disk,
            "bytes_in_memory": memory,
            "mapped": verdict(&facts.mapped),
            "streamed": verdict(&facts.streamed),
        });
        crate::progress::out(format_args!("{out}"));
        return Ok(());
    }
    let yes_no = |r: &Result<(), String>| match r {
        Ok(()) => "yes".to_string(),
        Err(why) => format!("no: {why}"),
    };
    let line = |key: &str, value: String| crate::progress::out(format_args!("{key:<18}{value}"));
    line("file", src.matrix.display().to_string());
    line("format", format!("{} ({})", facts.format, facts.layout));
    line("shape", format!("{} x {}", facts.shape.0, facts.shape.1));
    line(
        "dtype",
        match &facts.index_dtype {
            Some(i) => format!("{} values, {i} indices", facts.dtype),
            None => facts.dtype.clone(),
        },
    );
    if let Some(n) = facts.nnz {
        line(
            "nnz",
            match facts.nnz_in_memory {
                Some(m) if m != n => format!("{n} stored (up to {m} once expanded)"),
                _ => n.to_string(),
            },
        );
    }
    if let Some(c) = facts.compressed {
        line("compressed", if c { "yes" } else { "no" }.into());
    }
    line(
        "on disk",
        format!("{} ({disk} B)", format_bytes(disk as usize)),
    );
    for (what, bytes) in &memory {
        let text = match bytes.and_then(|b| usize::try_from(b).ok().map(|u| (b, u))) {
            Some((b, u)) => format!("{} ({b} B)", format_bytes(u)),
            None => match bytes {
                Some(b) => format!("too large ({b} B)"),
                None => "too large (more than 2^128 B)".into(),
            },
        };
        line(&format!("as {what}"), text);
    }
    line("mapped", yes_no(&facts.mapped));
    line("streamed", yes_no(&facts.streamed));
    Ok(())
}

/// Bytes in memory as each in-memory type: CSR (CSC for a CSC file) with `u32` indices (or
/// `usize` past `u32::MAX`, named "CSR f64 usize") in `f64` and in `f32`, for sparse files;
/// `Dense` in `f64` and `f32` for every file. `u128`, and `None` past it, because a header may
/// claim any shape; the JSON gives `null` for a count past `u64::MAX`, the text "too large".
fn in_memory(f: &Facts) -> Vec<(&'static str, Option<u128>)> {
    let (r, c) = (f.shape.0 as u128, f.shape.1 as u128);
    let mut out = Vec::new();
    if let Some(nnz) = f.nnz_in_memory {
        let outer = if f.layout == "CSC" { c } else { r };
        let index = if r.max(c) <= u32::MAX as u128 { 4 } else { 8 };
        let compressed = |value: u128| (outer + 1) * 8 + nnz as u128 * (index + value);
        let csc = f.layout == "CSC";
        let names = match (csc, index == 4) {
            (false, true) => ["CSR f64", "CSR f32"],
            (true, true) => ["CSC f64", "CSC f32"],
            (false, false) => ["CSR f64 usize", "CSR f32 usize"],
            (true, false) => ["CSC f64 usize", "CSC f32 usize"],
        };
        // Below 2^64 each, so these cannot overflow u128.
        out.push((names[0], Some(compressed(8))));
        out.push((names[1], Some(compressed(4))));
    }
    // r·c < 2^128, but times the element size it may not fit.
    out.push(("Dense f64", (r * c).checked_mul(8)));
    out.push(("Dense f32", (r * c).checked_mul(4)));
    out
}

fn err(e: matvec::Error) -> String {
    e.to_string()
}

fn mtx_facts(src: &Source) -> Result<Facts, String> {
    let h = mtx::read_header(&src.matrix).map_err(err)?;
    let text = "Matrix Market is text: convert it with `matvec convert` (to .npz if sparse, \
                .npy if dense)"
        .to_string();
    let coordinate = h.format == mtx::MtxFormat::Coordinate;
    let expands = h.symmetry != mtx::MtxSymmetry::General;
    Ok(Facts {
        format: "mtx",
        layout: format!("{:?} {:?} {:?}", h.format, h.field, h.symmetry).to_lowercase(),
        shape: (h.nrows, h.ncols),
        dtype: "f8 (decimal text)".into(),
        index_dtype: None,
        nnz: coordinate.then_some(h.entries),
        nnz_in_memory: coordinate.then_some(if expands {
            h.entries.saturating_mul(2)
        } else {
            h.entries
        }),
        compressed: None,
        mapped: Err(text.clone()),
        streamed: Err(text),
    })
}

fn npz_facts(src: &Source) -> Result<Facts, String> {
    let path = &src.matrix;
    let info = npz::info(path).map_err(err)?;
    let streamed = npz_streams(&info).map_err(str::to_string).and_then(|()| {
        let float = info.data_dtype == Dtype::F4;
        match (info.format, float) {
            (npz::NpzFormat::Csr, false) => StreamCsr::<f64, usize>::open(path).map(drop),
            (npz::NpzFormat::Csr, true) => StreamCsr::<f32, usize>::open(path).map(drop),
            (_, false) => StreamCsc::<f64, usize>::open(path).map(drop),
            (_, true) => StreamCsc::<f32, usize>::open(path).map(drop),
        }
        .map_err(err)
    });
    let mapped = if info.format == npz::NpzFormat::Coo {
        Err("COO files are not mapped (convert to CSR with `matvec convert`)".into())
    } else {
        match (info.data_dtype, info.index_dtype) {
            (Dtype::F8, Dtype::I4) => map_npz::<f64, u32>(&info, path),
            (Dtype::F8, Dtype::I8) => map_npz::<f64, usize>(&info, path),
            (Dtype::F4, Dtype::I4) => map_npz::<f32, u32>(&info, path),
            (Dtype::F4, Dtype::I8) => map_npz::<f32, usize>(&info, path),
            (d, i) => Err(format!(
                "values {} with indices {}: mapped files hold f4/f8 values and i4/i8 indices",
                d.descr(),
                i.descr()
            )),
        }
    };
    Ok(Facts {
        format: "npz",
        layout: info.format.name().to_uppercase(),
        shape: (info.nrows, info.ncols),
        dtype: info
            .data_dtype
            .descr()
            .trim_start_matches(['<', '|'])
            .into(),
        index_dtype: Some(
            info.index_dtype
                .descr()
                .trim_start_matches(['<', '|'])
                .into(),
        ),
        nnz: Some(info.nnz as u64),
        nnz_in_memory: Some(info.nnz as u64),
        compressed: Some(info.compressed),
        mapped,
        streamed,
    })
}

/// Maps a CSR or CSC `.npz` (validating it) and drops the mapping.
fn map_npz<T: Scalar, I: matvec::Index>(
    info: &npz::NpzInfo,
    path: &std::path::Path,
) -> Result<(), String> {
    match info.format {
        // SAFETY: the mapping is validated and dropped here without being read after; the
        // tool's documentation says the file must not be modified while the tool runs.
        npz::NpzFormat::Csr => unsafe { MmapCsr::<T, I>::open(path) }.map(drop),
        // SAFETY: as above.
        _ => unsafe { MmapCsc::<T, I>::open(path) }.map(drop),
    }
    .map_err(err)
}

fn npy_facts(src: &Source) -> Result<Facts, String> {
    let path = &src.matrix;
    let h = npy::read_header(path).map_err(err)?;
    let [rows, cols] = h.shape[..] else {
        return Err(format!(
            "{}: a {}-D array; a matrix is 2-D",
            path.display(),
            h.shape.len()
        ));
    };
    let (mapped, streamed) = match h.dtype {
        // SAFETY: the mapping is dropped without being read; see `map_npz`.
        NpyDtype::F32 => (
            unsafe { MmapDense::<f32>::open(path) }.map(drop),
            StreamDense::<f32>::open(path).map(drop),
        ),
        // SAFETY: as above.
        NpyDtype::F64 => (
            unsafe { MmapDense::<f64>::open(path) }.map(drop),
            StreamDense::<f64>::open(path).map(drop),
        ),
    };
    Ok(Facts {
        format: "npy",
        layout: if h.fortran_order {
            "F order"
        } else {
            "C order"
        }
        .into(),
        shape: (rows, cols),
        dtype: h.dtype.descr().trim_start_matches('<').into(),
        index_dtype: None,
        nnz: None,
        nnz_in_memory: None,
        compressed: None,
        mapped: mapped.map_err(err),
        streamed: streamed.map_err(err),
    })
}

fn raw_facts(src: &Source) -> Result<Facts, String> {
    let (spec, dtype) = src.raw()?;
    let path = &src.matrix;
    let streamed = if dtype.size == 4 {
        StreamDense::<f32>::open_raw(path, spec).map(drop)
    } else {
        StreamDense::<f64>::open_raw(path, spec).map(drop)
    };
    let (rows, cols) = src.shape.unwrap_or_default();
    Ok(Facts {
        format: "raw",
        layout: format!(
            "{} order, data at byte {}",
            src.order.to_uppercase(),
            src.offset
        ),
        shape: (rows, cols),
        dtype: dtype.descr(),
        index_dtype: None,
        nnz: None,
        nnz_in_memory: None,
        compressed: None,
        mapped: Err("only .npy files are mapped; raw files are streamed".into()),
        streamed: streamed.map_err(err),
    })
}

#[cfg(feature = "hdf5")]
fn hdf5_facts(src: &Source) -> Result<Facts, String> {
    use matvec::stream::StreamHdf5;
    let (path, name) = (&src.matrix, src.dataset()?);
    let (m, dtype) = match StreamHdf5::<f64>::open(path, name) {
        Ok(m) => ((m.nrows(), m.ncols(), m.is_chunked()), "f8"),
        Err(e) if e.to_string().contains("StreamHdf5<f32>") => {
            let m = StreamHdf5::<f32>::open(path, name).map_err(err)?;
            ((m.nrows(), m.ncols(), m.is_chunked()), "f4")
        }
        Err(e) => return Err(err(e)),
    };
    Ok(Facts {
        format: "hdf5",
        layout: format!(
            "dataset {name}, {}",
            if m.2 { "chunked" } else { "contiguous" }
        ),
        shape: (m.0, m.1),
        dtype: dtype.into(),
        index_dtype: None,
        nnz: None,
        nnz_in_memory: None,
        compressed: None,
        mapped: Err("HDF5 datasets are read through libhdf5, not mapped".into()),
        streamed: Ok(()),
    })
}

#[cfg(not(feature = "hdf5"))]
fn hdf5_facts(src: &Source) -> Result<Facts, String> {
    Err(crate::matrix::no_hdf5(&src.matrix))
}
