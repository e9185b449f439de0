//! Parquet encoding on a thread of its own.
//!
//! In: a [`LakeSink`] and the reading of one file (a closure that gets a [`Sink`]). Out: the
//! closure's result and the sink's outcome. Batches and rejects go through a bounded channel
//! to a writer thread that owns the sink, so that encoding and compressing Parquet overlaps
//! with parsing; the writer handles them in the order they were sent, so the parts are the
//! same bytes as with a sink on the reading thread.

use super::LakeError;
use super::writer::{LakeSink, SinkOutcome};
use arrow::array::RecordBatch;
use lightsout_formats::{Reject, Sink, SinkError, Table};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};

/// Batches in flight between the reader and the writer.
const DEPTH: usize = 4;

enum Msg {
    Batch(Table, RecordBatch),
    Reject(Reject),
}

struct ChannelSink<'a> {
    tx: SyncSender<Msg>,
    failed: &'a AtomicBool,
    progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

impl Sink for ChannelSink<'_> {
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<(), SinkError> {
        if self.failed.load(Ordering::Relaxed) || self.tx.send(Msg::Batch(table, batch)).is_err() {
            return Err(SinkError("writing the lake failed".into()));
        }
        Ok(())
    }
    fn reject(&mut self, reject: Reject) -> Result<(), SinkError> {
        if self.failed.load(Ordering::Relaxed) || self.tx.send(Msg::Reject(reject)).is_err() {
            return Err(SinkError("writing the lake failed".into()));
        }
        Ok(())
    }
    fn progress(&mut self, offset: u64) {
        if let Some(f) = self.progress {
            f(offset);
        }
    }
}

/// What the reading closure decides about the parts: keep them or throw them away.
pub enum Keep {
    Commit,
    Abort,
}

/// Runs `read` with a sink whose writes happen on another thread; then commits (or aborts)
/// the parts. Returns `read`'s value and the outcome (or the first write error).
pub fn with_writer_thread<T: Send>(
    mut sink: LakeSink<'_>,
    progress: Option<&(dyn Fn(u64) + Sync)>,
    read: impl FnOnce(&mut dyn Sink) -> (T, Keep),
) -> (T, Result<SinkOutcome, LakeError>) {
    let failed = AtomicBool::new(false);
    let (tx, rx) = sync_channel::<Msg>(DEPTH);
    std::thread::scope(|s| {
        let failed_ref = &failed;
        let writer = s.spawn(move || {
            let mut error: Option<SinkError> = None;
            for msg in rx {
                if error.is_some() {
                    continue; // drain, so that the reader never blocks
                }
                let r = match msg {
                    Msg::Batch(t, b) => sink.batch(t, b),
                    Msg::Reject(r) => sink.reject(r),
                };
                if let Err(e) = r {
                    failed_ref.store(true, Ordering::Relaxed);
                    error = Some(e);
                }
            }
            (sink, error)
        });
        let mut front = ChannelSink { tx, failed: &failed, progress };
        let (value, keep) = read(&mut front);
        drop(front);
        let outcome = match writer.join() {
            Ok((sink, None)) => match keep {
                Keep::Commit => sink.finish(),
                Keep::Abort => {
                    sink.abort();
                    Ok(SinkOutcome::default())
                }
            },
            Ok((sink, Some(e))) => {
                sink.abort();
                Err(LakeError::Io { path: Default::default(), source: std::io::Error::other(e.0) })
            }
            Err(_) => Err(LakeError::Io { path: Default::default(), source: std::io::Error::other("the lake writer thread panicked") }),
        };
        (value, outcome)
    })
}
