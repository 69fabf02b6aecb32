//! Reading a response body with a cap on its decompressed size.

use super::EngineError;
use bytes::Bytes;
use futures::StreamExt;

/// Initial buffer when the length is not announced (chunked, decompressed bodies).
const UNKNOWN_LENGTH_START: usize = 8 * 1024;

/// Reads at most `cap` bytes of the (already decompressed) body stream. Returns the
/// bytes and whether the body was longer. The connection is dropped at the cap, so a
/// 50 MB body or a gzip bomb costs at most `cap` bytes of memory.
///
/// The returned bytes own an allocation of their own length: they never pin the
/// client's read buffer or a half-empty growth buffer, so what the transcript and the
/// de-duplication cache count is what they hold.
pub async fn read_capped(
    response: reqwest::Response,
    cap: usize,
    url: &str,
) -> Result<(Bytes, bool), EngineError> {
    // A Content-Length is only a hint (the server may lie), so it is capped too.
    let hint = response.content_length().map_or(UNKNOWN_LENGTH_START, |n| {
        usize::try_from(n).unwrap_or(usize::MAX)
    });
    let mut buf: Vec<u8> = Vec::with_capacity(hint.min(cap));
    let mut stream = response.bytes_stream();
    let mut truncated = false;
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            // A body cut short after some bytes still tells us something.
            Err(e) if !buf.is_empty() && !e.is_timeout() => {
                tracing::debug!(url, error = %e.without_url(), "body ended early");
                truncated = true;
                break;
            }
            Err(e) => return Err(EngineError::from_reqwest(url, e)),
        };
        let room = cap - buf.len();
        if chunk.len() > room {
            buf.extend_from_slice(&chunk[..room]);
            truncated = true;
            break;
        }
        buf.extend_from_slice(&chunk);
    }
    Ok((exact(buf), truncated))
}

/// The bytes, in an allocation no larger than needed.
fn exact(mut buf: Vec<u8>) -> Bytes {
    if buf.capacity() > buf.len() {
        buf.shrink_to_fit();
    }
    Bytes::from(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_do_not_keep_spare_capacity() {
        let mut v = Vec::with_capacity(64 * 1024);
        v.extend_from_slice(b"ok");
        let b = exact(v);
        assert_eq!(&b[..], b"ok");
        // Converting back recovers the allocation when it is unique; it must be exact.
        let back: Vec<u8> = b.into();
        assert_eq!(back.capacity(), 2);
    }
}
