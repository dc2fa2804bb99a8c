//! All-to-all with a count for every pair of processes (`MPI_Alltoallv`): the counts are
//! exchanged first and checked against MPI's `int` counts, then any number of arrays laid out
//! by them travel. The halo plan sends its requests so, and the Matrix Market reader its
//! triplets to their rows' owners.

use crate::error::{Error, Result, agree};
use mpi::datatype::{Equivalence, Partition, PartitionMut};
use mpi::traits::*;

/// Who sends how many entries to whom, as MPI wants it: `int` counts and displacements.
pub(crate) struct Counts {
    send: Vec<i32>,
    send_at: Vec<i32>,
    recv: Vec<i32>,
    recv_at: Vec<i32>,
}

/// MPI counts are `int`: a message larger than that is refused.
pub(crate) fn count(n: usize, what: &str) -> Result<i32> {
    i32::try_from(n).map_err(|_| {
        Error::Invalid(format!(
            "{what}: {n} entries exceed one MPI message ({} at most)",
            i32::MAX
        ))
    })
}

/// The offsets of consecutive blocks of `counts` entries, as `int`s (their total must fit
/// an `int` too).
pub(crate) fn displacements(counts: &[i32], what: &str) -> Result<Vec<i32>> {
    let mut at = Vec::with_capacity(counts.len());
    let mut sum = 0usize;
    for &c in counts {
        at.push(count(sum, what)?);
        sum += c as usize;
    }
    count(sum, what)?;
    Ok(at)
}

impl Counts {
    /// Tells every process how many entries this one sends it (`to[r]` to rank `r`), and
    /// learns how many it receives. Collective; every check is agreed on before the
    /// all-to-all, so no process waits in one another never enters. `what` names the entries
    /// in errors.
    pub(crate) fn exchange(comm: &impl Communicator, to: &[usize], what: &str) -> Result<Self> {
        let sent = (|| -> Result<(Vec<i32>, Vec<i32>)> {
            let send = to
                .iter()
                .map(|&c| count(c, what))
                .collect::<Result<Vec<_>>>()?;
            let send_at = displacements(&send, what)?;
            Ok((send, send_at))
        })();
        let (send, send_at) = agree(comm, sent)?;
        let mut recv = vec![0i32; send.len()];
        comm.all_to_all_into(&send[..], &mut recv[..]);
        let recv_at = agree(comm, displacements(&recv, what))?;
        Ok(Counts {
            send,
            send_at,
            recv,
            recv_at,
        })
    }

    /// Entries received from each rank.
    pub(crate) fn received(&self) -> impl Iterator<Item = usize> + '_ {
        self.recv.iter().map(|&c| c as usize)
    }

    /// Entries received in all.
    pub(crate) fn total_received(&self) -> usize {
        self.received().sum()
    }

    /// Sends `data` (grouped by destination rank, in the counts' order) and returns what
    /// arrives, grouped by source rank. Collective.
    ///
    /// # Panics
    ///
    /// If `data` does not hold exactly the entries the counts send (MPI would read past it).
    pub(crate) fn all_to_all<T: Equivalence + Copy + Default>(
        &self,
        comm: &impl Communicator,
        data: &[T],
    ) -> Vec<T> {
        let sent: usize = self.send.iter().map(|&c| c as usize).sum();
        assert_eq!(
            data.len(),
            sent,
            "all_to_all: the data and the counts disagree"
        );
        let mut out = vec![T::default(); self.total_received()];
        let sbuf = Partition::new(data, &self.send[..], &self.send_at[..]);
        let mut rbuf = PartitionMut::new(&mut out[..], &self.recv[..], &self.recv_at[..]);
        comm.all_to_all_varcount_into(&sbuf, &mut rbuf);
        out
    }
}
