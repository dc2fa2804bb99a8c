//! Hostile inputs, one class at a time (the catalogue is `common::hostile`): every reader
//! refuses each with an error that names the file and says what is wrong. That none of them
//! allocates much is checked by the `alloc` binary, which can count bytes.

use crate::common::TempDir;
use crate::common::hostile::{self, Hostile};
use matvec::io::{mtx, npy, npz};
use matvec::stream::{StreamCsr, StreamDense};
use matvec::{Csr, DenseView, Error, MmapCsr, MmapDense};
use std::path::Path;
use std::time::Duration;

/// Every reader of `path`'s format, each giving its error text (or "accepted").
fn read_every_way(path: &Path) -> Vec<(&'static str, String)> {
    let e = |r: Result<(), Error>| match r {
        Ok(()) => "accepted".to_string(),
        Err(e) => e.to_string(),
    };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match ext {
        "mtx" => {
            let mut v = vec![
                (
                    "mtx::read_coo",
                    e(mtx::read_coo::<f64, u32>(path).map(drop)),
                ),
                (
                    "mtx::read_csr",
                    e(mtx::read_csr::<f32, usize>(path).map(drop)),
                ),
            ];
            // `read_dense` reads array files only (it refuses others for that reason).
            if !matches!(mtx::read_header(path), Ok(h) if h.format == mtx::MtxFormat::Coordinate) {
                v.push(("mtx::read_dense", e(mtx::read_dense::<f64>(path).map(drop))));
            }
            v
        }
        "npy" => vec![
            ("npy::read_vector", e(npy::read_vector(path).map(drop))),
            (
                "StreamDense::open",
                e(StreamDense::<f64>::open(path).map(drop)),
            ),
            (
                "MmapDense::open",
                // SAFETY: the test's own file, not modified while mapped.
                e(unsafe { MmapDense::<f64>::open(path) }.map(drop)),
            ),
        ],
        "npz" => {
            let mut v = vec![
                ("npz::read", e(npz::read::<f64, u32>(path).map(drop))),
                (
                    "StreamCsr::open",
                    e(StreamCsr::<f64, u32>::open(path).map(drop)),
                ),
                (
                    "MmapCsr::open",
                    // SAFETY: as above.
                    e(unsafe { MmapCsr::<f64, u32>::open(path) }.map(drop)),
                ),
            ];
            // The same bytes from memory (when they can be read: not a directory or FIFO).
            if path.is_file() {
                let bytes = std::io::Cursor::new(std::fs::read(path).unwrap());
                let r = npz::read_from::<f64, u32, _>(bytes, path).map(drop);
                v.push(("npz::read_from", e(r)));
            }
            v
        }
        _ => unreachable!("{ext}"),
    }
}

#[test]
fn every_hostile_file_is_refused_by_every_reader_with_a_clear_error() {
    let dir = TempDir::new("hostile");
    for Hostile {
        class,
        file,
        bytes,
        expect,
    } in hostile::files()
    {
        let path = dir.join(file);
        std::fs::write(&path, &bytes).unwrap();
        let results = read_every_way(&path);
        for (reader, msg) in &results {
            assert!(
                msg.contains(&*path.to_string_lossy()),
                "{class}: {reader} did not refuse it naming the file: {msg}"
            );
        }
        // The first reader is the format's main one: its message says what is wrong.
        let (reader, msg) = &results[0];
        for word in expect {
            assert!(
                msg.contains(word),
                "{class}: {reader}: {msg:?} lacks {word:?}"
            );
        }
    }
}

#[test]
fn two_gib_lines_are_refused_after_one_mib() {
    for (what, stream, line) in hostile::long_lines() {
        let err = mtx::MtxReader::new(stream, "long.mtx")
            .and_then(|r| r.read_coo::<f64, u32>().map(drop))
            .expect_err(what);
        let msg = err.to_string();
        assert!(
            msg.starts_with(&format!("long.mtx: line {line}: "))
                && msg.contains("longer than 1 MiB"),
            "{what}: {msg}"
        );
    }
}

/// Runs `f` on another thread; fails the test if it takes longer than 20 s (a reader that
/// blocks on a FIFO without a writer would hang forever).
fn within_20s<R: Send + 'static>(what: &str, f: impl FnOnce() -> R + Send + 'static) -> R {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(f()).unwrap());
    rx.recv_timeout(Duration::from_secs(20))
        .unwrap_or_else(|_| panic!("{what}: still blocked after 20 s"))
}

#[test]
fn readers_refuse_directories_and_fifos() {
    let dir = TempDir::new("hostile-special");
    let sub = dir.join("a.npz");
    std::fs::create_dir(&sub).unwrap();
    let fifo = dir.join("f.mtx");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    for (k, (path, what)) in [(sub, "is a directory"), (fifo, "is a FIFO")]
        .into_iter()
        .enumerate()
    {
        for ext in ["mtx", "npy", "npz"] {
            // The same special file under each format's name (a symlink with the extension).
            let named = dir.join(format!("link-{k}.{ext}"));
            std::os::unix::fs::symlink(&path, &named).unwrap();
            let shown = named.to_string_lossy().into_owned();
            let results = within_20s(what, move || read_every_way(Path::new(&shown)));
            for (reader, msg) in results {
                assert!(
                    msg.contains(what) && msg.contains("link-"),
                    "{reader} on {ext}: {msg}"
                );
            }
        }
    }
}

#[test]
fn writers_refuse_a_directory_as_output_and_leave_nothing() {
    let dir = TempDir::new("hostile-out");
    let out = dir.join("out.npz");
    std::fs::create_dir(&out).unwrap();
    let a = Csr::<f64>::identity(3);
    let d = [1.0, 2.0];
    let errors = [
        npz::write_csr(&out, a.view()).unwrap_err(),
        mtx::write_csr(&out, a.view()).unwrap_err(),
        npy::write_dense(&out, DenseView::row_major(1, 2, &d).unwrap()).unwrap_err(),
        npy::write_vector(&out, &d).unwrap_err(),
    ];
    for e in errors {
        let msg = e.to_string();
        assert!(
            msg.contains("out.npz") && msg.contains("is a directory"),
            "{msg}"
        );
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
    }
    // Nothing was written beside it, and the directory is untouched.
    assert_eq!(crate::common::file_names(&dir), ["out.npz"]);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);
}
