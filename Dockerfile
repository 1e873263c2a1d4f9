# syntax=docker/dockerfile:1

# ---- build: compile TypeScript, then drop dev dependencies ----
FROM node:24-bookworm-slim AS build
WORKDIR /app

COPY package.json package-lock.json ./
# --ignore-scripts: the package's `prepare` script would run tsc before the sources are here, and
# the only dependencies with install scripts (esbuild, ssh2, cpu-features, protobufjs, chdb) are
# dev-only. --omit=optional: no runtime dependency is optional, and the build needs none of the
# platform binaries (chdb's ClickHouse engine for the tests alone is some 550 MB).
RUN npm ci --ignore-scripts --omit=optional --no-audit --no-fund

COPY tsconfig*.json ./
COPY src ./src
COPY bin ./bin
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 # Lua scripts and SQL migrations are read at run time from src/, next to where dist/ looks
 # for them: keep only those, with their paths.
 && mkdir -p /out/src \
 && find src \( -name '*.lua' -o -name '*.sql' \) -exec cp --parents {} /out/ \;

# ---- runtime ----
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app

COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/bin ./bin
COPY --from=build /out/src ./src
# the dashboard's questions, read by `insiders metabase provision`
COPY metabase/questions ./metabase/questions

USER node
# the HTTP API (HTTP_PORT): /healthz, /readyz, /metrics, /customers/:id, POST /refit
EXPOSE 8080
# the young generation bounded as bin/insiders.js's first line does (docs/operations.md, "Memory")
ENTRYPOINT ["node", "--max-semi-space-size=16", "bin/insiders.js"]
CMD ["run"]
