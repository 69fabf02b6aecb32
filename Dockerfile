# syntax=docker/dockerfile:1
# tollgate in a container: built in a full Rust image, run from a slim one as an
# unprivileged user. Nothing is written at run time except the reports you ask for,
# so it runs with --read-only (mount a writable directory for -o outputs).

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY .cargo ./.cargo
COPY crates ./crates
COPY xtask ./xtask
COPY testbeds/harness ./testbeds/harness
RUN cargo build --release --locked --package tollgate \
 && strip target/release/tollgate

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 tollgate \
 && useradd --system --uid 10001 --gid tollgate --home-dir /work --shell /usr/sbin/nologin tollgate
COPY --from=build /src/target/release/tollgate /usr/local/bin/tollgate
WORKDIR /work
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/tollgate"]
CMD ["--help"]
