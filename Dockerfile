# syntax=docker/dockerfile:1.7
# Multi-stage build of the helm-operator image: a release build with the locked dependency set,
# then a distroless, non-root runtime that works with a read-only root filesystem.
ARG RUST_VERSION=1.95

FROM rust:${RUST_VERSION}-bookworm AS build
WORKDIR /src
# `version`, `/metrics` and build_info report this commit (the build context has no .git).
ARG HELM_OPERATOR_GIT_COMMIT=unknown
ENV HELM_OPERATOR_GIT_COMMIT=${HELM_OPERATOR_GIT_COMMIT} \
    CARGO_TERM_COLOR=never
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin helm-operator \
    && install -D -m 0755 target/release/helm-operator /out/helm-operator

# glibc and libgcc only: TLS is rustls with ring, no OpenSSL.
FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="helm-operator" \
      org.opencontainers.image.description="Manages Helm repositories and releases through HelmRepository and HelmRelease resources" \
      org.opencontainers.image.source="https://github.com/ketches/helm-operator" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/helm-operator /usr/local/bin/helm-operator
COPY config/helm-operator.yaml /etc/helm-operator/config.yaml
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["/usr/local/bin/helm-operator"]
CMD ["run", "--config", "/etc/helm-operator/config.yaml"]
