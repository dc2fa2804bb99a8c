//! Errors of distributed operations, and how processes agree on them.

use mpi::traits::*;

/// An error of a distributed operation.
///
/// Setup and file reading are *collective*: when one process fails, every process returns an
/// error — the failing process's own, and on the others a copy of it (its message travels by
/// broadcast, so rank 0 can print what rank 3 found), never a hang waiting for a process that
/// gave up.
#[derive(Clone, Debug)]
pub enum Error {
    /// A file or data error from `matvec` (it names the file and the position).
    Matvec(matvec::Error),
    /// Inputs that do not fit together: lengths, shapes, a layout of the wrong size.
    Invalid(String),
    /// The error another process found, as its message.
    Remote {
        /// The process that failed (the lowest rank, if several did).
        rank: i32,
        /// Its error, as text.
        message: String,
    },
}

/// `Result` with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Matvec(e) => e.fmt(f),
            Error::Invalid(m) => f.write_str(m),
            Error::Remote { rank, message } => write!(f, "{message} (on rank {rank})"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Matvec(e) => Some(e),
            _ => None,
        }
    }
}

impl From<matvec::Error> for Error {
    fn from(e: matvec::Error) -> Self {
        Error::Matvec(e)
    }
}

/// Makes every process agree on `local`: `Ok` everywhere if it is `Ok` everywhere; otherwise
/// the lowest failing rank's error everywhere (its own error there, an [`Error::Remote`]
/// with its message elsewhere). Collective: every process of `comm` must call it.
pub fn agree<T, C: Communicator>(comm: &C, local: Result<T>) -> Result<T> {
    let me = comm.rank();
    let mine = if local.is_err() { me } else { i32::MAX };
    let mut first = i32::MAX;
    comm.all_reduce_into(&mine, &mut first, mpi::collective::SystemOperation::min());
    if first == i32::MAX {
        return local;
    }
    // The failing rank broadcasts its message: its length, then its bytes.
    let root = comm.process_at_rank(first);
    let mut text = match &local {
        Err(e) if me == first => e.to_string().into_bytes(),
        _ => Vec::new(),
    };
    let mut len = text.len() as u64;
    root.broadcast_into(&mut len);
    text.resize(len as usize, 0);
    root.broadcast_into(&mut text[..]);
    match local {
        Err(e) if me == first => Err(e),
        _ => Err(Error::Remote {
            rank: first,
            message: String::from_utf8_lossy(&text).into_owned(),
        }),
    }
}
