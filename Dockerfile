# The BlobHub image: the compiled API (dist/api.js, serving the built web app) and worker
# (dist/worker.js) run from it with plain node, production dependencies only, as a non-root user.
ARG NODE_IMAGE=node:20-slim

# 1. Build: every dependency, the web app (apps/web/dist) and the server compiled to dist/ (npm run build).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# onnxruntime-node ships its CPU binaries in the package; skip its optional GPU download.
ENV ONNXRUNTIME_NODE_INSTALL=skip
# isolated-vm (logic.code's JavaScript sandbox) compiles from source: a toolchain, and Node's own
# headers (under /usr/local in this image)
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# npm ci applies patches/ (postinstall: patch-package), e.g. the postgres.js fix for a database restart
COPY patches ./patches
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# 2. Production dependencies only (no TypeScript, tsx, Vite or test tools).
FROM ${NODE_IMAGE} AS production-deps
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Runtime: the compiled output and the files it reads where the repository keeps them
#    (db/migrations, apps/web/dist, package.json; scripts/build.mjs says why).
FROM ${NODE_IMAGE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    BLOBHUB_DATA_DIR=/data \
    BLOBHUB_HTTP_HOST=0.0.0.0 \
    BLOBHUB_HTTP_PORT=8080
COPY --from=production-deps /app/node_modules ./node_modules
COPY package.json ./
COPY db/migrations ./db/migrations
COPY --from=build /app/dist ./dist
COPY --from=build /app/apps/web/dist ./apps/web/dist
# the user of the official node image (uid 1000); it owns only the data directory
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# ready = the database and Temporal answer (GET /readyz); the worker service checks its own (docker-compose.yml)
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=12 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.BLOBHUB_HTTP_PORT}/readyz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM: the API stops accepting, drains requests and WebSocket connections, then exits
STOPSIGNAL SIGTERM
CMD ["node", "--enable-source-maps", "dist/api.js"]
