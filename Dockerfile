# syntax=docker/dockerfile:1
# shipgate container image: a static binary on scratch, with CA certificates.
#
#   docker build -t shipgate .                     # the action / `docker run` image (no shell)
#   docker build --target shell -t shipgate:shell .  # with a static busybox shell, for GitLab CI jobs
#
# Multi-arch: `docker buildx build --platform linux/amd64,linux/arm64 .` (TARGETARCH picks the musl target).

FROM rust:1.95-bookworm AS build
ARG TARGETARCH=amd64
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools ca-certificates busybox-static \
 && rm -rf /var/lib/apt/lists/*
RUN case "$TARGETARCH" in \
      amd64) echo x86_64-unknown-linux-musl > /target ;; \
      arm64) echo aarch64-unknown-linux-musl > /target ;; \
      *) echo "unsupported arch $TARGETARCH" >&2; exit 1 ;; \
    esac \
 && rustup target add "$(cat /target)"
WORKDIR /src
COPY . .
ENV CC_x86_64_unknown_linux_musl=musl-gcc CC_aarch64_unknown_linux_musl=musl-gcc
RUN cargo build --locked --profile dist --target "$(cat /target)" \
 && mkdir -p /out/tmp /out/etc/ssl/certs \
 && chmod 1777 /out/tmp \
 && cp "target/$(cat /target)/dist/shipgate" /out/shipgate \
 && cp /etc/ssl/certs/ca-certificates.crt /out/etc/ssl/certs/ca-certificates.crt

# --- runtime stage (scripts/test-image.sh builds exactly these lines with buildah) ---
FROM scratch AS runtime
LABEL org.opencontainers.image.title="shipgate" \
      org.opencontainers.image.description="Quality gates for pull and merge requests: coverage, OpenAPI, Avro, secrets, migrations" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/shipgate/shipgate"
COPY --from=build /out/ /
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt TMPDIR=/tmp
# No USER: a GitHub container action's workspace is mounted as root; the binary also
# runs as any uid (`docker run --user 1000`), and reads repositories owned by another user.
ENTRYPOINT ["/shipgate"]
# --- end runtime stage ---

FROM runtime AS shell
COPY --from=build /bin/busybox /bin/busybox
SHELL ["/bin/busybox", "sh", "-c"]
RUN ["/bin/busybox", "--install", "-s", "/bin"]
ENTRYPOINT []
CMD ["/bin/sh"]

FROM runtime
