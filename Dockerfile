# The broker as a container: build with the full toolchain, run on a slim image with production
# dependencies only, as the unprivileged `node` user. test/dockerfile.e2e-spec.ts runs these very
# steps (RUN and COPY, in order) in a clean folder, so keep RUN commands relative to WORKDIR.

# Node 22 (LTS). On Node 22 and later the broker runs SQLite on better-sqlite3 13, installed as the
# optional dependency better-sqlite3-napi; see docs/deploy.md, "Node 24 and SQLite".

# --- build: compile TypeScript and native addons (better-sqlite3), then drop dev dependencies
FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: same Debian release as the build, so the compiled addon loads
FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The dashboard is plain files served from the source tree (no build step).
COPY --from=build /app/src/realtime/dashboard/public ./src/realtime/dashboard/public
# `npm run token` and `npm run backup` start with this check (it finds nothing to compile here).
COPY scripts/build-if-stale.mjs ./scripts/build-if-stale.mjs
# SQLite's default file (./data); mount a volume here, or use PostgreSQL (DATABASE_URL).
RUN mkdir -p data && chown 1000:1000 data
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js"]
