//! The communication plan of a distributed product (PETSc's `VecScatter` for `MatMult`):
//! which entries of `x` each process sends to which, built once, then run forward (gather the
//! ghost entries of `x`) or in reverse (send the ghost contributions of `Aᵀ·x` back to their
//! owners) by every product.
//!
//! A run posts every receive and send as non-blocking requests, calls the local product while
//! they are in flight, then waits: the exchange overlaps the product of the diagonal block.
//! The requests live on the stack — one frame of a recursion per neighbour — because rsmpi's
//! request collections allocate, and products allocate nothing.

use crate::alltoallv::Counts;
use crate::error::{Error, Result};
use crate::layout::Layout;
use mpi::datatype::Equivalence;
use mpi::request::LocalScope;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use std::ops::Range;

/// One side of the exchange: for each neighbour (by rank, increasing), the range of a buffer
/// that goes to it or comes from it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Side {
    pub(crate) ranks: Vec<i32>,
    /// `ptr[k]..ptr[k + 1]` is neighbour `k`'s range (length `ranks.len() + 1`).
    pub(crate) ptr: Vec<usize>,
}

impl Side {
    fn from_counts(counts: &[usize]) -> Self {
        let mut s = Side {
            ranks: Vec::new(),
            ptr: vec![0],
        };
        for (r, &c) in counts.iter().enumerate() {
            if c > 0 {
                s.ranks.push(r as i32);
                s.ptr.push(s.ptr.last().copied().unwrap_or(0) + c);
            }
        }
        s
    }

    fn range(&self, k: usize) -> Range<usize> {
        self.ptr[k]..self.ptr[k + 1]
    }
}

/// Who sends which entries of `x` to whom.
#[derive(Clone, Debug, Default)]
pub(crate) struct Halo {
    /// The ghosts this process receives (the off-diagonal block's columns, in `garray`
    /// order, grouped by owner).
    pub(crate) recv: Side,
    /// What this process sends: `send_idx[send.range(k)]` are the local indices of `x` that
    /// neighbour `send.ranks[k]` needs.
    pub(crate) send: Side,
    pub(crate) send_idx: Vec<usize>,
}

/// The tag of the halo's messages on the matrix's private communicator.
const TAG: i32 = 7;

impl Halo {
    /// Builds the plan from the sorted global columns this process needs but does not own
    /// (`garray`), the column layout, and the communicator (collective: two all-to-alls).
    pub(crate) fn build(
        comm: &SimpleCommunicator,
        cols: &Layout,
        garray: &[usize],
    ) -> Result<Self> {
        let p = comm.size() as usize;
        let me = comm.rank() as usize;
        // How many ghosts each rank owns (garray is sorted, so each owner's are contiguous).
        let mut want = vec![0usize; p];
        for &g in garray {
            want[cols.owner(g)] += 1;
        }
        let recv = Side::from_counts(&want);
        let counts = Counts::exchange(comm, &want, "ghost entries")?;
        let give: Vec<usize> = counts.received().collect();
        let send = Side::from_counts(&give);
        // Tell each owner which of its columns we need (global indices).
        let requested = counts.all_to_all(comm, garray);
        let mine = cols.range(me);
        let send_idx = requested
            .iter()
            .map(|&g| {
                if mine.contains(&g) {
                    Ok(g - mine.start)
                } else {
                    Err(Error::Invalid(format!(
                        "halo plan: a process asked rank {me} for column {g}, which it does \
                         not own ({mine:?})"
                    )))
                }
            })
            .collect::<Result<_>>()?;
        Ok(Halo {
            recv,
            send,
            send_idx,
        })
    }

    /// Entries received by a forward run (the ghosts).
    pub(crate) fn ghosts(&self) -> usize {
        self.recv.ptr.last().copied().unwrap_or(0)
    }

    /// Entries sent by a forward run.
    pub(crate) fn sent(&self) -> usize {
        self.send_idx.len()
    }

    /// Forward: sends `packed` (`x` at `send_idx`, packed by the caller) to the neighbours
    /// and receives the ghosts into `ghost`, running `local` while the messages travel.
    pub(crate) fn forward<T: Equivalence>(
        &self,
        comm: &SimpleCommunicator,
        packed: &[T],
        ghost: &mut [T],
        local: &mut dyn FnMut(),
    ) {
        mpi::request::scope(|scope| {
            post(
                scope,
                comm,
                0,
                (&self.send, packed),
                (&self.recv, ghost),
                local,
            )
        });
    }

    /// Reverse: sends the ghost contributions `ghost` back to their owners and receives the
    /// contributions to this process's entries into `packed` (in `send_idx` order), running
    /// `local` while the messages travel.
    pub(crate) fn reverse<T: Equivalence>(
        &self,
        comm: &SimpleCommunicator,
        ghost: &[T],
        packed: &mut [T],
        local: &mut dyn FnMut(),
    ) {
        mpi::request::scope(|scope| {
            post(
                scope,
                comm,
                0,
                (&self.recv, ghost),
                (&self.send, packed),
                local,
            )
        });
    }
}

/// Posts the `k`-th send and receive, recurses to post the rest, runs `local` once all are
/// posted, then waits for its own two on the way back.
fn post<'a, T: Equivalence>(
    scope: &LocalScope<'a>,
    comm: &SimpleCommunicator,
    k: usize,
    (out, out_buf): (&Side, &'a [T]),
    (inn, in_buf): (&Side, &'a mut [T]),
    local: &mut dyn FnMut(),
) {
    if k >= out.ranks.len() && k >= inn.ranks.len() {
        local();
        return;
    }
    // `in_buf` is consumed front to back: neighbour k's part is its head.
    let (head, tail) = if k < inn.ranks.len() {
        in_buf.split_at_mut(inn.range(k).len())
    } else {
        (&mut [][..], in_buf)
    };
    let recv = (k < inn.ranks.len()).then(|| {
        comm.process_at_rank(inn.ranks[k])
            .immediate_receive_into_with_tag(scope, head, TAG)
    });
    let send = (k < out.ranks.len()).then(|| {
        comm.process_at_rank(out.ranks[k]).immediate_send_with_tag(
            scope,
            &out_buf[out.range(k)],
            TAG,
        )
    });
    post(scope, comm, k + 1, (out, out_buf), (inn, tail), local);
    if let Some(r) = recv {
        r.wait();
    }
    if let Some(s) = send {
        s.wait();
    }
}
