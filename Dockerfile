# syntax=docker/dockerfile:1
#
# privatelink-dns container image.
#
#   docker build -t privatelink-dns .
#   docker run --rm -p 1053:53/udp -p 1053:53/tcp -v "$PWD/config:/etc/privatelink-dns:ro" privatelink-dns
#   dig @127.0.0.1 -p 1053 monitoring.us-east-2.amazonaws.com
#
# NODE_IMAGE is the runtime base: a slim Node LTS line that is still supported (Node 20 reached its
# end of life in April 2026; the package itself still runs on >=20). BUILD_IMAGE compiles the
# TypeScript and installs the production dependencies; it defaults to the same image.
#
# Port 53 as a non-root user: the image carries no file capabilities. Docker (20.10 and later) sets
# net.ipv4.ip_unprivileged_port_start=0 in every container's network namespace, so an unprivileged
# process may bind 53 with a plain `docker run`. Podman does not set it by default: add
# `--sysctl net.ipv4.ip_unprivileged_port_start=0`. A `setcap cap_net_bind_service` on the node
# binary was rejected on purpose: with `--cap-drop ALL` or no-new-privileges (the usual Kubernetes
# securityContext) the kernel refuses to exec such a binary at all ("operation not permitted").
# Under Kubernetes the pods listen on a high port instead (see deploy/kubernetes/).
ARG NODE_IMAGE=node:22-bookworm-slim
ARG BUILD_IMAGE=${NODE_IMAGE}
# Extra flags of the two `npm ci` runs, e.g. --prefer-offline with an npm cache in BUILD_IMAGE.
ARG NPM_CI_FLAGS=

# ---- build: compile src/ to dist/ --------------------------------------------------------------
FROM ${BUILD_IMAGE} AS build
ARG NPM_CI_FLAGS
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` script (the build) runs below, once the sources are here.
RUN npm ci --ignore-scripts --no-audit --no-fund ${NPM_CI_FLAGS}
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- deps: production dependencies only --------------------------------------------------------
FROM ${BUILD_IMAGE} AS deps
ARG NPM_CI_FLAGS
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund ${NPM_CI_FLAGS}

# ---- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# glibc returns freed memory instead of keeping up to twice its largest freed block per arena
# (src/core/malloc.ts: about 11 MB less RSS for one server with 10,000 endpoints). Unset it to get glibc's default.
ENV MALLOC_TRIM_THRESHOLD_=1048576
# V8 collects once its old generation is 1.5× what is live, not up to 4×: a stream of unique
# forwarded names peaks at about 150 MB instead of 250-300 MB, for 12% more CPU per cold-forwarded
# query (src/core/young-generation.ts, docs/operations.md#memory). Unset it for V8's default.
ENV PRIVATELINK_DNS_HEAP_GROWTH_PERCENT=50
WORKDIR /app
COPY --from=deps /build/node_modules ./node_modules
COPY --from=build /build/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY config ./config
COPY schema ./schema
COPY deploy/docker/healthcheck.mjs ./healthcheck.mjs
# `privatelink-dns` on the PATH, for `docker exec … privatelink-dns query NAME --server 127.0.0.1:53`.
RUN ln -s /app/bin/privatelink-dns /usr/local/bin/privatelink-dns
# The config the server reads. Mount a directory over /etc/privatelink-dns to replace it; the
# server reloads when the file changes. This copy is the bundled example, whose VPC `cidrs`
# include 172.16.0.0/12 and 192.168.0.0/16: the private ranges Docker and Podman give their
# networks. Queries from the host into a container arrive from the bridge's gateway address
# (e.g. 172.17.0.1), and queries from other containers from their own addresses, so both count
# as inside the VPC and get the private answers.
COPY config/endpoints.yaml /etc/privatelink-dns/endpoints.yaml

# Numeric so that Kubernetes' runAsNonRoot can verify it (uid 1000 is `node` in the official images).
USER 1000:1000

EXPOSE 53/udp 53/tcp
# The check is a node process: on a busy host its start alone can take over 3 s, hence --timeout=10s.
# JSON logs go to stdout (pino). The admin API stays on loopback inside the container, where the
# HEALTHCHECK reaches it; to publish it, bind it elsewhere and give a token:
#   docker run … privatelink-dns serve --config /etc/privatelink-dns/endpoints.yaml \
#     --listen 0.0.0.0:53 --admin 0.0.0.0:8053 --admin-token "$TOKEN"
HEALTHCHECK --interval=10s --timeout=10s --start-period=10s --retries=3 \
  CMD ["node", "/app/healthcheck.mjs", "http://127.0.0.1:8053/healthz"]
# node is PID 1 (exec form, no shell): SIGTERM reaches the server, which stops listening, lets the
# queries in flight finish and exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/privatelink-dns"]
CMD ["serve", "--config", "/etc/privatelink-dns/endpoints.yaml", "--listen", "0.0.0.0:53", "--admin", "127.0.0.1:8053"]
