# kseal container image: build the WASM policy modules and the host, then run them on a slim
# Node 20 runtime as a non-root user.
#
#   podman build -t kseal .          (or docker build)
#   podman run -v ./kseal.yaml:/etc/kseal/kseal.yaml:ro -p 9192-9199:9192-9199 kseal
#
# Configuration: a mounted YAML file (default /etc/kseal/kseal.yaml; `kseal validate` checks
# it) plus environment variables it references with ${env:NAME}; secrets as mounted files via
# ${file:/path}. Policy modules can be mounted over /opt/kseal/build/*.wasm.
#
# Base image: Node 20 on Debian bookworm. Where registries are reachable, the default pulls the
# official image; offline, build a local base with the same tag (docs/operations.md) or pass
#   --build-arg NODE_IMAGE=<your node 20 image>.
ARG NODE_IMAGE=docker.io/library/node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Dev dependencies (assemblyscript, typescript) build the modules and the host.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY asconfig.json tsconfig.json tsconfig.build.json ./
COPY assembly ./assembly
COPY host ./host
COPY build/build.mjs ./build/build.mjs
RUN node build/build.mjs

FROM ${NODE_IMAGE} AS deps
WORKDIR /src
COPY package.json package-lock.json ./
# Runtime dependencies only; native codecs (lz4, snappy, zstd) come as prebuilt optional packages.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    KSEAL_LOCAL_KMS_FILE=/var/lib/kseal/local-kms.json \
    KSEAL_ADMIN_PORT=9190
RUN groupadd --system --gid 10001 kseal \
 && useradd --system --uid 10001 --gid kseal --home-dir /var/lib/kseal --shell /usr/sbin/nologin kseal \
 && mkdir -p /var/lib/kseal /etc/kseal \
 && chown kseal:kseal /var/lib/kseal
WORKDIR /opt/kseal
COPY --from=deps /src/node_modules ./node_modules
COPY --from=build /src/build ./build
COPY package.json ./
COPY config ./config
USER 10001:10001
# 9192 bootstrap, 9193+ one port per broker node ("port identifies node"), 9190 admin HTTP.
EXPOSE 9190 9192 9193 9194 9195
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.KSEAL_ADMIN_PORT||9190)+'/livez').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains (limits.shutdownDrainMs); give `podman stop` / Kubernetes more than that.
STOPSIGNAL SIGTERM
# Node options: host/cli/node-flags.ts.
ENTRYPOINT ["node", "--initial-old-space-size=64", "/opt/kseal/build/host/cli/main.js"]
CMD ["start", "--config", "/etc/kseal/kseal.yaml"]
