//! Reading a response body with a cap on its decompressed size.

use super::EngineError;
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

/// Reads at most `cap` bytes of the (already decompressed) body stream. Returns the
/// bytes and whether the body was longer. The connection is dropped at the cap, so a
/// 50 MB body or a gzip bomb costs at most `cap` bytes of memory.
pub async fn read_capped(
    response: reqwest::Response,
    cap: usize,
    url: &str,
) -> Result<(Bytes, bool), EngineError> {
    let mut buf = BytesMut::with_capacity(cap.min(64 * 1024));
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            // A body cut short after some bytes still tells us something.
            Err(e) if !buf.is_empty() && !e.is_timeout() => {
                tracing::debug!(url, error = %e.without_url(), "body ended early");
                return Ok((buf.freeze(), true));
            }
            Err(e) => return Err(EngineError::from_reqwest(url, e)),
        };
        let room = cap - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            return Ok((buf.freeze(), true));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((buf.freeze(), false))
}
