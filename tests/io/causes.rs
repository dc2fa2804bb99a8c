//! Errors keep their causes: a read that fails (a device error, simulated by a reader that
//! fails at a chosen byte) is an `Error::Io` naming the file and what was being read, whose
//! chain of `source()`s ends at the original `std::io::Error` — never a "corrupt file"
//! message without a cause.

use matvec::io::mtx::MtxReader;
use matvec::io::npz;
use matvec::{Csr, Error};
use std::io::{BufRead, Cursor, Read, Seek, SeekFrom};

/// `bytes`, failing every read that touches byte `fail_at`.
struct Failing {
    inner: Cursor<Vec<u8>>,
    fail_at: u64,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let pos = self.inner.position();
        if pos <= self.fail_at && pos + buf.len() as u64 > self.fail_at {
            return Err(std::io::Error::other("simulated device error"));
        }
        self.inner.read(buf)
    }
}

impl Seek for Failing {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(to)
    }
}

impl BufRead for Failing {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        let pos = self.inner.position();
        if pos == self.fail_at {
            return Err(std::io::Error::other("simulated device error"));
        }
        // Never past the failing byte, so that reaching it fails.
        let end = if pos < self.fail_at {
            self.fail_at
        } else {
            u64::MAX
        };
        let data = self.inner.get_ref();
        let end = end.min(data.len() as u64) as usize;
        Ok(&data[pos as usize..end])
    }
    fn consume(&mut self, n: usize) {
        self.inner.set_position(self.inner.position() + n as u64);
    }
}

/// The error is an `Error::Io` naming `name` whose last cause is the simulated error.
fn assert_caused_by_the_device(e: &Error, name: &str, doing: &str) {
    assert!(matches!(e, Error::Io { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.starts_with(name) && msg.contains(doing), "{msg}");
    let mut last: &dyn std::error::Error = e;
    while let Some(next) = last.source() {
        last = next;
    }
    let io = last
        .downcast_ref::<std::io::Error>()
        .unwrap_or_else(|| panic!("the last cause is not an io::Error: {last:?}"));
    assert_eq!(io.to_string(), "simulated device error");
}

#[test]
fn npz_read_failures_keep_the_device_error_as_their_cause() {
    let path = std::env::temp_dir().join(format!("matvec-causes-{}.npz", std::process::id()));
    npz::write_csr(&path, Csr::<f64>::identity(3000).view()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    // Inside the members' data (the middle of the file).
    let fail_at = bytes.len() as u64 / 2;
    let r = Failing {
        inner: Cursor::new(bytes),
        fail_at,
    };
    let e = npz::read_from::<f64, u32, _>(r, "upload.npz").unwrap_err();
    assert_caused_by_the_device(&e, "upload.npz", "reading member");
}

#[test]
fn mtx_read_failures_keep_the_device_error_as_their_cause() {
    let mut text = String::from("%%MatrixMarket matrix coordinate real general\n1000 1000 1000\n");
    for i in 1..=1000 {
        text.push_str(&format!("{i} {i} 1.5\n"));
    }
    // In the header, and in the data.
    for (fail_at, doing) in [
        (20u64, "simulated"),
        (text.len() as u64 - 100, "reading the data"),
    ] {
        let r = Failing {
            inner: Cursor::new(text.clone().into_bytes()),
            fail_at,
        };
        let e = MtxReader::new(r, "stdin")
            .and_then(|r| r.read_coo::<f64, u32>().map(drop))
            .unwrap_err();
        assert_caused_by_the_device(&e, "stdin", doing);
    }
}
