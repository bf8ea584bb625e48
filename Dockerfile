# The BlobHub image: the API (apps/api/main.ts, serving the built web app) and the worker (apps/worker/main.ts) run from it.
FROM node:20-slim
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
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY . .
# the web app the API serves at /
RUN npm run build
ENV NODE_ENV=production \
    BLOBHUB_DATA_DIR=/data \
    BLOBHUB_HTTP_PORT=8080
EXPOSE 8080
CMD ["npx", "tsx", "apps/api/main.ts"]
